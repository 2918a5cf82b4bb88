// conformance-fixtures.md §5.3 `workflowRunner`: a durable workflow fed by the
// `orders` queue. Positions count up across sleep, recorded steps never run
// again, a durable pause wakes a sleeping actor by itself, and orders sent
// back to back finish in order.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ENGINE, startServer } from "./helpers/server.mjs";
import { ENCODINGS, call, disposeClient, makeClient, ms, sleep, uid } from "./helpers/util.mjs";
import { pollEvery } from "./helpers/lifecycle.mjs";
import { send, timedSend } from "./helpers/queue.mjs";

const T = { timeout: ms(30_000) };
const LONG_WAIT = ms(10_000);
const order = (id, pauseMs = 0) => ({ id, pauseMs });
const done = (id, position) => ({ status: "completed", response: { id, position } });

let server;
before(async () => {
	server = await startServer({ label: "workflow-runner" });
});
after(async () => {
	await server?.dispose();
});

for (const encoding of ENCODINGS) {
	describe(`workflowRunner [${encoding}]`, { timeout: ms(60_000) }, () => {
		let client;
		before(() => {
			client = makeClient(server.endpoint, encoding);
		});
		after(async () => {
			await disposeClient(client);
		});

		test("positions count up across sleepNow; setup runs once, record once per order", T, async () => {
			const key = [uid(`positions-${encoding}`)];
			const h = () => client.workflowRunner.getOrCreate(key);
			assert.deepEqual(await send(h(), "orders", order("a"), { wait: true, timeout: LONG_WAIT }), done("a", 1));
			assert.deepEqual(await call(h(), "getState"), {
				setupRuns: 1,
				recordRuns: 1,
				received: ["a"],
				finished: ["a"],
				wakeCount: 1,
				sleepCount: 0,
			});
			assert.equal(await call(h(), "sleepNow"), null);
			assert.deepEqual(await send(h(), "orders", order("b"), { wait: true, timeout: LONG_WAIT }), done("b", 2));
			assert.equal(await call(h(), "sleepNow"), null);
			assert.deepEqual(await send(h(), "orders", order("c"), { wait: true, timeout: LONG_WAIT }), done("c", 3));
			const s = await call(h(), "getState");
			assert.deepEqual(
				{ setupRuns: s.setupRuns, recordRuns: s.recordRuns, received: s.received, finished: s.finished },
				{ setupRuns: 1, recordRuns: 3, received: ["a", "b", "c"], finished: ["a", "b", "c"] },
			);
			assert.equal(s.wakeCount, 3, `wakeCount ${s.wakeCount}`);
			assert.equal(s.sleepCount, 2, `sleepCount ${s.sleepCount}`);
		});
	});
}

