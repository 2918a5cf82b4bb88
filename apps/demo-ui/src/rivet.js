// The official client and its React hooks, pointed at the server that served this page.
import { createRivetKit } from "@rivetkit/react";

export const { useActor } = createRivetKit({
	endpoint: window.location.origin,
	// On localhost the client would load upstream's devtools overlay from <endpoint>/devtools/mod.js,
	// which this server does not have (its dashboard is at /ui/).
	devtools: false,
});
