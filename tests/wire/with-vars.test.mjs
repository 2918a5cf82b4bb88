// conformance-fixtures.md §3.3 `withVars`: vars are rebuilt on every start and
// never persisted; state (`wakes`) is.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startServer } from "./helpers/server.mjs";
import { ENCODINGS, call, disposeClient, makeClient, ms, uid } from "./helpers/util.mjs";
import { pollEvery } from "./helpers/lifecycle.mjs";

const T = { timeout: ms(30_000) };

let server;
before(async () => {
	server = await startServer({ label: "with-vars" });
});
after(async () => {
	await server?.dispose();
});

for (const encoding of ENCODINGS) {
	describe(`withVars [${encoding}]`, { timeout: ms(120_000) }, () => {
		let client;
		before(() => {
			client = makeClient(server.endpoint, encoding);
		});
		after(async () => {
			await disposeClient(client);
		});
		const key = (label) => [uid(`${label}-${encoding}`)];

		test("hit counts in vars; getVars reports instanceId and hits; wakes starts at 1", T, async () => {
			const h = client.withVars.getOrCreate(key("hit"));
			const first = await call(h, "getVars");
			assert.equal(typeof first.instanceId, "string");
			assert.ok(first.instanceId.length > 0, "instanceId is empty");
			assert.equal(first.hits, 0);
			assert.equal(await call(h, "hit"), 1);
			assert.equal(await call(h, "hit"), 2);
			assert.equal(await call(h, "hit"), 3);
			assert.deepEqual(await call(h, "getVars"), { instanceId: first.instanceId, hits: 3 });
			assert.equal(await call(h, "getWakes"), 1);
		});

		test("after sleepNow and the next request: hits 0, new instanceId, wakes grew", T, async () => {
			const h = client.withVars.getOrCreate(key("sleep"));
			await call(h, "hit");
			await call(h, "hit");
			const before1 = await call(h, "getVars");
			assert.equal(before1.hits, 2);
			assert.equal(await call(h, "sleepNow"), null);
			const after1 = await call(h, "getVars");
			assert.equal(after1.hits, 0, "hits after wake");
			assert.notEqual(after1.instanceId, before1.instanceId, "instanceId after wake");
			assert.equal(await call(h, "getWakes"), 2);

			// A second cycle: every start gets a fresh id.
			assert.equal(await call(h, "hit"), 1);
			assert.equal(await call(h, "sleepNow"), null);
			const after2 = await call(h, "getVars");
			assert.equal(after2.hits, 0);
			assert.ok(
				after2.instanceId !== after1.instanceId && after2.instanceId !== before1.instanceId,
				`instanceId repeated: ${before1.instanceId}, ${after1.instanceId}, ${after2.instanceId}`,
			);
			assert.equal(await call(h, "getWakes"), 3);
		});

		test("distinct instanceIds for distinct actors", T, async () => {
			const ids = await Promise.all(
				Array.from({ length: 6 }, (_, i) => call(client.withVars.getOrCreate(key(`distinct${i}`)), "getVars")),
			);
			const unique = new Set(ids.map((v) => v.instanceId));
			assert.equal(unique.size, ids.length, `instanceIds: ${ids.map((v) => v.instanceId).join(", ")}`);
		});
	});
}

describe("withVars idle sleep", { timeout: ms(60_000) }, () => {
	test("vars reset after the actor idles into sleep (sleepTimeout 500)", T, async () => {
		const client = makeClient(server.endpoint, "cbor");
		try {
			const h = client.withVars.getOrCreate([uid("idle")]);
			assert.equal(await call(h, "hit"), 1);
			const { instanceId } = await call(h, "getVars");
			// Look every 900 ms (longer than the timeout), so the actor can sleep in between.
			const wakes = await pollEvery("wakes to reach 2 through idle sleep", ms(900), async () => {
				const w = await call(h, "getWakes");
				return w >= 2 ? w : false;
			});
			assert.equal(wakes, 2);
			const vars = await call(h, "getVars");
			assert.equal(vars.hits, 0);
			assert.notEqual(vars.instanceId, instanceId);
		} finally {
			await disposeClient(client);
		}
	});
});