describe("workflowRunner: pauses and order", { timeout: ms(90_000) }, () => {
	let client;
	before(() => {
		client = makeClient(server.endpoint, "bare");
	});
	after(async () => {
		await disposeClient(client);
	});

	test("an order with pauseMs 3000 finishes by itself while the actor sleeps through the pause", T, async () => {
		const key = [uid("pause")];
		const h = () => client.workflowRunner.getOrCreate(key);
		if (ENGINE) {
			// Through the engine a waiting sender keeps the actor awake, as in RivetKit: the engine's
			// gateway ends a request whose actor stops. So the order goes without waiting, and nothing
			// touches the actor until well after the pause: by then it slept, woke by itself,
			// finished the order and slept again.
			assert.equal(await send(h(), "orders", order("p", 3_000)), undefined);
			await sleep(3_000 + ms(2_500));
			const s = await call(h(), "getState");
			assert.deepEqual(
				{ setupRuns: s.setupRuns, recordRuns: s.recordRuns, received: s.received, finished: s.finished },
				{ setupRuns: 1, recordRuns: 1, received: ["p"], finished: ["p"] },
			);
			assert.ok(s.sleepCount >= 2, `the actor did not sleep before and after waking by itself (sleepCount ${s.sleepCount})`);
			assert.equal(s.wakeCount, s.sleepCount + 1, `wakeCount ${s.wakeCount}, sleepCount ${s.sleepCount}`);
			return;
		}
		// The waiting sender holds no connection to the actor: nothing keeps it awake or wakes it.
		const { result, elapsed } = await timedSend(h(), "orders", order("p", 3_000), { wait: true, timeout: ms(15_000) });
		assert.deepEqual(result, done("p", 1));
		assert.ok(elapsed >= 3_000 - 50, `the order finished ${elapsed} ms after it was sent, before its 3000 ms pause ended`);
		assert.ok(elapsed <= 3_000 + ms(2_500), `the order finished ${elapsed} ms after it was sent`);
		const s = await call(h(), "getState");
		assert.deepEqual(
			{ setupRuns: s.setupRuns, recordRuns: s.recordRuns, received: s.received, finished: s.finished },
			{ setupRuns: 1, recordRuns: 1, received: ["p"], finished: ["p"] },
			"record must not run again when the workflow resumes after the pause",
		);
		assert.ok(s.sleepCount >= 1, `the actor did not sleep during the pause (sleepCount ${s.sleepCount})`);
		// Woken by itself at the end of the pause, then by getState if it slept again.
		assert.ok(s.wakeCount >= 2, `the actor did not wake by itself (wakeCount ${s.wakeCount})`);
		assert.equal(s.wakeCount, s.sleepCount + 1, `wakeCount ${s.wakeCount}, sleepCount ${s.sleepCount}`);
	});

	test("a pause survives sleepNow and polling; the order finishes once", T, async () => {
		const key = [uid("pause-poll")];
		const h = () => client.workflowRunner.getOrCreate(key);
		const t0 = Date.now();
		assert.equal(await send(h(), "orders", order("q", 2_000)), undefined);
		await sleep(200);
		assert.equal(await call(h(), "sleepNow"), null);
		// Poll sparingly (slower than sleepTimeout) so it can sleep between looks.
		const s = await pollEvery(
			"order q to finish",
			ms(700),
			async () => {
				const st = await call(h(), "getState");
				return st.finished.length ? st : false;
			},
			{ limit: ms(8_000) },
		);
		assert.ok(Date.now() - t0 >= 2_000, "finished before the pause ended");
		assert.deepEqual(s.finished, ["q"]);
		assert.deepEqual(s.received, ["q"]);
		assert.equal(s.recordRuns, 1);
		assert.equal(s.setupRuns, 1);
		assert.ok(s.sleepCount >= 1);
		assert.deepEqual(await send(h(), "orders", order("r"), { wait: true, timeout: LONG_WAIT }), done("r", 2));
	});

	test("orders sent back to back finish in order", T, async () => {
		const key = [uid("back-to-back")];
		const h = () => client.workflowRunner.getOrCreate(key);
		const ids = ["o1", "o2", "o3", "o4", "o5", "o6"];
		const pauses = { o2: 400, o4: 200 };
		for (const id of ids) assert.equal(await send(h(), "orders", order(id, pauses[id] ?? 0)), undefined);
		const last = await send(h(), "orders", order("o7"), { wait: true, timeout: LONG_WAIT });
		assert.deepEqual(last, done("o7", 7));
		const s = await call(h(), "getState");
		assert.deepEqual(s.finished, [...ids, "o7"]);
		assert.deepEqual(s.received, [...ids, "o7"]);
		assert.equal(s.recordRuns, 7);
		assert.equal(s.setupRuns, 1);
	});

	test("waiting senders sent back to back get consecutive positions", T, async () => {
		const key = [uid("positions-wait")];
		const id = await client.workflowRunner.getOrCreate(key).resolve();
		// Awake first: the engine's gateway holds the requests that arrive while the actor starts
		// and lets them through together once it runs, in any order.
		await call(client.workflowRunner.getForId(id), "getState");
		const waits = [];
		// Start each send only after the previous one reached the server, one handle each.
		for (const oid of ["w1", "w2", "w3", "w4"]) {
			waits.push(send(client.workflowRunner.getForId(id), "orders", order(oid, oid === "w2" ? 300 : 0), { wait: true, timeout: LONG_WAIT }));
			await sleep(ms(100));
		}
		const results = await Promise.all(waits);
		assert.deepEqual(results, [done("w1", 1), done("w2", 2), done("w3", 3), done("w4", 4)]);
		const s = await call(client.workflowRunner.getForId(id), "getState");
		assert.deepEqual(s.finished, ["w1", "w2", "w3", "w4"]);
		assert.equal(s.recordRuns, 4);
	});
});
