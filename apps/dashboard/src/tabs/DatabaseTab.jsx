import { useEffect, useState } from "react";
import { inspector } from "../api.js";
import { Cell, Empty, ErrorBox } from "../components.jsx";
import { usePoll } from "../hooks.js";

const PAGE_SIZES = [25, 50, 100];

/** The actor's SQLite tables: schema and rows, a page at a time. */
export function DatabaseTab({ actorId, live }) {
	const schema = usePoll((signal) => inspector.databaseSchema(actorId, { signal }), [actorId], {
		enabled: live,
		intervalMs: 3000,
	});
	const tables = schema.data?.schema?.tables || [];
	const [selected, setSelected] = useState(null);
	const [pageSize, setPageSize] = useState(PAGE_SIZES[0]);
	const [offset, setOffset] = useState(0);

	useEffect(() => {
		if (tables.length && !tables.some((t) => t.table.name === selected)) setSelected(tables[0].table.name);
	}, [tables, selected]);

	const rows = usePoll(
		(signal) => inspector.databaseRows(actorId, { table: selected, limit: pageSize, offset }, { signal }),
		[actorId, selected, pageSize, offset],
		{ enabled: live && Boolean(selected) },
	);

	if (schema.data === undefined) {
		return schema.error ? <ErrorBox error={schema.error} title="Cannot read the database" /> : <p className="muted">Loading…</p>;
	}
	if (tables.length === 0) return <Empty testId="database-empty">The database has no tables.</Empty>;

	const table = tables.find((t) => t.table.name === selected) || tables[0];
	const columns = (table.columns || []).map((c) => c.name);
	const data = rows.data?.rows || [];
	const total = table.records ?? 0;

	return (
		<div className="database-tab">
			<div className="db-tables">
				<div className="section-title">Tables</div>
				<ul>
					{tables.map((t) => (
						<li key={t.table.name}>
							<button
								type="button"
								className={`list-item${t.table.name === table.table.name ? " selected" : ""}`}
								data-testid={`db-table-${t.table.name}`}
								onClick={() => {
									setSelected(t.table.name);
									setOffset(0);
								}}
							>
								<span className="mono">{t.table.name}</span>
								<span className="muted small">
									{t.table.type === "view" ? "view" : `${t.records ?? 0} rows`}
								</span>
							</button>
						</li>
					))}
				</ul>
			</div>
			<div className="db-main">
				<div className="section-title">Schema</div>
				<table className="table table-compact" data-testid="db-columns">
					<thead>
						<tr>
							<th className="num">#</th>
							<th>Column</th>
							<th>Type</th>
							<th>Not null</th>
							<th>Default</th>
							<th>Primary key</th>
						</tr>
					</thead>
					<tbody>
						{(table.columns || []).map((c) => (
							<tr key={c.cid}>
								<td className="num muted">{c.cid}</td>
								<td className="mono">{c.name}</td>
								<td className="mono muted">{c.type || "—"}</td>
								<td>{c.notnull ? "yes" : ""}</td>
								<td className="mono">{c.dflt_value ?? ""}</td>
								<td>{c.pk ? `yes (${c.pk})` : ""}</td>
							</tr>
						))}
					</tbody>
				</table>
				{(table.foreignKeys || []).length > 0 && (
					<div className="fks">
						<div className="section-title">Foreign keys</div>
						<ul>
							{table.foreignKeys.map((fk, i) => (
								<li key={i} className="mono small">
									{fk.from} → {fk.table}.{fk.to}
								</li>
							))}
						</ul>
					</div>
				)}
				<div className="rows-head">
					<span className="section-title">Rows</span>
					<span className="muted small" data-testid="db-range">
						{data.length ? `${offset + 1}–${offset + data.length}` : "0"} of {total}
					</span>
					<span className="toolbar-spacer" />
					<select value={pageSize} onChange={(e) => { setPageSize(Number(e.target.value)); setOffset(0); }} aria-label="Rows per page">
						{PAGE_SIZES.map((n) => (
							<option key={n} value={n}>
								{n} per page
							</option>
						))}
					</select>
					<button type="button" className="btn btn-xs" disabled={offset === 0} data-testid="db-prev" onClick={() => setOffset(Math.max(0, offset - pageSize))}>
						Previous
					</button>
					<button
						type="button"
						className="btn btn-xs"
						disabled={data.length < pageSize}
						data-testid="db-next"
						onClick={() => setOffset(offset + pageSize)}
					>
						Next
					</button>
				</div>
				{rows.error && <ErrorBox error={rows.error} title="Cannot read rows" />}
				<div className="scroll-x">
					<table className="table" data-testid="db-rows">
						<thead>
							<tr>
								{columns.map((c) => (
									<th key={c} className="mono">
										{c}
									</th>
								))}
							</tr>
						</thead>
						<tbody>
							{data.map((row, i) => (
								<tr key={offset + i}>
									{columns.map((c) => (
										<td key={c} className="mono">
											{row[c] === null ? <span className="muted">NULL</span> : <Cell value={row[c]} />}
										</td>
									))}
								</tr>
							))}
						</tbody>
					</table>
				</div>
				{data.length === 0 && !rows.loading && <Empty>No rows on this page.</Empty>}
			</div>
		</div>
	);
}
