// Small helpers shared by the wire tests.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createClient, ActorError } from "rivetkit/client";
import { SLOW } from "./server.mjs";

export { ActorError, SLOW };

/** The three client encodings every behaviour is checked in. */
export const ENCODINGS = ["json", "cbor", "bare"];

/** Per-run unique tag, so keys never collide across files or runs. */
export const RUN = `${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;

let counter = 0;
/** A fresh key component: "<label>-<run>-<n>". */
export function uid(label = "k") {
	counter += 1;
	return `${label}-${RUN}-${counter}`;
}

/** Scale a timeout by RIVET_WIRE_SLOW. */
export function ms(n) {
	return Math.round(n * SLOW);
}

export function sleep(n) {
	return new Promise((r) => setTimeout(r, n));
}

/** Rejects with a clear message when `promise` takes longer than `limit` ms. */
export async function within(limit, what, promise) {
	let timer;
	const timeout = new Promise((_, reject) => {
		timer = setTimeout(() => reject(new Error(`timed out after ${limit} ms: ${what}`)), limit);
	});
	try {
		return await Promise.race([promise, timeout]);
	} finally {
		clearTimeout(timer);
	}
}

/** Polls `check` (sync or async, truthy = done) every 10 ms until `limit` ms. */
export async function waitFor(what, check, limit = ms(5_000)) {
	const deadline = Date.now() + limit;
	let last;
	while (Date.now() < deadline) {
		try {
			last = await check();
			if (last) return last;
		} catch (err) {
			last = err;
		}
		await sleep(10);
	}
	throw new Error(`timed out after ${limit} ms waiting for: ${what} (last: ${describe(last)})`);
}

function describe(v) {
	if (v instanceof Error) return `${v.name}: ${v.message}`;
	try {
		return JSON.stringify(v, (_, x) => (typeof x === "bigint" ? `${x}n` : x));
	} catch {
		return String(v);
	}
}

/** Creates an official client for `endpoint` in `encoding`. */
export function makeClient(endpoint, encoding) {
	return createClient({ endpoint, encoding });
}

/** Disposes a client (and its connections) without ever hanging a test. */
export async function disposeClient(client) {
	if (!client) return;
	try {
		await within(5_000, "client.dispose()", client.dispose());
	} catch {
		// A dead server can leave a socket half-closed; nothing to clean up then.
	}
}

/** Disposes a connection without ever hanging a test. */
export async function disposeConn(conn) {
	if (!conn) return;
	try {
		await within(5_000, "conn.dispose()", conn.dispose());
	} catch {}
}

/** Longest any single action call may take before the test fails. */
export const CALL_LIMIT_MS = ms(20_000);

/**
 * Calls action `name` on a handle or connection. Never waits forever: a
 * response the client cannot decode is dropped by it and the promise would
 * otherwise never settle.
 */
export function call(target, name, ...args) {
	return within(
		CALL_LIMIT_MS,
		`action ${name}() got no response; if the server answered, the client dropped the reply ` +
			"(run with RIVET_LOG_LEVEL=warn to see why)",
		target.action({ name, args }),
	);
}

/**
 * Awaits `promise`, asserts that it rejects with an ActorError of the
 * given group/code (and message/metadata when given), returns the error.
 */
export async function expectActorError(promise, { group, code, message, metadata } = {}, what = "") {
	let result;
	try {
		result = await promise;
	} catch (err) {
		const label = what ? `${what}: ` : "";
		assert.ok(
			err instanceof ActorError,
			`${label}expected an ActorError, got ${err?.constructor?.name}: ${err?.message}`,
		);
		const got = { group: err.group, code: err.code, message: err.message, metadata: err.metadata };
		if (group !== undefined) assert.equal(err.group, group, `${label}group (error: ${describe(got)})`);
		if (code !== undefined) assert.equal(err.code, code, `${label}code (error: ${describe(got)})`);
		if (message instanceof RegExp) assert.match(err.message, message, `${label}message`);
		else if (message !== undefined) assert.equal(err.message, message, `${label}message`);
		if (metadata === null) {
			assert.ok(err.metadata == null, `${label}expected no metadata, got ${describe(err.metadata)}`);
		} else if (metadata !== undefined) {
			assert.deepEqual(err.metadata, metadata, `${label}metadata`);
		}
		return err;
	}
	assert.fail(`${what ? `${what}: ` : ""}expected rejection with ${group}.${code}, but it resolved to ${describe(result)}`);
}

/** Serialized (engine/API) form of a key, client-protocol.md §3.2. */
export function serializeKey(key) {
	if (key.length === 0) return "/";
	return key
		.map((part) => (part === "" ? "\\0" : part.replace(/\\/g, "\\\\").replace(/\//g, "\\/")))
		.join("/");
}

/** Collects event arguments from `conn.on(event)`; returns { values, off }. */
export function collect(conn, event) {
	const values = [];
	const off = conn.on(event, (...args) => values.push(args.length === 1 ? args[0] : args));
	return { values, off };
}
