import { inspector } from "../api.js";
import { Cell, Empty, ErrorBox } from "../components.jsx";
import { ago, timestamp } from "../format.js";
import { useNow, usePoll } from "../hooks.js";

const LIMIT = 100;

/** The messages waiting in the actor's queue, oldest first. */
export function QueueTab({ actorId, live }) {
	const res = usePoll((signal) => inspector.queue(actorId, LIMIT, { signal }), [actorId], { enabled: live });
	const now = useNow(1000);
	if (res.data === undefined) return res.error ? <ErrorBox error={res.error} /> : <p className="muted">Loading…</p>;
	const q = res.data || {};
	const messages = q.messages || [];
	return (
		<div>
			<div className="stats">
				<div className="stat">
					<span className="stat-value" data-testid="queue-size">
						{q.size ?? 0}
					</span>
					<span className="stat-label">messages</span>
				</div>
				<div className="stat">
					<span className="stat-value">{q.maxSize ?? "–"}</span>
					<span className="stat-label">capacity</span>
				</div>
				{q.truncated && <span className="pill pill-warn">Showing the first {messages.length}</span>}
			</div>
			{res.error && <ErrorBox error={res.error} title="Live update failed" />}
			{messages.length === 0 ? (
				<Empty testId="queue-empty">The queue is empty.</Empty>
			) : (
				<table className="table" data-testid="queue-table">
					<thead>
						<tr>
							<th className="num">ID</th>
							<th>Name</th>
							<th>Body</th>
							<th>Enqueued</th>
							<th className="num">Attempts</th>
							<th />
						</tr>
					</thead>
					<tbody>
						{messages.map((m) => (
							<tr key={m.id}>
								<td className="num mono">{m.id}</td>
								<td className="mono">{m.name}</td>
								<td className="mono">
									<Cell value={m.body} />
								</td>
								<td className="nowrap" title={timestamp(m.createdAtMs)}>
									{ago(m.createdAtMs, now)}
								</td>
								<td className="num">{m.attempts ?? 0}</td>
								<td>{m.inFlight && <span className="pill pill-info">in flight</span>}</td>
							</tr>
						))}
					</tbody>
				</table>
			)}
		</div>
	);
}
