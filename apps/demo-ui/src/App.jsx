import { useState } from "react";
import { Join } from "./Join.jsx";
import { Room } from "./Room.jsx";
import { roomFromUrl, saveIdentity, setRoomInUrl } from "./identity.js";

export function App() {
	// { name, color, room } once joined.
	const [session, setSession] = useState(null);

	if (!session) {
		return (
			<Join
				initialRoom={roomFromUrl()}
				onJoin={(s) => {
					saveIdentity({ name: s.name, color: s.color });
					setRoomInUrl(s.room);
					setSession(s);
				}}
			/>
		);
	}
	return <Room {...session} onLeave={() => setSession(null)} />;
}
