import { inspector } from "../api.js";
import { Cell, Empty, ErrorBox } from "../components.jsx";
import { clock, timestamp } from "../format.js";
import { usePoll } from "../hooks.js";

const LIMIT = 100;

/** The latest broadcasts, newest first. */
export function EventsTab({ actorId, live }) {
	const res = usePoll((signal) => inspector.events(actorId, LIMIT, { signal }), [actorId], { enabled: live });
	if (res.data === undefined) return res.error ? <ErrorBox error={res.error} /> : <p className="muted">Loading…</p>;
	const events = [...(res.data?.events || [])].reverse();
	return (
		<div>
			{res.error && <ErrorBox error={res.error} title="Live update failed" />}
			{events.length === 0 ? (
				<Empty testId="events-empty">No events yet. Broadcasts from this actor show here.</Empty>
			) : (
				<table className="table" data-testid="events-table">
					<thead>
						<tr>
							<th>Time</th>
							<th>Event</th>
							<th>Arguments</th>
							<th className="num">Recipients</th>
						</tr>
					</thead>
					<tbody>
						{events.map((e, i) => (
							<tr key={`${e.atMs}-${i}`} data-testid="event-row">
								<td className="mono small nowrap" title={timestamp(e.atMs)}>
									{clock(e.atMs)}
								</td>
								<td className="mono">{e.name}</td>
								<td className="mono">
									<Cell value={e.args} />
								</td>
								<td className="num">{e.connections}</td>
							</tr>
						))}
					</tbody>
				</table>
			)}
		</div>
	);
}
