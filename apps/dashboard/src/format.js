// Small display helpers.

/** awake | sleeping | destroyed, from a management API actor record. */
export function actorStatus(actor) {
	if (!actor) return "unknown";
	if (actor.destroy_ts) return "destroyed";
	if (actor.sleep_ts) return "sleeping";
	return "awake";
}

const units = [
	["d", 86_400_000],
	["h", 3_600_000],
	["m", 60_000],
	["s", 1_000],
];

/** "3s ago", "5m ago"... from a Unix time in milliseconds. */
export function ago(ms, now = Date.now()) {
	if (ms === null || ms === undefined) return "–";
	const d = Math.max(0, now - Number(ms));
	if (d < 1_000) return "just now";
	for (const [u, size] of units) {
		if (d >= size) return `${Math.floor(d / size)}${u} ago`;
	}
	return "just now";
}

/** Local date and time with milliseconds, for tooltips and tables. */
export function timestamp(ms) {
	if (ms === null || ms === undefined) return "–";
	const d = new Date(Number(ms));
	if (Number.isNaN(d.getTime())) return String(ms);
	const pad = (n, w = 2) => String(n).padStart(w, "0");
	return (
		`${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
		`${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`
	);
}

/** Time of day with milliseconds. */
export function clock(ms) {
	return timestamp(ms).slice(11);
}

/** A duration in milliseconds, at a precision that fits its size. */
export function duration(ms) {
	if (ms === null || ms === undefined || Number.isNaN(ms)) return "–";
	if (ms < 1) return `${(ms * 1000).toFixed(0)} µs`;
	if (ms < 10) return `${ms.toFixed(2)} ms`;
	if (ms < 1000) return `${ms.toFixed(1)} ms`;
	return `${(ms / 1000).toFixed(2)} s`;
}

/** Compact JSON for table cells. */
export function compact(value) {
	if (value === undefined) return "";
	try {
		return JSON.stringify(value);
	} catch {
		return String(value);
	}
}

/** Pretty JSON for editors and panels. */
export function pretty(value) {
	if (value === undefined) return "";
	return JSON.stringify(value, null, 2);
}
