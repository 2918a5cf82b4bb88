import { textOn } from "./color.js";

export function Presence({ users, you, stale }) {
	return (
		<section className={`card presence${stale ? " stale" : ""}`}>
			<h2>
				Here now <span className="count">{users.length}</span>
			</h2>
			<ul data-testid="presence">
				{users.map((u) => (
					<li key={u.id} data-testid="presence-user" data-name={u.name}>
						<span className="avatar small" style={{ background: u.color, color: textOn(u.color) }}>
							{initials(u.name)}
						</span>
						<span className="presence-name">{u.name}</span>
						{u.id === you && <span className="you">you</span>}
					</li>
				))}
			</ul>
		</section>
	);
}

export function initials(name) {
	const parts = name.trim().split(/\s+/).filter(Boolean);
	const letters = parts.length > 1 ? [parts[0], parts[parts.length - 1]] : parts;
	return letters.map((p) => Array.from(p)[0].toUpperCase()).join("");
}
