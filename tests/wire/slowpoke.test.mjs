// conformance-fixtures.md §3.10 `slowpoke`: actionTimeout 500 over HTTP and
// WebSocket; the socket stays usable after a timed-out action.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startServer } from "./helpers/server.mjs";
import {
	ENCODINGS,
	call,
	disposeClient,
	disposeConn,
	expectActorError,
	makeClient,
	ms,
	uid,
} from "./helpers/util.mjs";
import { since } from "./helpers/lifecycle.mjs";

const T = { timeout: ms(30_000) };
const TIMED_OUT = { group: "actor", code: "action_timed_out", message: /timed out/i };

let server;
before(async () => {
	server = await startServer({ label: "slowpoke" });
});
after(async () => {
	await server?.dispose();
});

/** Runs wait(5000) on `target`, expects the timeout error after ~500 ms. */
async function expectTimeout(target, what) {
	const t0 = Date.now();
	await expectActorError(call(target, "wait", 5_000), TIMED_OUT, what);
	const took = since(t0);
	assert.ok(took >= 450, `${what}: failed after only ${took} ms (actionTimeout is 500)`);
	assert.ok(took <= ms(2_000), `${what}: failed after ${took} ms, expected ~500`);
}

for (const encoding of ENCODINGS) {
	describe(`slowpoke [${encoding}]`, { timeout: ms(60_000) }, () => {
		let client;
		before(() => {
			client = makeClient(server.endpoint, encoding);
		});
		after(async () => {
			await disposeClient(client);
		});

		test("HTTP: wait(100) answers 100; wait(5000) fails with actor.action_timed_out after ~500 ms", T, async () => {
			const h = client.slowpoke.getOrCreate([uid(`http-${encoding}`)]);
			const t0 = Date.now();
			assert.equal(await call(h, "wait", 100), 100);
			assert.ok(since(t0) >= 95, `wait(100) answered after ${since(t0)} ms`);
			await expectTimeout(h, "HTTP wait(5000)");
			// The actor keeps serving after a timed-out action.
			assert.equal(await call(h, "wait", 0), 0);
			assert.equal(await call(h, "wait", 300), 300);
		});

		test("WebSocket: wait(5000) rejects only that action; the socket stays usable", T, async () => {
			const conn = client.slowpoke.getOrCreate([uid(`ws-${encoding}`)]).connect();
			try {
				assert.equal(await call(conn, "wait", 100), 100);
				// A short action running next to the slow one completes normally.
				const [, short] = await Promise.all([expectTimeout(conn, "WS wait(5000)"), call(conn, "wait", 200)]);
				assert.equal(short, 200);
				assert.equal(conn.isConnected, true, "the connection was dropped by the timeout");
				assert.equal(await call(conn, "wait", 100), 100);
				await expectTimeout(conn, "second WS wait(5000)");
				assert.equal(await call(conn, "wait", 1), 1);
			} finally {
				await disposeConn(conn);
			}
		});
	});
}

describe("slowpoke boundaries", { timeout: ms(60_000) }, () => {
	test("wait(350) stays under the limit; several timeouts at once all fail", T, async () => {
		const client = makeClient(server.endpoint, "cbor");
		try {
			const h = client.slowpoke.getOrCreate([uid("bounds")]);
			assert.equal(await call(h, "wait", 350), 350);
			const t0 = Date.now();
			const results = await Promise.allSettled([1, 2, 3].map(() => call(h, "wait", 3_000)));
			for (const r of results) {
				assert.equal(r.status, "rejected");
				assert.equal(r.reason?.code, "action_timed_out", `got ${r.reason?.group}.${r.reason?.code}: ${r.reason?.message}`);
			}
			assert.ok(since(t0) <= ms(2_000), `three concurrent timeouts took ${since(t0)} ms`);
			assert.equal(await call(h, "wait", 10), 10);
		} finally {
			await disposeClient(client);
		}
	});
});
