// Helpers for the queue, run-loop and workflow tests (conformance-fixtures.md §5).
//
// The client serializes queue sends made through one handle (a handle waits
// for its previous send to finish), so tests that need sends to overlap use
// one handle per send: `client.<actor>.getOrCreate(key)` returns a new handle
// each time.

import { CALL_LIMIT_MS, within } from "./util.mjs";

/**
 * `target.send(queue, body, options)` that never waits forever: the limit is
 * the send's own `timeout` (when waiting) plus the usual per-call limit.
 */
export function send(target, queue, body, options) {
	const own = options?.wait ? Number(options.timeout ?? 0) : 0;
	return within(
		own + CALL_LIMIT_MS,
		`queue send to "${queue}" got no response; if the server answered, the client dropped the reply ` +
			"(run with RIVET_LOG_LEVEL=warn to see why)",
		options === undefined ? target.send(queue, body) : target.send(queue, body, options),
	);
}

/** Like send(), resolving to { result, elapsed } (elapsed in ms). */
export async function timedSend(target, queue, body, options) {
	const t0 = Date.now();
	const result = await send(target, queue, body, options);
	return { result, elapsed: Date.now() - t0 };
}

/** Number of times each value occurs in `list`, as a Map. */
export function occurrences(list) {
	const counts = new Map();
	for (const v of list) counts.set(v, (counts.get(v) ?? 0) + 1);
	return counts;
}
