// conformance-fixtures.md §5.1 `worker`: a durable queue consumed by a run
// loop. Queue sends with and without wait, timed-out waits, one message at a
// time in acceptance order, and sleep while the loop only waits.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startServer } from "./helpers/server.mjs";
import { ENCODINGS, call, disposeClient, makeClient, ms, sleep, uid, waitFor } from "./helpers/util.mjs";
import { send, timedSend } from "./helpers/queue.mjs";

const T = { timeout: ms(30_000) };
/** A wait long enough for anything these tests queue. */
const LONG_WAIT = ms(10_000);
/** How much later than its timeout a timed-out send may answer. */
const LATE_MS = ms(1_000);

let server;
before(async () => {
	server = await startServer({ label: "worker" });
});
after(async () => {
	await server?.dispose();
});

for (const encoding of ENCODINGS) {
	describe(`worker [${encoding}]`, { timeout: ms(60_000) }, () => {
		let client;
		before(() => {
			client = makeClient(server.endpoint, encoding);
		});
		after(async () => {
			await disposeClient(client);
		});

		test("send without wait resolves with no value; the run loop processes the messages", T, async () => {
			const h = client.worker.getOrCreate([uid(`nowait-${encoding}`)]);
			assert.equal(await send(h, "jobs", { n: 7 }), undefined);
			assert.equal(await send(h, "notes", "first note"), undefined);
			assert.equal(await send(h, "jobs", { n: -3 }), undefined);
			await waitFor("jobs processed", async () => (await call(h, "getProcessed")).length >= 2);
			assert.deepEqual(await call(h, "getProcessed"), [7, -3]);
			await waitFor("note stored", async () => (await call(h, "getNotes")).length >= 1);
			assert.deepEqual(await call(h, "getNotes"), ["first note"]);
			assert.deepEqual(await call(h, "getSlowDone"), []);
		});

		test("send with wait: jobs → {doubled, seq}, notes → no response, slow → {waited}", T, async () => {
			const key = [uid(`wait-${encoding}`)];
			const h = () => client.worker.getOrCreate(key);
			assert.deepEqual(await send(h(), "jobs", { n: 21 }, { wait: true, timeout: LONG_WAIT }), {
				status: "completed",
				response: { doubled: 42, seq: 1 },
			});
			const big = await send(h(), "jobs", { n: 2 ** 40 }, { wait: true, timeout: LONG_WAIT });
			assert.deepEqual(big, { status: "completed", response: { doubled: 2 ** 41, seq: 2 } });
			assert.equal(typeof big.response.doubled, "number", "doubled must be a number, not a bigint");
			assert.equal(typeof big.response.seq, "number", "seq must be a number, not a bigint");
			assert.deepEqual(await send(h(), "jobs", { n: 1.25 }, { wait: true, timeout: LONG_WAIT }), {
				status: "completed",
				response: { doubled: 2.5, seq: 3 },
			});

			const note = await send(h(), "notes", "hello ü", { wait: true, timeout: LONG_WAIT });
			assert.deepEqual(note, { status: "completed" });
			assert.ok(!("response" in note), `a note has no response, got ${JSON.stringify(note)}`);

			assert.deepEqual(await send(h(), "slow", { ms: 150 }, { wait: true, timeout: LONG_WAIT }), {
				status: "completed",
				response: { waited: 150 },
			});
			assert.deepEqual(await call(h(), "getProcessed"), [21, 2 ** 40, 1.25]);
			assert.deepEqual(await call(h(), "getNotes"), ["hello ü"]);
			assert.deepEqual(await call(h(), "getSlowDone"), [150]);
		});

		test("a wait shorter than the work → timedOut at about the timeout; the message is still processed", T, async () => {
			const key = [uid(`timeout-${encoding}`)];
			const h = () => client.worker.getOrCreate(key);
			const t0 = Date.now();
			const timeout = 400;
			const { result, elapsed } = await timedSend(h(), "slow", { ms: 1_500 }, { wait: true, timeout });
			assert.deepEqual(result, { status: "timedOut" });
			assert.ok(!("response" in result), "timedOut carries no response");
			assert.ok(elapsed >= timeout - 20, `timedOut after ${elapsed} ms, before the ${timeout} ms timeout`);
			assert.ok(elapsed <= timeout + LATE_MS, `timedOut only after ${elapsed} ms (timeout ${timeout} ms)`);
			assert.deepEqual(await call(h(), "getSlowDone"), [], "the slow message cannot be done yet");

			// A job accepted after it is processed after it.
			const job = await send(h(), "jobs", { n: 5 }, { wait: true, timeout: LONG_WAIT });
			assert.deepEqual(job, { status: "completed", response: { doubled: 10, seq: 1 } });
			assert.ok(Date.now() - t0 >= 1_500 - 50, `the job completed ${Date.now() - t0} ms after the 1500 ms slow message was sent`);
			assert.deepEqual(await call(h(), "getSlowDone"), [1_500], "the timed-out message was processed later");
			assert.deepEqual(await call(h(), "getProcessed"), [5]);
		});
	});
}

