import { useEffect, useRef, useState } from "react";
import { settings } from "./api.js";

/** The tokens dialog: RIVET_TOKEN for management calls, optional RIVET_INSPECTOR_TOKEN. */
export function Settings({ onClose }) {
	const [serverToken, setServerToken] = useState(settings.serverToken);
	const [inspectorToken, setInspectorToken] = useState(settings.inspectorToken);
	const first = useRef(null);
	const close = useRef(onClose);
	close.current = onClose;
	useEffect(() => {
		first.current?.focus();
		const onKey = (e) => e.key === "Escape" && close.current(false);
		window.addEventListener("keydown", onKey);
		return () => window.removeEventListener("keydown", onKey);
	}, []);

	return (
		<div className="modal-backdrop" onMouseDown={() => onClose(false)}>
			<form
				className="modal"
				role="dialog"
				aria-label="Tokens"
				data-testid="settings"
				onMouseDown={(e) => e.stopPropagation()}
				onSubmit={(e) => {
					e.preventDefault();
					settings.save({ serverToken, inspectorToken });
					onClose(true);
				}}
			>
				<h2>Tokens</h2>
				<p className="muted small">
					Kept in this browser (localStorage) and sent only to this server.
				</p>
				<label className="field">
					<span>Server token</span>
					<input
						ref={first}
						type="password"
						autoComplete="off"
						placeholder="RIVET_TOKEN, if the server sets one"
						value={serverToken}
						data-testid="server-token"
						onChange={(e) => setServerToken(e.target.value)}
					/>
					<small className="muted">
						Sent as a Bearer token when reading an actor's inspector token.
					</small>
				</label>
				<label className="field">
					<span>Inspector token (optional)</span>
					<input
						type="password"
						autoComplete="off"
						placeholder="RIVET_INSPECTOR_TOKEN"
						value={inspectorToken}
						data-testid="inspector-token"
						onChange={(e) => setInspectorToken(e.target.value)}
					/>
					<small className="muted">
						Opens every actor's inspector; when empty, each actor's own token is used.
					</small>
				</label>
				<div className="modal-actions">
					<button type="button" className="btn" onClick={() => onClose(false)}>
						Cancel
					</button>
					<button type="submit" className="btn btn-primary" data-testid="settings-save">
						Save
					</button>
				</div>
			</form>
		</div>
	);
}
