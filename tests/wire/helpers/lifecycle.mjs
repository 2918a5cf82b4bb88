// Helpers for the lifecycle tests (sleep, wake, schedules, destroy).
//
// Observing an actor that sleeps is delicate: every request resets its idle
// timer (or wakes it). pollEvery() therefore polls at a chosen interval, so a
// test can poll more slowly than the actor's sleep timeout and let it sleep
// between two looks.

import assert from "node:assert/strict";
import { ActorError, ms, sleep } from "./util.mjs";

/** Milliseconds since `t0` (a Date.now() value). */
export const since = (t0) => Date.now() - t0;

function show(v) {
	if (v instanceof Error) return `${v.name}: ${v.message}`;
	try {
		return JSON.stringify(v, (_, x) => (typeof x === "bigint" ? `${x}n` : x));
	} catch {
		return String(v);
	}
}

/**
 * Calls `check` (truthy = done) every `interval` ms until `limit` ms have
 * passed. The first call happens after `interval` ms unless `eager` is set.
 * Returns the truthy value; throws with the last value or error otherwise.
 */
export async function pollEvery(what, interval, check, { limit = ms(8_000), eager = false } = {}) {
	const deadline = Date.now() + limit;
	let last;
	if (!eager) await sleep(interval);
	for (;;) {
		try {
			last = await check();
			if (last) return last;
		} catch (err) {
			last = err;
		}
		if (Date.now() + interval > deadline) break;
		await sleep(interval);
	}
	throw new Error(`timed out after ${limit} ms waiting for: ${what} (last: ${show(last)})`);
}

/** Resolves with the error `promise` rejects with, or fails when it resolves. */
export async function rejection(promise, what) {
	try {
		const value = await promise;
		assert.fail(`${what}: expected a rejection, got ${show(value)}`);
	} catch (err) {
		if (err instanceof assert.AssertionError) throw err;
		return err;
	}
}

/** True when `err` is the client's ActorError `group.code`. */
export function isActorError(err, group, code) {
	return err instanceof ActorError && err.group === group && err.code === code;
}

/** "group.code: message" of an error, for assertion messages. */
export function errText(err) {
	if (err instanceof ActorError) return `${err.group}.${err.code}: ${err.message}`;
	return `${err?.constructor?.name}: ${err?.message}`;
}