describe("worker: order and sleep", { timeout: ms(90_000) }, () => {
	let client;
	before(() => {
		client = makeClient(server.endpoint, "cbor");
	});
	after(async () => {
		await disposeClient(client);
	});

	test("messages are processed one at a time in acceptance order, across the three queues", T, async () => {
		const key = [uid("order")];
		const h = client.worker.getOrCreate(key);
		const t0 = Date.now();
		// Each send is acknowledged before the next one starts: acceptance order is this order.
		await send(h, "slow", { ms: 400 });
		await send(h, "jobs", { n: 1 });
		await send(h, "notes", "a");
		await send(h, "slow", { ms: 100 });
		await send(h, "jobs", { n: 2 });
		await send(h, "notes", "b");
		await send(h, "jobs", { n: 3 });
		const last = await send(h, "jobs", { n: 4 }, { wait: true, timeout: LONG_WAIT });
		assert.deepEqual(last, { status: "completed", response: { doubled: 8, seq: 4 } });
		assert.ok(Date.now() - t0 >= 500 - 50, `job 4 completed ${Date.now() - t0} ms after the start, before both slow messages could be done`);
		// Everything accepted before job 4 was done when job 4 completed.
		assert.deepEqual(await call(h, "getProcessed"), [1, 2, 3, 4]);
		assert.deepEqual(await call(h, "getNotes"), ["a", "b"]);
		assert.deepEqual(await call(h, "getSlowDone"), [400, 100]);
	});

	test("a job waits behind a slow message accepted before it", T, async () => {
		const key = [uid("behind")];
		const h = () => client.worker.getOrCreate(key);
		await send(h(), "slow", { ms: 700 });
		const { result, elapsed } = await timedSend(h(), "jobs", { n: 9 }, { wait: true, timeout: LONG_WAIT });
		assert.deepEqual(result, { status: "completed", response: { doubled: 18, seq: 1 } });
		assert.ok(elapsed >= 500, `the job completed after ${elapsed} ms, while the 700 ms slow message was running`);
		assert.deepEqual(await call(h(), "getSlowDone"), [700]);
	});

	test("concurrent waiting sends: each job gets its own seq, processed once", T, async () => {
		const key = [uid("concurrent")];
		const id = await client.worker.getOrCreate(key).resolve();
		const N = 20;
		const results = await Promise.all(
			Array.from({ length: N }, (_, i) => send(client.worker.getForId(id), "jobs", { n: 100 + i }, { wait: true, timeout: LONG_WAIT })),
		);
		const processed = await call(client.worker.getForId(id), "getProcessed");
		assert.equal(processed.length, N);
		assert.deepEqual([...processed].sort((a, b) => a - b), Array.from({ length: N }, (_, i) => 100 + i));
		const seqs = results.map((r) => r.response?.seq);
		assert.deepEqual([...seqs].sort((a, b) => a - b), Array.from({ length: N }, (_, i) => i + 1), `seqs ${seqs}`);
		for (const [i, r] of results.entries()) {
			assert.equal(r.status, "completed");
			assert.equal(r.response.doubled, 2 * (100 + i));
			assert.equal(processed[r.response.seq - 1], 100 + i, `job ${100 + i} has seq ${r.response.seq}`);
		}
	});

	test("the actor sleeps while the loop only waits; a message wakes it and restarts the loop", T, async () => {
		const key = [uid("sleep")];
		const h = () => client.worker.getOrCreate(key);
		assert.deepEqual(await send(h(), "jobs", { n: 1 }, { wait: true, timeout: LONG_WAIT }), {
			status: "completed",
			response: { doubled: 2, seq: 1 },
		});
		assert.deepEqual(await call(h(), "getStats"), { runStarts: 1, wakeCount: 1, sleepCount: 0 });
		// sleepTimeout is 500 ms and the loop is only waiting: it must sleep.
		await sleep(ms(1_300));
		// The message (not an action) wakes it.
		assert.deepEqual(await send(h(), "jobs", { n: 2 }, { wait: true, timeout: LONG_WAIT }), {
			status: "completed",
			response: { doubled: 4, seq: 2 },
		});
		assert.deepEqual(await call(h(), "getStats"), { runStarts: 2, wakeCount: 2, sleepCount: 1 });

		assert.equal(await call(h(), "sleepNow"), null);
		assert.deepEqual(await send(h(), "notes", "after sleepNow", { wait: true, timeout: LONG_WAIT }), { status: "completed" });
		assert.deepEqual(await call(h(), "getStats"), { runStarts: 3, wakeCount: 3, sleepCount: 2 });

		// A message sent without wait also wakes it, and is processed without any other request.
		await sleep(ms(1_300));
		assert.equal(await send(h(), "jobs", { n: 3 }), undefined);
		await waitFor("job 3 processed", async () => (await call(h(), "getProcessed")).length >= 3);
		assert.deepEqual(await call(h(), "getProcessed"), [1, 2, 3]);
		assert.deepEqual(await call(h(), "getNotes"), ["after sleepNow"]);
		assert.deepEqual(await call(h(), "getStats"), { runStarts: 4, wakeCount: 4, sleepCount: 3 });
	});

	test("a slow message keeps the actor awake past sleepTimeout", T, async () => {
		const key = [uid("awake")];
		const h = () => client.worker.getOrCreate(key);
		assert.deepEqual(await send(h(), "slow", { ms: 1_300 }, { wait: true, timeout: LONG_WAIT }), {
			status: "completed",
			response: { waited: 1_300 },
		});
		assert.deepEqual(await call(h(), "getStats"), { runStarts: 1, wakeCount: 1, sleepCount: 0 });
		assert.deepEqual(await call(h(), "getSlowDone"), [1_300]);
	});
});
