import { useState } from "react";
import { inspector } from "../api.js";
import { Cell, Empty, ErrorBox } from "../components.jsx";
import { clock, duration, timestamp } from "../format.js";
import { usePoll } from "../hooks.js";

const WINDOWS = [
	{ label: "1 min", ms: 60_000 },
	{ label: "15 min", ms: 15 * 60_000 },
	{ label: "1 hour", ms: 60 * 60_000 },
];
const LIMIT = 500;
const STATUS_ERROR = 2;

function attrValue(v) {
	if (!v || typeof v !== "object") return v;
	if ("stringValue" in v) return v.stringValue;
	if ("intValue" in v) return Number(v.intValue);
	if ("doubleValue" in v) return v.doubleValue;
	if ("boolValue" in v) return v.boolValue;
	return JSON.stringify(v);
}

function nanosToMs(n) {
	try {
		return Number(BigInt(n) / 1000n) / 1000;
	} catch {
		return Number(n) / 1e6;
	}
}

/** Flattens OTLP JSON into spans with their attributes as an object. */
export function flattenSpans(otlp) {
	const out = [];
	for (const rs of otlp || []) {
		for (const ss of rs.scopeSpans || []) {
			for (const span of ss.spans || []) {
				const attrs = {};
				for (const a of span.attributes || []) attrs[a.key] = attrValue(a.value);
				const start = nanosToMs(span.startTimeUnixNano);
				const end = span.endTimeUnixNano ? nanosToMs(span.endTimeUnixNano) : null;
				out.push({
					id: `${span.traceId}-${span.spanId}`,
					name: span.name,
					start,
					end,
					ms: end === null ? null : end - start,
					attrs,
					status: span.status || {},
				});
			}
		}
	}
	return out.sort((a, b) => b.start - a.start);
}

/** The actor's recent spans (actions, hooks, queue messages, workflow steps, schedules). */
export function TracesTab({ actorId, live }) {
	const [windowMs, setWindowMs] = useState(WINDOWS[1].ms);
	const res = usePoll(
		(signal) => {
			const endMs = Date.now() + 1000;
			return inspector.traces(actorId, { startMs: endMs - windowMs, endMs, limit: LIMIT }, { signal });
		},
		[actorId, windowMs],
		{ enabled: live },
	);
	const spans = flattenSpans(res.data?.otlp);
	const longest = Math.max(1, ...spans.map((s) => s.ms || 0));

	return (
		<div>
			<div className="toolbar">
				<div className="segmented">
					{WINDOWS.map((w) => (
						<button
							key={w.ms}
							type="button"
							className={w.ms === windowMs ? "active" : ""}
							onClick={() => setWindowMs(w.ms)}
						>
							{w.label}
						</button>
					))}
				</div>
				<span className="muted small">{spans.length} spans</span>
				{res.data?.clamped && (
					<span className="pill pill-warn" title="Older spans of this window were dropped or cut by the limit">
						clamped
					</span>
				)}
			</div>
			{res.error && <ErrorBox error={res.error} title="Cannot read traces" />}
			{res.data !== undefined && spans.length === 0 ? (
				<Empty testId="traces-empty">No spans in this window.</Empty>
			) : (
				<table className="table" data-testid="traces-table">
					<thead>
						<tr>
							<th>Start</th>
							<th>Span</th>
							<th>Kind</th>
							<th>Detail</th>
							<th className="num">Duration</th>
							<th className="bar-col" />
							<th>Status</th>
						</tr>
					</thead>
					<tbody>
						{spans.map((s) => {
							const failed = s.status.code === STATUS_ERROR;
							return (
								<tr key={s.id} data-testid="trace-row">
									<td className="mono small nowrap" title={timestamp(s.start)}>
										{clock(s.start)}
									</td>
									<td className="mono">{s.name}</td>
									<td>
										<span className="chip">{s.attrs["rivet.kind"] ?? "–"}</span>
									</td>
									<td className="mono small">
										<Cell value={s.attrs["rivet.detail"]} />
									</td>
									<td className="num nowrap">{s.ms === null ? "open" : duration(s.ms)}</td>
									<td className="bar-col">
										<span className="bar">
											<span
												className={`bar-fill${failed ? " bar-err" : ""}`}
												style={{ width: `${Math.max(2, ((s.ms || 0) / longest) * 100)}%` }}
											/>
										</span>
									</td>
									<td>
										{failed ? (
											<span className="text-err" title={s.status.message}>
												{s.attrs["error.code"] || "error"}
											</span>
										) : (
											<span className="text-ok">ok</span>
										)}
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
