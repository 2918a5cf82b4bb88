// The connection as the official client reports it (ActorConn.connStatus), made visible: after a
// server restart the pill says "Reconnecting…" until the client is back, then "Live" again.
const LABELS = {
	connecting: "Connecting…",
	reconnecting: "Reconnecting…",
	loading: "Loading…",
	live: "Live",
};

/** What the page is doing: connecting (first time), reconnecting, loading the room, or live. */
export function phaseOf(status, everConnected, synced) {
	if (status === "connected") return synced ? "live" : "loading";
	return everConnected ? "reconnecting" : "connecting";
}

export function StatusPill({ status, everConnected, synced, reconnects }) {
	const phase = phaseOf(status, everConnected, synced);
	return (
		<span
			className={`status status-${phase}`}
			data-testid="status"
			data-phase={phase}
			data-status={status}
			data-synced={synced ? "true" : "false"}
			data-reconnects={reconnects}
			title={`client status: ${status}${reconnects ? `, reconnected ${reconnects}×` : ""}`}
		>
			<span className="status-dot" />
			{LABELS[phase]}
			{phase === "live" && reconnects > 0 && <span className="status-note">· reconnected</span>}
		</span>
	);
}
