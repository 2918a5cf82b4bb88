import { inspector } from "../api.js";
import { Cell, Empty, ErrorBox } from "../components.jsx";
import { ago, timestamp } from "../format.js";
import { useNow, usePoll } from "../hooks.js";

/** The actor's open connections, their params, state and subscriptions. */
export function ConnectionsTab({ actorId, live }) {
	const res = usePoll((signal) => inspector.connections(actorId, { signal }), [actorId], { enabled: live });
	const now = useNow(1000);
	const conns = res.data?.connections || [];
	if (res.data === undefined) return res.error ? <ErrorBox error={res.error} /> : <p className="muted">Loading…</p>;
	return (
		<div>
			{res.error && <ErrorBox error={res.error} title="Live update failed" />}
			{conns.length === 0 ? (
				<Empty testId="connections-empty">No connections. Clients that call <code>.connect()</code> show here.</Empty>
			) : (
				<table className="table" data-testid="connections-table">
					<thead>
						<tr>
							<th>Connection</th>
							<th>Connected</th>
							<th>Subscriptions</th>
							<th>Params</th>
							<th>State</th>
						</tr>
					</thead>
					<tbody>
						{conns.map((c) => {
							const d = c.details || {};
							const subs = d.subscriptionNames || [];
							return (
								<tr key={c.id} data-testid="connection-row">
									<td className="mono small">{c.id}</td>
									<td className="nowrap" title={timestamp(d.connectedAtMs)}>
										{d.connectedAtMs ? ago(d.connectedAtMs, now) : "–"}
									</td>
									<td>
										{subs.length ? (
											subs.map((s) => (
												<span key={s} className="chip">
													{s}
												</span>
											))
										) : (
											<span className="muted">{d.subscriptions ?? 0}</span>
										)}
									</td>
									<td className="mono">
										<Cell value={d.params} />
									</td>
									<td className="mono">
										<Cell value={d.stateEnabled === false ? undefined : d.state} />
									</td>
								</tr>
							);
						})}
					</tbody>
				</table>
			)}
		</div>
	);
}
