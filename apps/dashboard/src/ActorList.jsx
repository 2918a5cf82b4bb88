import { useMemo, useState } from "react";
import { listActors, listNames } from "./api.js";
import { ErrorBox, KeyChips, StatusBadge } from "./components.jsx";
import { actorStatus, ago } from "./format.js";
import { keyLabel } from "./keys.js";
import { useNow, usePoll } from "./hooks.js";

const PAGE = 100;
const LIST_POLL_MS = 2000;

/** The sidebar: actors by name and key, with their status, filters and live refresh. */
export function ActorList({ selectedId, onSelect }) {
	const [name, setName] = useState("");
	const [text, setText] = useState("");
	const [showDestroyed, setShowDestroyed] = useState(false);
	const [limit, setLimit] = useState(PAGE);
	const now = useNow(5000);

	const names = usePoll((signal) => listNames({ signal }), [], { intervalMs: 10_000 });
	const list = usePoll((signal) => listActors({ name: name || undefined, limit, signal }), [name, limit], {
		intervalMs: LIST_POLL_MS,
	});

	const actors = useMemo(() => {
		const needle = text.trim().toLowerCase();
		return (list.data?.actors || [])
			.filter((a) => showDestroyed || !a.destroy_ts)
			.filter(
				(a) =>
					!needle ||
					a.name.toLowerCase().includes(needle) ||
					keyLabel(a.key).toLowerCase().includes(needle) ||
					a.actor_id.toLowerCase().includes(needle),
			)
			.sort((a, b) => b.create_ts - a.create_ts);
	}, [list.data, text, showDestroyed]);

	const counts = useMemo(() => {
		const c = { awake: 0, sleeping: 0, destroyed: 0 };
		for (const a of list.data?.actors || []) c[actorStatus(a)]++;
		return c;
	}, [list.data]);

	return (
		<div className="actor-list">
			<div className="list-filters">
				<select
					value={name}
					data-testid="name-filter"
					aria-label="Actor name"
					onChange={(e) => {
						setName(e.target.value);
						setLimit(PAGE);
					}}
				>
					<option value="">All names</option>
					{(names.data || []).map((n) => (
						<option key={n.name} value={n.name}>
							{n.displayName && n.displayName !== n.name ? `${n.displayName} (${n.name})` : n.name}
						</option>
					))}
				</select>
				<input
					type="search"
					placeholder="Filter by name, key or id"
					value={text}
					data-testid="actor-filter"
					onChange={(e) => setText(e.target.value)}
				/>
				<div className="list-meta">
					<label className="check">
						<input
							type="checkbox"
							checked={showDestroyed}
							data-testid="show-destroyed"
							onChange={(e) => setShowDestroyed(e.target.checked)}
						/>
						Show destroyed
					</label>
					<span className="muted small" title="awake / sleeping / destroyed">
						{counts.awake} awake · {counts.sleeping} sleeping
						{counts.destroyed ? ` · ${counts.destroyed} destroyed` : ""}
					</span>
				</div>
			</div>
			<ErrorBox error={list.error} title="Cannot list actors" testId="list-error" />
			<ul className="actors" data-testid="actor-list">
				{actors.map((a) => {
					const status = actorStatus(a);
					return (
						<li key={a.actor_id}>
							<button
								type="button"
								className={`actor-row${a.actor_id === selectedId ? " selected" : ""} status-${status}`}
								data-testid="actor-row"
								data-actor-id={a.actor_id}
								data-actor-name={a.name}
								onClick={() => onSelect(a.actor_id)}
							>
								<span className="actor-row-top">
									<span className="actor-name">{a.name}</span>
									<StatusBadge status={status} />
								</span>
								<span className="actor-row-bottom">
									<KeyChips value={a.key} />
									<span className="muted small" title={new Date(a.create_ts).toString()}>
										{ago(a.create_ts, now)}
									</span>
								</span>
							</button>
						</li>
					);
				})}
			</ul>
			{!list.loading && actors.length === 0 && !list.error && (
				<div className="empty small" data-testid="actor-list-empty">
					{list.data?.actors?.length ? "No actor matches the filter." : "No actors yet."}
				</div>
			)}
			{list.data?.cursor && (
				<button type="button" className="btn btn-ghost load-more" onClick={() => setLimit((l) => l + PAGE)}>
					Load more
				</button>
			)}
		</div>
	);
}
