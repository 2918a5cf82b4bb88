import { useState } from "react";
import { ApiError } from "./api.js";
import { deserializeKey } from "./keys.js";
import { compact, pretty } from "./format.js";

/** awake / sleeping / destroyed as a coloured pill. */
export function StatusBadge({ status }) {
	return (
		<span className={`badge badge-${status}`} data-testid="actor-status" data-status={status}>
			<span className="badge-dot" />
			{status}
		</span>
	);
}

/** A key's components as chips; the serialized form in the tooltip. */
export function KeyChips({ value }) {
	const parts = deserializeKey(value);
	if (parts.length === 0) return <span className="muted small">no key</span>;
	return (
		<span className="key" title={`serialized key: ${value}`} data-testid="actor-key">
			{parts.map((p, i) => (
				<span key={i} className={`key-part${p === "" ? " key-empty" : ""}`}>
					{p === "" ? '""' : p}
				</span>
			))}
		</span>
	);
}

const tokenPattern =
	/("(?:\\.|[^"\\])*")(\s*:)?|\b(true|false|null)\b|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|([{}[\],])/g;

/** Pretty JSON with colours (built as React nodes: no HTML strings). */
export function JsonView({ value, className = "", testId }) {
	const text = pretty(value);
	if (value === undefined) {
		return (
			<pre className={`json ${className}`} data-testid={testId}>
				<span className="muted">undefined</span>
			</pre>
		);
	}
	const nodes = [];
	let last = 0;
	let m;
	tokenPattern.lastIndex = 0;
	while ((m = tokenPattern.exec(text)) !== null) {
		if (m.index > last) nodes.push(text.slice(last, m.index));
		const [whole, str, colon, literal, num, punct] = m;
		const k = m.index;
		if (str !== undefined) {
			nodes.push(
				<span key={k} className={colon ? "j-key" : "j-str"}>
					{str}
				</span>,
			);
			if (colon) nodes.push(colon);
		} else if (literal !== undefined) {
			nodes.push(
				<span key={k} className="j-lit">
					{literal}
				</span>,
			);
		} else if (num !== undefined) {
			nodes.push(
				<span key={k} className="j-num">
					{num}
				</span>,
			);
		} else if (punct !== undefined) {
			nodes.push(
				<span key={k} className="j-punct">
					{whole}
				</span>,
			);
		}
		last = m.index + whole.length;
	}
	if (last < text.length) nodes.push(text.slice(last));
	return (
		<pre className={`json ${className}`} data-testid={testId}>
			{nodes}
		</pre>
	);
}

/** A value in a table cell: one line, the full JSON in the tooltip. */
export function Cell({ value }) {
	if (value === undefined) return <span className="muted">–</span>;
	const text = typeof value === "string" ? value : compact(value);
	return (
		<span className="cell-json" title={typeof value === "string" ? value : pretty(value)}>
			{text}
		</span>
	);
}

/** A structured error: group.code, message, HTTP status, metadata. */
export function ErrorBox({ error, title, testId = "error" }) {
	if (!error) return null;
	const api = error instanceof ApiError ? error : null;
	return (
		<div className="error-box" role="alert" data-testid={testId}>
			<div className="error-head">
				<span className="error-title">{title || "Request failed"}</span>
				{api?.qualifiedCode && <code className="error-code">{api.qualifiedCode}</code>}
				{api?.status ? <span className="muted small">HTTP {api.status}</span> : null}
			</div>
			<div className="error-message">{error.message}</div>
			{api?.metadata !== null && api?.metadata !== undefined && (
				<JsonView value={api.metadata} className="json-small" />
			)}
		</div>
	);
}

export function Empty({ children, testId }) {
	return (
		<div className="empty" data-testid={testId}>
			{children}
		</div>
	);
}

export function CopyButton({ text, label = "Copy" }) {
	const [done, setDone] = useState(false);
	return (
		<button
			type="button"
			className="btn btn-ghost btn-xs"
			onClick={async () => {
				try {
					await navigator.clipboard.writeText(text);
					setDone(true);
					setTimeout(() => setDone(false), 1200);
				} catch {
					// Clipboard access can be refused; nothing else to do.
				}
			}}
		>
			{done ? "Copied" : label}
		</button>
	);
}

/** "Live" dot with the time of the last answer. */
export function LiveIndicator({ updatedAt, error }) {
	const stale = error || !updatedAt;
	return (
		<span className={`live ${stale ? "live-stale" : ""}`} title={error ? error.message : "Updated every second"}>
			<span className="live-dot" />
			{error ? "Reconnecting" : "Live"}
		</span>
	);
}
