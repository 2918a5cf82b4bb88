// conformance-fixtures.md §3.14 `caller`: actor-to-actor calls and queue sends through the
// server's actor-side client.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startServer, notOnEngine, WHY_NOT } from "./helpers/server.mjs";
import { ENCODINGS, call, disposeClient, disposeConn, makeClient, ms, uid } from "./helpers/util.mjs";

const T = { timeout: ms(30_000) };
const RELAYED = {
	group: "user",
	code: "out_of_stock",
	message: "Out of stock",
	metadata: { sku: "widget-7", available: 0, tags: ["a", "b"] },
};

let server;
before(async () => {
	server = await startServer({ label: "caller" });
});
after(async () => {
	await server?.dispose();
});

for (const encoding of ENCODINGS) {
	describe(`caller [${encoding}]`, { timeout: ms(60_000) }, () => {
		let client;
		before(() => {
			client = makeClient(server.endpoint, encoding);
		});
		after(async () => {
			await disposeClient(client);
		});

		test("incrementCounter / readCounter agree with counter[key] read directly", T, async () => {
			const h = client.caller.getOrCreate([uid(`c-${encoding}`)]);
			const ck = ["via-caller", uid(`counter-${encoding}`)];
			assert.equal(await call(h, "readCounter", ck), 0, "readCounter of a new key");
			assert.equal(await call(h, "incrementCounter", ck, 5), 5);
			assert.equal(await call(h, "incrementCounter", ck, 3), 8);
			assert.equal(await call(h, "readCounter", ck), 8);
			assert.equal(await call(client.counter.getOrCreate(ck), "getCount"), 8, "counter read directly");
			assert.equal(await call(client.counter.getOrCreate(ck), "increment", 2), 10);
			assert.equal(await call(h, "readCounter", ck), 10, "readCounter after a direct increment");
			assert.equal(await call(h, "getCalls"), 2, "only incrementCounter counts");
		});

		test("keys with several components, '/', spaces, empty parts and non-ASCII route like the client's", T, async () => {
			const h = client.caller.getOrCreate([uid(`k-${encoding}`)]);
			const keys = [
				[uid("one")],
				["a/b", uid("slash")],
				[uid("sp"), "with space", "ünï ✓"],
				["", uid("empty"), ""],
			];
			for (const [i, ck] of keys.entries()) {
				assert.equal(await call(h, "incrementCounter", ck, i + 1), i + 1, `incrementCounter(${JSON.stringify(ck)})`);
				assert.equal(await call(client.counter.get(ck), "getCount"), i + 1, `counter.get(${JSON.stringify(ck)})`);
				assert.deepEqual(await call(client.counter.get(ck), "getKey"), ck, "the key the counter sees");
			}
			assert.equal(await call(h, "getCalls"), keys.length);
		});

		test("large integers pass through as numbers", T, async () => {
			const h = client.caller.getOrCreate([uid(`n-${encoding}`)]);
			const ck = [uid(`num-${encoding}`)];
			const r = await call(h, "incrementCounter", ck, 2 ** 40);
			assert.equal(r, 2 ** 40);
			assert.equal(typeof r, "number");
			assert.equal(await call(h, "incrementCounter", ck, -1), 2 ** 40 - 1);
			assert.equal(await call(h, "readCounter", ck), 2 ** 40 - 1);
		});

		test("submitJob sends to worker[key]'s queue and waits for its completion", T, async () => {
			const h = client.caller.getOrCreate([uid(`j-${encoding}`)]);
			const wk = [uid(`worker-${encoding}`)];
			assert.deepEqual(await call(h, "submitJob", wk, 21), {
				status: "completed",
				response: { doubled: 42, seq: 1 },
			});
			assert.deepEqual(await call(h, "submitJob", wk, 5), {
				status: "completed",
				response: { doubled: 10, seq: 2 },
			});
			assert.deepEqual(await call(client.worker.getOrCreate(wk), "getProcessed"), [21, 5], "the worker ran both");
		});

		test("submitJobs from several callers at once each complete once", T, async () => {
			const wk = [uid(`worker-many-${encoding}`)];
			const results = await Promise.all(
				[1, 2, 3].map((n) => call(client.caller.getOrCreate([uid(`jp-${encoding}-${n}`)]), "submitJob", wk, n)),
			);
			for (const r of results) assert.equal(r.status, "completed");
			assert.deepEqual(results.map((r) => r.response.doubled).sort(), [2, 4, 6]);
			assert.deepEqual((await call(client.worker.getOrCreate(wk), "getProcessed")).sort(), [1, 2, 3]);
		});

		test("relayError returns the relayed error's fields exactly", T, async () => {
			const h = client.caller.getOrCreate([uid(`e-${encoding}`)]);
			assert.deepEqual(await call(h, "relayError"), RELAYED);
			assert.deepEqual(await call(h, "relayError"), RELAYED);
			assert.equal(await call(h, "getCalls"), 0);
		});

		test("over a WebSocket: concurrent incrementCounter calls all apply", T, async () => {
			const h = client.caller.getOrCreate([uid(`ws-${encoding}`)]);
			const ck = [uid(`wsc-${encoding}`)];
			const conn = h.connect();
			try {
				const results = await Promise.all(Array.from({ length: 10 }, () => call(conn, "incrementCounter", ck, 1)));
				assert.deepEqual(
					[...results].sort((x, y) => x - y),
					Array.from({ length: 10 }, (_, i) => i + 1),
				);
				assert.equal(await call(conn, "readCounter", ck), 10);
				assert.equal(await call(conn, "getCalls"), 10);
				assert.deepEqual(await call(conn, "relayError"), RELAYED);
			} finally {
				await disposeConn(conn);
			}
			assert.equal(await call(client.counter.getOrCreate(ck), "getCount"), 10);
		});
	});
}
