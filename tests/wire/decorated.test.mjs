// conformance-fixtures.md §3.12 `decorated`: onBeforeActionResponse rewrites
// every action's output except `raw`, over HTTP and WebSocket alike.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startServer } from "./helpers/server.mjs";
import { ENCODINGS, call, disposeClient, disposeConn, makeClient, ms, uid } from "./helpers/util.mjs";

const T = { timeout: ms(30_000) };

const CASES = [
	[2, 3],
	[0, 0],
	[-7, 2],
	[1.5, 2.25],
	[2 ** 40, 1],
	[2 ** 53 - 2, 1],
];

let server;
before(async () => {
	server = await startServer({ label: "decorated" });
});
after(async () => {
	await server?.dispose();
});

/** Checks add/raw through `target` (a handle or a connection). */
async function checkAll(target, how) {
	for (const [a, b] of CASES) {
		const got = await call(target, "add", a, b);
		assert.deepEqual(got, { action: "add", args: [a, b], result: a + b }, `${how} add(${a}, ${b})`);
		assert.equal(typeof got.result, "number", `${how} add(${a}, ${b}).result is a ${typeof got.result}`);
		for (const [i, x] of got.args.entries()) assert.equal(typeof x, "number", `${how} args[${i}] is a ${typeof x}`);
	}
	assert.equal(await call(target, "raw"), "untouched", `${how} raw`);
}

for (const encoding of ENCODINGS) {
	describe(`decorated [${encoding}]`, { timeout: ms(60_000) }, () => {
		let client;
		before(() => {
			client = makeClient(server.endpoint, encoding);
		});
		after(async () => {
			await disposeClient(client);
		});

		test("HTTP: add is wrapped, raw is untouched", T, async () => {
			await checkAll(client.decorated.getOrCreate([uid(`http-${encoding}`)]), "HTTP");
		});

		test("WebSocket: add is wrapped, raw is untouched (also concurrently)", T, async () => {
			const conn = client.decorated.getOrCreate([uid(`ws-${encoding}`)]).connect();
			try {
				await checkAll(conn, "WS");
				const results = await Promise.all([
					call(conn, "add", 1, 1),
					call(conn, "raw"),
					call(conn, "add", 10, 20),
					call(conn, "raw"),
				]);
				assert.deepEqual(results, [
					{ action: "add", args: [1, 1], result: 2 },
					"untouched",
					{ action: "add", args: [10, 20], result: 30 },
					"untouched",
				]);
			} finally {
				await disposeConn(conn);
			}
		});
	});
}
