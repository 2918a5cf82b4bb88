// conformance-fixtures.md §8 (beyond upstream) for the durable-work actors:
// SIGKILL of the server (a) right after many acknowledged queue sends to
// `worker`, (b) in the middle of a `workflowRunner` order's durable pause,
// (c) right after acknowledged `sqlNotes` writes, (d) with messages waiting in
// a `mailbox`. The server restarts on the same port and data directory.
//
// Queue delivery is checked as AT LEAST ONCE: every acknowledged message is
// processed after the restart; a message whose waiting sender saw
// "completed" before the kill is processed exactly once; duplicates are
// tolerated only for messages not completed at the kill (and reported).
// Workflow steps are checked as EXACTLY ONCE.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startServer, notOnEngine, WHY_NOT } from "./helpers/server.mjs";
import { call, disposeClient, makeClient, ms, sleep, uid } from "./helpers/util.mjs";
import { pollEvery } from "./helpers/lifecycle.mjs";
import { occurrences, send, timedSend } from "./helpers/queue.mjs";

const T = { timeout: ms(60_000) };
const LONG_WAIT = ms(10_000);

describe("durable work survives SIGKILL", { timeout: ms(240_000) }, () => {
	let server;
	const clients = [];
	const client = (encoding) => {
		const c = makeClient(server.endpoint, encoding);
		clients.push(c);
		return c;
	};
	const dropClients = async () => {
		await Promise.all(clients.splice(0).map(disposeClient));
	};
	const crash = async (options) => {
		await server.kill9(options);
		await dropClients();
		await server.restart();
	};

	before(async () => {
		server = await startServer({ label: "durable-crash" });
	});
	after(async () => {
		await dropClients();
		await server?.dispose();
	});

	test("(a) worker: every acknowledged queue message is processed after kill -9 (at least once)", T, async (t) => {
		const c = client("cbor");
		const id = await c.worker.getOrCreate([uid("k9-worker")]).resolve();
		const h = () => c.worker.getForId(id);

		// Completed before the kill: their waiting senders saw the response.
		const completed = [];
		for (let n = 1; n <= 5; n++) {
			const r = await send(h(), "jobs", { n }, { wait: true, timeout: LONG_WAIT });
			assert.deepEqual(r, { status: "completed", response: { doubled: 2 * n, seq: n } });
			completed.push(n);
		}
		// A slow message in flight at the kill holds the jobs behind it in the queue.
		await send(h(), "slow", { ms: 1_500 });
		// 60 acknowledged sends from 6 concurrent streams.
		const acked = [];
		await Promise.all(
			Array.from({ length: 6 }, async (_, s) => {
				const stream = h();
				for (let i = 0; i < 10; i++) {
					const n = 100 + s * 10 + i;
					assert.equal(await send(stream, "jobs", { n }), undefined);
					acked.push(n);
				}
			}),
		);
		await crash();

		const d = client("json");
		const after = () => d.worker.getForId(id);
		const expected = [...completed, ...acked];
		const processed = await pollEvery(
			"every acknowledged job to be processed after the restart",
			200,
			async () => {
				const p = await call(after(), "getProcessed");
				return expected.every((n) => p.includes(n)) ? p : false;
			},
			{ limit: ms(20_000), eager: true },
		);
		const counts = occurrences(processed);
		for (const n of completed) assert.equal(counts.get(n), 1, `job ${n} completed before the kill was processed ${counts.get(n)} times`);
		assert.deepEqual(processed.slice(0, completed.length), completed, "jobs completed before the kill come first");
		const unexpected = processed.filter((n) => !expected.includes(n));
		assert.deepEqual(unexpected, [], "processed jobs nobody sent");
		const duplicates = [...counts].filter(([, k]) => k > 1).map(([n, k]) => `${n}×${k}`);
		t.diagnostic(`jobs: ${expected.length} acknowledged, ${processed.length} processed, duplicates: ${duplicates.join(", ") || "none"}`);

		// The slow message was in flight (not completed) at the kill: it is delivered again.
		const slowDone = await pollEvery(
			"the slow message to be processed after the restart",
			200,
			async () => {
				const s = await call(after(), "getSlowDone");
				return s.length ? s : false;
			},
			{ limit: ms(10_000), eager: true },
		);
		assert.ok(slowDone.every((v) => v === 1_500), `slowDone ${slowDone}`);
		t.diagnostic(`slow message processed ${slowDone.length} time(s)`);

		// The queue still works and seq continues from what was processed.
		const r = await send(after(), "jobs", { n: 999 }, { wait: true, timeout: LONG_WAIT });
		assert.deepEqual(r, { status: "completed", response: { doubled: 1_998, seq: processed.length + 1 } });
	});

	test("(b) workflowRunner: kill -9 during a pause; the order finishes, record and finish run once", T, async (t) => {
		const c = client("bare");
		const asleepKey = [uid("k9-wf-asleep")]; // asleep (idle) in the pause at the kill
		const awakeKey = [uid("k9-wf-awake")]; // awake in the pause at the kill
		const asleep = () => c.workflowRunner.getOrCreate(asleepKey);
		const awake = () => c.workflowRunner.getOrCreate(awakeKey);
		const first = { status: "completed", response: { id: "o1", position: 1 } };
		assert.deepEqual(await send(asleep(), "orders", { id: "o1", pauseMs: 0 }, { wait: true, timeout: LONG_WAIT }), first);
		assert.deepEqual(await send(awake(), "orders", { id: "o1", pauseMs: 0 }, { wait: true, timeout: LONG_WAIT }), first);
		const t0 = Date.now();
		assert.equal(await send(asleep(), "orders", { id: "o2", pauseMs: 3_000 }), undefined);
		assert.equal(await send(awake(), "orders", { id: "o2", pauseMs: 3_000 }), undefined);
		const due = t0 + 3_000;

		// Let `asleep` idle into sleep (sleepTimeout 500), then wake `awake` just before the kill.
		await sleep(Math.max(0, t0 + 1_200 - Date.now()));
		const mid = await call(awake(), "getState");
		assert.deepEqual(
			{ recordRuns: mid.recordRuns, received: mid.received, finished: mid.finished, setupRuns: mid.setupRuns },
			{ recordRuns: 2, received: ["o1", "o2"], finished: ["o1"], setupRuns: 1 },
			"state in the middle of the pause",
		);
		const killedAt = Date.now() - t0;
		// Through the engine the restart comes at once, before o2's pause ends: an alarm that comes
		// due while no envoy is connected puts `asleep` in the engine's reallocation backoff, and each
		// request's wake makes that longer (docs/engine-protocol.md), so the first call after a
		// restart two lost thresholds later got no answer for minutes. `awake` is then still running
		// on the dead envoy for the engine until it finds the envoy lost (10 to 20 s here).
		await crash({ waitForLost: false });
		t.diagnostic(`killed ${killedAt} ms into the 3000 ms pause, serving again ${Date.now() - t0} ms into it`);

		const d = client("cbor");
		// `awake`: a new waiting order queues behind o2; it completes once o2's pause ends.
		const third = timedSend(d.workflowRunner.getOrCreate(awakeKey), "orders", { id: "o3", pauseMs: 0 }, { wait: true, timeout: ms(15_000) });
		// `asleep`: no request at all until well after the pause ended.
		const look = (async () => {
			await sleep(Math.max(0, due + ms(1_500) - Date.now()));
			return call(d.workflowRunner.getOrCreate(asleepKey), "getState");
		})();
		const [{ result }, s] = await Promise.all([third, look]);
		const thirdAt = Date.now();

		assert.deepEqual(result, { status: "completed", response: { id: "o3", position: 3 } });
		assert.ok(thirdAt >= due - 50, `o3 completed ${due - thirdAt} ms before o2's pause ended`);
		const a = await call(d.workflowRunner.getOrCreate(awakeKey), "getState");
		assert.deepEqual(
			{ setupRuns: a.setupRuns, recordRuns: a.recordRuns, received: a.received, finished: a.finished },
			{ setupRuns: 1, recordRuns: 3, received: ["o1", "o2", "o3"], finished: ["o1", "o2", "o3"] },
			"awake at the kill: no completed step ran twice",
		);

		assert.deepEqual(
			{ setupRuns: s.setupRuns, recordRuns: s.recordRuns, received: s.received, finished: s.finished },
			{ setupRuns: 1, recordRuns: 2, received: ["o1", "o2"], finished: ["o1", "o2"] },
			"asleep at the kill: o2 finished once, record did not run again",
		);
		// It slept before the kill (sleepCount 1). A second sleep before our first request
		// means it woke by itself after the restart (the pause's end) and idled again.
		assert.ok(
			s.sleepCount >= 2,
			`asleep at the kill: the actor did not wake by itself after the restart ` +
				`(sleepCount ${s.sleepCount}, wakeCount ${s.wakeCount}, read ${Date.now() - due} ms after the pause ended)`,
		);
		// And it still takes orders, with the next position.
		assert.deepEqual(
			await send(d.workflowRunner.getOrCreate(asleepKey), "orders", { id: "o3", pauseMs: 0 }, { wait: true, timeout: LONG_WAIT }),
			{ status: "completed", response: { id: "o3", position: 3 } },
		);
	});

	test("(c) sqlNotes: acknowledged rows, deletes and batches survive kill -9", notOnEngine(WHY_NOT.db, T), async () => {
		const c = client("json");
		const awakeKey = [uid("k9-sql")];
		const asleepKey = [uid("k9-sql-asleep")];
		const s = () => c.sqlNotes.getOrCreate(awakeKey);

		const rows = new Map(); // id → body
		await Promise.all(
			Array.from({ length: 3 }, async (_, stream) => {
				const h = s();
				for (let i = 0; i < 10; i++) {
					const body = `note-${stream}-${i}`;
					const id = await call(h, "addNote", body);
					assert.ok(!rows.has(id), `id ${id} returned twice`);
					rows.set(id, body);
				}
			}),
		);
		assert.deepEqual([...rows.keys()].sort((x, y) => x - y), Array.from({ length: 30 }, (_, i) => i + 1));
		assert.equal(await call(s(), "deleteNote", 7), 1);
		rows.delete(7);
		assert.equal(await call(s(), "addManyAtomic", ["b1", "b2"], false), 2);
		await call(s(), "addManyAtomic", ["never"], true).catch(() => {});
		const zs = c.sqlNotes.getOrCreate(asleepKey);
		assert.equal(await call(zs, "addNote", "sleeping", "z"), 1);
		assert.equal(await call(zs, "sleepNow"), null);
		const last = await call(s(), "addNote", "last", "end");
		await crash();

		const d = client("bare");
		const h = d.sqlNotes.getOrCreate(awakeKey);
		assert.deepEqual(await call(h, "schemaInfo"), { version: 2, columns: ["id", "body", "created_at", "tag"] });
		const after = await call(h, "listNotes");
		const expected = [...rows].sort(([x], [y]) => x - y).map(([id, body]) => ({ id, body, tag: "" }));
		assert.deepEqual(after.slice(0, expected.length), expected, "rows added one by one");
		assert.deepEqual(
			after.slice(expected.length).map(({ body, tag }) => ({ body, tag })),
			[
				{ body: "b1", tag: "batch" },
				{ body: "b2", tag: "batch" },
				{ body: "last", tag: "end" },
			],
			"batch and last row",
		);
		assert.equal(after.at(-1).id, last);
		assert.equal(await call(h, "countNotes"), expected.length + 3);
		assert.equal(await call(h, "addNote", "after restart"), last + 1, "ids continue after the crash");
		assert.equal(await call(h, "getWakes"), 2);

		const z = d.sqlNotes.getOrCreate(asleepKey);
		assert.deepEqual(await call(z, "listNotes"), [{ id: 1, body: "sleeping", tag: "z" }]);
		assert.deepEqual(await call(z, "schemaInfo"), { version: 2, columns: ["id", "body", "created_at", "tag"] });
	});

	test("(d) mailbox: acknowledged messages survive kill -9; received ones stay removed", T, async () => {
		const c = client("cbor");
		const key = [uid("k9-mailbox")];
		const h = () => c.mailbox.getOrCreate(key);
		for (const body of ["m0", { m: 1 }, [2], "m3"]) assert.equal(await send(h(), "inbox", body), undefined);
		assert.deepEqual(await call(h(), "receive", 1_000), { name: "inbox", body: "m0" });
		assert.equal(await call(h(), "enqueueSelf", "self"), true);
		await crash();

		const d = client("json");
		assert.deepEqual(await call(d.mailbox.getOrCreate(key), "receiveBatch", 10, 500), [
			{ name: "inbox", body: { m: 1 } },
			{ name: "inbox", body: [2] },
			{ name: "inbox", body: "m3" },
			{ name: "inbox", body: "self" },
		]);
		assert.equal(await call(d.mailbox.getOrCreate(key), "tryReceive"), null);
	});
});
