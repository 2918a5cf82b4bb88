import { inspector } from "../api.js";
import { Cell, Empty, ErrorBox } from "../components.jsx";
import { ago, timestamp } from "../format.js";
import { useNow, usePoll } from "../hooks.js";

const STATUS_CLASS = {
	completed: "pill-ok",
	running: "pill-info",
	sleeping: "pill-info",
	retrying: "pill-warn",
	failed: "pill-err",
	rolled_back: "pill-warn",
};

/** The workflow's recorded entries, in order. */
export function WorkflowTab({ actorId, live }) {
	const res = usePoll((signal) => inspector.workflowHistory(actorId, { signal }), [actorId], { enabled: live });
	const now = useNow(1000);
	if (res.data === undefined) return res.error ? <ErrorBox error={res.error} /> : <p className="muted">Loading…</p>;
	if (!res.data.isWorkflowEnabled) return <Empty testId="workflow-disabled">This actor has no workflow.</Empty>;
	const history = res.data.history;
	if (!history) return <Empty testId="workflow-empty">The workflow has not run yet.</Empty>;
	const entries = history.entries || [];
	return (
		<div>
			<div className="toolbar">
				<span className="muted">Workflow</span>
				<span className={`pill ${STATUS_CLASS[history.status] || "pill-info"}`} data-testid="workflow-status">
					{history.status}
				</span>
				<span className="muted small">{entries.length} entries</span>
			</div>
			{res.error && <ErrorBox error={res.error} title="Live update failed" />}
			<table className="table" data-testid="workflow-table">
				<thead>
					<tr>
						<th>Location</th>
						<th>Name</th>
						<th>Kind</th>
						<th>Status</th>
						<th className="num">Attempts</th>
						<th>Recorded</th>
						<th>Result / error</th>
					</tr>
				</thead>
				<tbody>
					{entries.map((e, i) => (
						<tr key={`${e.location}-${i}`}>
							<td className="mono small">{e.location}</td>
							<td className="mono">{e.name}</td>
							<td>
								<span className="chip">{e.kind}</span>
							</td>
							<td>
								<span className={`pill ${STATUS_CLASS[e.status] || "pill-info"}`}>{e.status}</span>
							</td>
							<td className="num">{e.attempts ?? ""}</td>
							<td className="nowrap" title={timestamp(e.recordedAt ?? e.lastAttemptAt)}>
								{e.recordedAt || e.lastAttemptAt ? ago(e.recordedAt ?? e.lastAttemptAt, now) : "–"}
							</td>
							<td className="mono">
								{e.error !== undefined && e.error !== null ? (
									<span className="text-err">
										<Cell value={e.error} />
									</span>
								) : (
									<Cell value={e.result} />
								)}
							</td>
						</tr>
					))}
				</tbody>
			</table>
		</div>
	);
}
