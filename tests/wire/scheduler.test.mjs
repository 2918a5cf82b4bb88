// conformance-fixtures.md §3.8 `scheduler` and §8 (schedules durable on
// acknowledgement): never early, on time, in order, wake a sleeping actor by
// themselves, survive SIGKILL.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startServer, notOnEngine, WHY_NOT } from "./helpers/server.mjs";
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
import { pollEvery } from "./helpers/lifecycle.mjs";

const T = { timeout: ms(30_000) };
/** How late a schedule may run and still count as "within a few seconds". */
const LATE_MS = ms(3_000);

/** Polls getFiredDetailed every `every` ms until it holds `n` entries. */
function firedCount(h, n, { every = 100, limit = ms(10_000) } = {}) {
	return pollEvery(
		`${n} fired entries`,
		every,
		async () => {
			const fired = await call(h, "getFiredDetailed");
			return fired.length >= n ? fired : false;
		},
		{ limit, eager: true },
	);
}

/** Asserts entry `e` ran no earlier than `due` and not much later. */
function assertOnTime(e, due, what) {
	assert.equal(typeof e.at, "number", `${what}: at is ${typeof e.at}`);
	assert.ok(e.at >= due, `${what} ran ${due - e.at} ms early (at ${e.at}, due ${due})`);
	assert.ok(e.at <= due + LATE_MS, `${what} ran ${e.at - due} ms late`);
}

