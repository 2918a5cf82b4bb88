import { useEffect, useState } from "react";
import { inspector } from "../api.js";
import { Cell, Empty, ErrorBox, JsonView } from "../components.jsx";
import { clock, duration } from "../format.js";
import { usePoll } from "../hooks.js";

const HISTORY = 10;

/** Lists the actor's actions and calls one with JSON arguments. */
export function ActionsTab({ actorId, refreshSummary }) {
	const rpcs = usePoll((signal) => inspector.rpcs(actorId, { signal }), [actorId], { intervalMs: 10_000 });
	const [selected, setSelected] = useState(null);
	const [argsText, setArgsText] = useState("[]");
	const [running, setRunning] = useState(false);
	const [history, setHistory] = useState([]);
	const names = rpcs.data?.rpcs || [];

	useEffect(() => {
		if (!selected && names.length) setSelected(names[0]);
	}, [names, selected]);

	let args;
	let argsError = null;
	try {
		args = JSON.parse(argsText);
		if (!Array.isArray(args)) argsError = "Arguments must be a JSON array, e.g. [1, \"two\"]";
	} catch (e) {
		argsError = `Not valid JSON: ${e.message}`;
	}

	const call = async () => {
		if (!selected || argsError || running) return;
		setRunning(true);
		const started = performance.now();
		const entry = { id: Date.now() + Math.random(), name: selected, args, at: Date.now() };
		try {
			const res = await inspector.callAction(actorId, selected, args);
			entry.output = res?.output;
			entry.ok = true;
		} catch (e) {
			entry.error = e;
			entry.ok = false;
		}
		entry.ms = performance.now() - started;
		setHistory((h) => [entry, ...h].slice(0, HISTORY));
		setRunning(false);
		refreshSummary?.();
	};

	const latest = history[0];

	return (
		<div className="actions-tab">
			<div className="actions-list">
				<div className="section-title">Actions</div>
				{rpcs.error && <ErrorBox error={rpcs.error} title="Cannot list actions" />}
				{!rpcs.error && names.length === 0 && !rpcs.loading && <Empty>This actor has no actions.</Empty>}
				<ul>
					{names.map((n) => (
						<li key={n}>
							<button
								type="button"
								className={`list-item mono${n === selected ? " selected" : ""}`}
								data-testid={`action-${n}`}
								onClick={() => setSelected(n)}
							>
								{n}
							</button>
						</li>
					))}
				</ul>
			</div>
			<div className="actions-call">
				<div className="call-head">
					<span className="section-title">Call</span>
					<code className="call-name" data-testid="action-selected">
						{selected || "—"}
					</code>
				</div>
				<label className="field">
					<span>Arguments (JSON array)</span>
					<textarea
						className={`editor editor-small${argsError ? " invalid" : ""}`}
						spellCheck={false}
						rows={4}
						value={argsText}
						data-testid="action-args"
						onChange={(e) => setArgsText(e.target.value)}
						onKeyDown={(e) => {
							if ((e.ctrlKey || e.metaKey) && e.key === "Enter") {
								e.preventDefault();
								call();
							}
						}}
					/>
				</label>
				{argsError && <p className="hint error">{argsError}</p>}
				<div className="toolbar">
					<button
						type="button"
						className="btn btn-primary"
						data-testid="action-call"
						disabled={!selected || Boolean(argsError) || running}
						onClick={call}
					>
						{running ? "Calling…" : "Call"}
					</button>
					<span className="muted small">Ctrl+Enter</span>
				</div>
				{latest && (
					<div className="result" data-testid="action-outcome" data-ok={String(latest.ok)}>
						<div className="result-head">
							<span className={`pill ${latest.ok ? "pill-ok" : "pill-err"}`}>{latest.ok ? "Returned" : "Failed"}</span>
							<code>{latest.name}</code>
							<span className="muted small">
								{clock(latest.at)} · {duration(latest.ms)}
							</span>
						</div>
						{latest.ok ? (
							<JsonView value={latest.output} testId="action-result" />
						) : (
							<ErrorBox error={latest.error} title="The action threw" testId="action-error" />
						)}
					</div>
				)}
				{history.length > 1 && (
					<div className="history">
						<div className="section-title">Earlier calls</div>
						<table className="table" data-testid="action-history">
							<tbody>
								{history.slice(1).map((h) => (
									<tr key={h.id}>
										<td className="muted small nowrap">{clock(h.at)}</td>
										<td className="mono">{h.name}</td>
										<td className="mono">
											<Cell value={h.args} />
										</td>
										<td className="mono">
											{h.ok ? (
												<Cell value={h.output} />
											) : (
												<span className="text-err">{h.error?.qualifiedCode || h.error?.message}</span>
											)}
										</td>
										<td className="muted small nowrap">{duration(h.ms)}</td>
									</tr>
								))}
							</tbody>
						</table>
					</div>
				)}
			</div>
		</div>
	);
}
