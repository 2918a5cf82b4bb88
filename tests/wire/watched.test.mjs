// conformance-fixtures.md §3.13 `watched`: onStateChange runs once per action
// that changed state, before the response, sees the new value, broadcasts it.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startServer } from "./helpers/server.mjs";
import {
	ENCODINGS,
	call,
	collect,
	disposeClient,
	disposeConn,
	makeClient,
	ms,
	sleep,
	uid,
	waitFor,
} from "./helpers/util.mjs";

const T = { timeout: ms(30_000) };

let server;
before(async () => {
	server = await startServer({ label: "watched" });
});
after(async () => {
	await server?.dispose();
});

for (const encoding of ENCODINGS) {
	describe(`watched [${encoding}]`, { timeout: ms(60_000) }, () => {
		let client;
		before(() => {
			client = makeClient(server.endpoint, encoding);
		});
		after(async () => {
			await disposeClient(client);
		});
		const key = (label) => [uid(`${label}-${encoding}`)];

		test("creation does not count; four setValue calls count four; reads do not count", T, async () => {
			const h = client.watched.getOrCreate(key("count"));
			assert.deepEqual(await call(h, "getChangeInfo"), { changes: 0, lastSeen: null }, "fresh actor");
			assert.equal(await call(h, "getValue"), 0);
			const values = [5, -3, 2.5, 2 ** 40];
			for (const [i, v] of values.entries()) {
				assert.equal(await call(h, "setValue", v), v);
				// The hook has run by the time the response arrives.
				assert.deepEqual(await call(h, "getChangeInfo"), { changes: i + 1, lastSeen: v }, `after setValue(${v})`);
			}
			for (let i = 0; i < 3; i++) {
				assert.equal(await call(h, "getValue"), 2 ** 40);
				await call(h, "getChangeInfo");
			}
			const info = await call(h, "getChangeInfo");
			assert.deepEqual(info, { changes: 4, lastSeen: 2 ** 40 });
			assert.equal(typeof info.lastSeen, "number");
		});

		test("setValue to the value it already has changes nothing and does not count", T, async () => {
			const h = client.watched.getOrCreate(key("same"));
			assert.equal(await call(h, "setValue", 7), 7);
			assert.equal(await call(h, "setValue", 7), 7);
			assert.deepEqual(await call(h, "getChangeInfo"), { changes: 1, lastSeen: 7 });
			assert.equal(await call(h, "setValue", 0), 0);
			assert.deepEqual(await call(h, "getChangeInfo"), { changes: 2, lastSeen: 0 });
		});

		test("valueChanged reaches connected clients, in order, before the caller's response", T, async () => {
			const k = key("events");
			const a = client.watched.getOrCreate(k).connect();
			const b = client.watched.getOrCreate(k).connect();
			try {
				const ea = collect(a, "valueChanged");
				const eb = collect(b, "valueChanged");
				assert.equal(await call(a, "getValue"), 0);
				assert.equal(await call(b, "getValue"), 0);
				assert.equal(await call(a, "setValue", 1), 1);
				assert.deepEqual(ea.values, [1], "event on the calling connection before its response");
				assert.equal(await call(client.watched.getOrCreate(k), "setValue", 2), 2); // stateless call
				assert.equal(await call(b, "setValue", 3), 3);
				assert.deepEqual(eb.values.slice(-1), [3], "event on the calling connection before its response");
				assert.equal(await call(a, "setValue", 4), 4);
				await waitFor("4 events on both connections", () => ea.values.length >= 4 && eb.values.length >= 4, ms(3_000));
				await call(a, "getChangeInfo");
				await call(b, "getValue");
				await sleep(50);
				assert.deepEqual(ea.values, [1, 2, 3, 4], "connection A");
				assert.deepEqual(eb.values, [1, 2, 3, 4], "connection B (reads sent no events)");
				assert.deepEqual(await call(b, "getChangeInfo"), { changes: 4, lastSeen: 4 });
			} finally {
				await disposeConn(a);
				await disposeConn(b);
			}
		});
	});
}