describe("scheduler", { timeout: ms(120_000) }, () => {
	let server;
	before(async () => {
		server = await startServer({ label: "scheduler" });
	});
	after(async () => {
		await server?.dispose();
	});

	for (const encoding of ENCODINGS) {
		describe(`[${encoding}]`, () => {
			let client;
			before(() => {
				client = makeClient(server.endpoint, encoding);
			});
			after(async () => {
				await disposeClient(client);
			});

			test("scheduleAfter and scheduleAt over a connection: fired events arrive, entries are on time", T, async () => {
				const h = client.scheduler.getOrCreate([uid(`conn-${encoding}`)]);
				const conn = h.connect();
				try {
					const ev = collect(conn, "fired");
					assert.equal(await call(conn, "getWakeCount"), 1);
					const t0 = Date.now();
					assert.equal(await call(conn, "scheduleAt", t0 + 400, "at-400"), true);
					assert.equal(await call(conn, "scheduleAfter", 200, "after-200"), true);
					await waitFor("2 fired events", () => ev.values.length >= 2, ms(6_000));
					assert.deepEqual(ev.values, ["after-200", "at-400"]);
					const fired = await call(conn, "getFiredDetailed");
					assert.deepEqual(
						fired.map((e) => e.tag),
						["after-200", "at-400"],
					);
					assertOnTime(fired[0], t0 + 200, "after-200");
					assertOnTime(fired[1], t0 + 400, "at-400");
					assert.deepEqual(await call(conn, "getFired"), ["after-200", "at-400"]);
					// fire() itself is an action too.
					assert.equal(await call(conn, "fire", "manual"), 3);
					await waitFor("manual fired event", () => ev.values.length >= 3, ms(2_000));
					assert.deepEqual(ev.values, ["after-200", "at-400", "manual"]);
				} finally {
					await disposeConn(conn);
				}
			});
		});
	}

	describe("timing", () => {
		let client;
		before(() => {
			client = makeClient(server.endpoint, "json");
		});
		after(async () => {
			await disposeClient(client);
		});

		test("several schedules run in time order, never early", T, async () => {
			const h = client.scheduler.getOrCreate([uid("order")]);
			await call(h, "getWakeCount");
			const t0 = Date.now();
			const plan = [
				["c", 900, "after"],
				["a", 250, "after"],
				["d", 1_150, "at"],
				["b", 600, "after"],
				["a2", 250, "after"], // same due time as "a": both run, "a" first or second
			];
			// When each one is due: "after" counts from the moment the actor took the call, somewhere
			// between sending it and its answer. Through the engine a call takes long enough (hundreds
			// of ms under load) to change the order the plan's offsets alone suggest.
			const due = new Map(); // tag -> [earliest, latest]
			for (const [tag, delay, kind] of plan) {
				const sent = Date.now();
				const r = kind === "at" ? await call(h, "scheduleAt", t0 + delay, tag) : await call(h, "scheduleAfter", delay, tag);
				assert.equal(r, true);
				due.set(tag, kind === "at" ? [t0 + delay, t0 + delay] : [sent + delay, Date.now() + delay]);
			}
			const fired = await firedCount(h, plan.length);
			const tags = fired.map((e) => e.tag);
			assert.deepEqual([...tags].sort(), plan.map(([tag]) => tag).sort(), `fired: ${tags}`);
			for (const e of fired) {
				const [earliest, latest] = due.get(e.tag);
				assert.ok(e.at >= earliest, `${e.tag} ran ${earliest - e.at} ms early (at ${e.at}, due from ${earliest})`);
				assert.ok(e.at <= latest + LATE_MS, `${e.tag} ran ${e.at - latest} ms late`);
			}
			// In time order: none ran before one that was due earlier for certain. In embedded mode a
			// call takes a few ms, so this is the plan's order ("a" and "a2" by their calls' order).
			for (let i = 0; i < tags.length; i++) {
				for (let j = i + 1; j < tags.length; j++) {
					const [earliestI] = due.get(tags[i]);
					const [, latestJ] = due.get(tags[j]);
					assert.ok(earliestI <= latestJ, `order: ${tags} (${tags[j]} was due by ${latestJ}, before ${tags[i]} at ${earliestI})`);
				}
			}
			for (let i = 1; i < fired.length; i++) assert.ok(fired[i].at >= fired[i - 1].at, "at is not monotonic");
			await sleep(300);
			assert.equal((await call(h, "getFired")).length, plan.length, "a schedule ran twice");
		});

		test("scheduleAt with a past time runs as soon as possible", T, async () => {
			const h = client.scheduler.getOrCreate([uid("past")]);
			const t0 = Date.now();
			assert.equal(await call(h, "scheduleAt", t0 - 60_000, "past"), true);
			assert.equal(await call(h, "scheduleAt", 0, "epoch"), true);
			const fired = await firedCount(h, 2, { every: 20, limit: ms(3_000) });
			assert.deepEqual(fired.map((e) => e.tag).sort(), ["epoch", "past"]);
			for (const e of fired) {
				assert.ok(e.at >= t0, `${e.tag} ran before it was scheduled`);
				assert.ok(e.at - t0 <= ms(1_500), `${e.tag} ran ${e.at - t0} ms after scheduling`);
			}
		});

		test("a schedule wakes the actor after sleepNow, without any request", T, async () => {
			const h = client.scheduler.getOrCreate([uid("wake-now")]);
			const t0 = Date.now();
			assert.equal(await call(h, "scheduleAfter", 1_200, "wake"), true);
			assert.equal(await call(h, "sleepNow"), null);
			// Leave the actor alone until shortly after the due time, then look once.
			await sleep(1_200 + 800 - (Date.now() - t0));
			const readAt = Date.now();
			const fired = await call(h, "getFiredDetailed");
			assert.deepEqual(
				fired.map((e) => e.tag),
				["wake"],
				"the schedule had not run by itself 800 ms after its due time",
			);
			assertOnTime(fired[0], t0 + 1_200, "wake");
			assert.ok(fired[0].at <= readAt, `entry written at ${fired[0].at}, after the read was sent at ${readAt}`);
			assert.ok((await call(h, "getWakeCount")) >= 2, "the actor never slept and woke");
		});

		test("a schedule wakes an actor that idled into sleep", T, async () => {
			const h = client.scheduler.getOrCreate([uid("wake-idle")]);
			const t0 = Date.now();
			assert.equal(await call(h, "scheduleAfter", 1_500, "idle-wake"), true);
			// sleepTimeout is 500: it sleeps at ~500 ms, the schedule is due at 1500.
			await sleep(1_500 + 800 - (Date.now() - t0));
			const readAt = Date.now();
			const fired = await call(h, "getFiredDetailed");
			assert.deepEqual(fired.map((e) => e.tag), ["idle-wake"], "the schedule had not run by itself");
			assertOnTime(fired[0], t0 + 1_500, "idle-wake");
			assert.ok(fired[0].at <= readAt);
			assert.ok((await call(h, "getWakeCount")) >= 2, "the actor did not sleep before the schedule");
		});

		test("schedules survive sleep/wake cycles and run once", T, async () => {
			const h = client.scheduler.getOrCreate([uid("cycle")]);
			const t0 = Date.now();
			await call(h, "scheduleAfter", 1_300, "late");
			await call(h, "sleepNow");
			await call(h, "getFired"); // wake
			await call(h, "sleepNow");
			const fired = await pollEvery(
				"late to fire",
				ms(700),
				async () => {
					const f = await call(h, "getFiredDetailed");
					return f.length ? f : false;
				},
				{ limit: ms(6_000) },
			);
			assertOnTime(fired[0], t0 + 1_300, "late");
			await sleep(400);
			assert.deepEqual(await call(h, "getFired"), ["late"]);
		});
	});
});

