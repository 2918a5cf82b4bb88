import { useState } from "react";
import { MAX_NAME_BYTES, PALETTE, byteLength, loadIdentity, randomName } from "./identity.js";

export function Join({ initialRoom, onJoin }) {
	const [identity] = useState(loadIdentity);
	const [name, setName] = useState(identity.name);
	const [color, setColor] = useState(identity.color);
	const [room, setRoom] = useState(initialRoom);

	const trimmed = name.trim();
	const nameOk = trimmed.length > 0 && byteLength(trimmed) <= MAX_NAME_BYTES;
	const roomOk = room.trim().length > 0;

	function submit(e) {
		e.preventDefault();
		if (nameOk && roomOk) onJoin({ name: trimmed, color, room: room.trim() });
	}

	return (
		<div className="join-page">
			<form className="join-card" onSubmit={submit} data-testid="join-form">
				<div className="brand">
					<img src="/favicon.svg" alt="" width="28" height="28" />
					<span>rivetkit-cpp demo</span>
				</div>
				<h1>Chat with live cursors</h1>
				<p className="muted">
					A room is one actor, written in C++. Everyone in it sees the messages, who is here, and where
					their pointers are. Open this page in two windows to try it.
				</p>

				<label className="field">
					<span>Your name</span>
					<div className="row">
						<input
							data-testid="join-name"
							value={name}
							maxLength={64}
							onChange={(e) => setName(e.target.value)}
							autoFocus
						/>
						<button type="button" className="ghost" onClick={() => setName(randomName())} title="Another name">
							↻
						</button>
					</div>
					{!nameOk && <small className="error">1 to {MAX_NAME_BYTES} bytes, please.</small>}
				</label>

				<div className="field">
					<span>Your color</span>
					<div className="swatches" role="radiogroup">
						{PALETTE.map((c) => (
							<button
								key={c}
								type="button"
								role="radio"
								aria-checked={c === color}
								aria-label={c}
								className={`swatch${c === color ? " selected" : ""}`}
								style={{ background: c }}
								onClick={() => setColor(c)}
							/>
						))}
					</div>
				</div>

				<label className="field">
					<span>Room</span>
					<div className="row room-input">
						<span className="hash">#</span>
						<input data-testid="join-room" value={room} maxLength={48} onChange={(e) => setRoom(e.target.value)} />
					</div>
				</label>

				<button type="submit" className="primary" data-testid="join-submit" disabled={!nameOk || !roomOk}>
					Join #{room.trim() || "…"}
				</button>
			</form>
		</div>
	);
}