describe("scheduler durability (SIGKILL)", { timeout: ms(120_000) }, () => {
	let server;
	before(async () => {
		server = await startServer({ label: "scheduler-kill9" });
	});
	after(async () => {
		await server?.dispose();
	});

	test("acknowledged schedules survive kill -9 + restart and fire by themselves", notOnEngine(WHY_NOT.lostThreshold, { timeout: ms(60_000) }), async () => {
		const c = makeClient(server.endpoint, "bare");
		const later = [uid("k9-later")]; // due after the restart
		const missed = [uid("k9-missed")]; // due while the server is down
		const asleep = [uid("k9-asleep")]; // asleep at the kill, due after the restart
		let t0;
		try {
			await call(c.scheduler.getOrCreate(asleep), "getWakeCount");
			t0 = Date.now();
			assert.equal(await call(c.scheduler.getOrCreate(asleep), "scheduleAfter", 3_000, "asleep"), true);
			assert.equal(await call(c.scheduler.getOrCreate(asleep), "sleepNow"), null);
			assert.equal(await call(c.scheduler.getOrCreate(later), "scheduleAfter", 3_000, "after"), true);
			assert.equal(await call(c.scheduler.getOrCreate(later), "scheduleAt", t0 + 3_300, "at"), true);
			assert.equal(await call(c.scheduler.getOrCreate(missed), "scheduleAfter", 500, "missed"), true);
			await server.kill9();
		} finally {
			await disposeClient(c);
		}
		// Stay down past the "missed" due time.
		await sleep(Math.max(0, t0 + 1_000 - Date.now()));
		await server.restart();
		const restartedAt = Date.now();
		assert.ok(restartedAt < t0 + 2_800, `restart took too long for this test (${restartedAt - t0} ms)`);

		// Leave every actor alone until after the last due time, then look once each.
		await sleep(Math.max(0, t0 + 3_300 + 800 - Date.now()));
		const d = makeClient(server.endpoint, "json");
		try {
			const readAt = Date.now();
			const l = await call(d.scheduler.getOrCreate(later), "getFiredDetailed");
			const m = await call(d.scheduler.getOrCreate(missed), "getFiredDetailed");
			const a = await call(d.scheduler.getOrCreate(asleep), "getFiredDetailed");
			assert.deepEqual(l.map((e) => e.tag), ["after", "at"], "schedules due after the restart");
			assertOnTime(l[0], t0 + 3_000, "after");
			assertOnTime(l[1], t0 + 3_300, "at");
			assert.deepEqual(a.map((e) => e.tag), ["asleep"], "schedule of the actor that was asleep at the kill");
			assertOnTime(a[0], t0 + 3_000, "asleep");
			assert.deepEqual(m.map((e) => e.tag), ["missed"], "schedule due while the server was down");
			assert.ok(m[0].at >= t0 + 500, "missed ran early");
			for (const [name, e] of [["after", l[0]], ["at", l[1]], ["asleep", a[0]], ["missed", m[0]]]) {
				assert.ok(e.at <= readAt, `${name} ran only when the read woke its actor (at ${e.at}, read ${readAt})`);
			}
			// "missed" runs promptly once the server is back.
			assert.ok(m[0].at <= restartedAt + ms(2_000), `missed ran ${m[0].at - restartedAt} ms after the restart`);
		} finally {
			await disposeClient(d);
		}
	});
});
