// Cron jobs over the wire (our `cronJobs` fixture, not a conformance fixture): cron.set in a
// time zone, get/list/del, validation errors, and cron.every firing while the actor sleeps and
// after kill -9. docs/actors.md, "Cron jobs".

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startServer, notOnEngine, WHY_NOT } from "./helpers/server.mjs";
import { ENCODINGS, call, disposeClient, expectActorError, makeClient, ms, sleep, uid } from "./helpers/util.mjs";

const T = { timeout: ms(30_000) };

/** "HH:MM" of `at` (ms since epoch) as a wall clock in `timeZone`. */
function wallClock(at, timeZone) {
	return new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(at);
}

describe("cronJobs", { timeout: ms(120_000) }, () => {
	let server;
	before(async () => {
		server = await startServer({ label: "cron" });
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

			test("cron.set in a time zone: get, list, update, del", T, async () => {
				const h = client.cronJobs.getOrCreate([uid("cron-set")]);
				const before = Date.now();
				const job = await call(h, "set", {
					name: "report",
					expression: "0 9 * * *",
					action: "tick",
					args: ["report"],
					timezone: "America/Los_Angeles",
				});
				assert.equal(job.kind, "cron");
				assert.equal(job.expression, "0 9 * * *");
				assert.equal(job.timezone, "America/Los_Angeles");
				assert.deepEqual(job.args, ["report"]);
				assert.ok(job.nextRunAt > before && job.nextRunAt <= before + 25 * 3_600_000, `next run ${job.nextRunAt}`);
				assert.equal(wallClock(job.nextRunAt, "America/Los_Angeles"), "09:00");

				// Changing only the arguments keeps the pending run; a new expression moves it.
				const same = await call(h, "set", {
					name: "report",
					expression: "0 9 * * *",
					action: "tick",
					args: ["other"],
					timezone: "America/Los_Angeles",
				});
				assert.equal(same.nextRunAt, job.nextRunAt);
				const moved = await call(h, "set", { name: "report", expression: "30 17 * * MON-FRI", action: "tick", args: [] });
				assert.equal(moved.timezone, "UTC");
				assert.equal(wallClock(moved.nextRunAt, "UTC"), "17:30");
				assert.ok([1, 2, 3, 4, 5].includes(new Date(moved.nextRunAt).getUTCDay()), "a weekday");

				const list = await call(h, "list");
				assert.deepEqual(list.map((j) => j.name), ["report"]);
				assert.equal((await call(h, "get", "report")).expression, "30 17 * * MON-FRI");
				assert.equal(await call(h, "del", "report"), true);
				assert.equal(await call(h, "get", "report"), null);
				assert.equal(await call(h, "del", "report"), false);
			});

			test("invalid jobs are rejected with schedule.* errors and nothing is stored", T, async () => {
				const h = client.cronJobs.getOrCreate([uid("cron-bad")]);
				const base = { name: "bad", action: "tick", args: [] };
				await expectActorError(call(h, "set", { ...base, expression: "61 * * * *" }), {
					group: "schedule",
					code: "invalid_cron_expression",
				});
				await expectActorError(call(h, "set", { ...base, expression: "* * *" }), {
					group: "schedule",
					code: "invalid_cron_expression",
				});
				await expectActorError(call(h, "set", { ...base, expression: "0 9 * * *", timezone: "Mars/Olympus" }), {
					group: "schedule",
					code: "invalid_timezone",
				});
				await expectActorError(call(h, "every", { ...base, interval: 1_000 }), {
					group: "schedule",
					code: "interval_too_short",
				});
				await expectActorError(call(h, "every", { ...base, interval: 60_000, action: "nope" }), {
					group: "schedule",
					code: "unknown_action",
				});
				assert.deepEqual(await call(h, "list"), []);
			});
		});
	}

	test("cron.every fires on its deadline while the actor sleeps, and keeps its cadence", T, async () => {
		const c = makeClient(server.endpoint, "bare");
		try {
			const h = c.cronJobs.getOrCreate([uid("cron-every")]);
			const t0 = Date.now();
			const job = await call(h, "every", { name: "beat", interval: 5_000, action: "tick", args: ["beat"] });
			assert.equal(job.kind, "every");
			assert.equal(job.interval, 5_000);
			// The actor sleeps after 500 ms idle; the job has to wake it.
			await sleep(Math.max(0, t0 + 6_500 - Date.now()));
			const ticks = await call(h, "getTicks");
			assert.equal(ticks.length, 1, `ticks: ${JSON.stringify(ticks)}`);
			assert.equal(ticks[0].tag, "beat");
			assert.ok(ticks[0].at >= job.nextRunAt, "never early");
			assert.ok(ticks[0].at <= job.nextRunAt + 2_000, `late by ${ticks[0].at - job.nextRunAt} ms`);
			assert.ok((await call(h, "getWakeCount")) >= 2, "the actor slept and the job woke it");
			const after = await call(h, "get", "beat");
			assert.equal(after.nextRunAt, job.nextRunAt + 5_000, "anchored to deadlines");
			assert.equal(after.lastResult, "ok");
			const history = await call(h, "history", "beat");
			assert.equal(history.length, 1);
			assert.equal(history[0].result, "ok");
			assert.equal(await call(h, "del", "beat"), true);
		} finally {
			await disposeClient(c);
		}
	});
});

describe("cronJobs durability (SIGKILL)", { timeout: ms(120_000) }, () => {
	let server;
	before(async () => {
		server = await startServer({ label: "cron-kill9" });
	});
	after(async () => {
		await server?.dispose();
	});

	test("an acknowledged job survives kill -9 and fires after the restart", notOnEngine(WHY_NOT.lostThreshold, { timeout: ms(60_000) }), async () => {
		const key = [uid("cron-k9")];
		const c = makeClient(server.endpoint, "json");
		let job;
		try {
			job = await call(c.cronJobs.getOrCreate(key), "every", { name: "k9", interval: 5_000, action: "tick", args: ["k9"] });
			await server.kill9();
		} finally {
			await disposeClient(c);
		}
		await server.restart();
		await sleep(Math.max(0, job.nextRunAt + 1_500 - Date.now()));
		const d = makeClient(server.endpoint, "json");
		try {
			const h = d.cronJobs.getOrCreate(key);
			const ticks = await call(h, "getTicks");
			assert.deepEqual(ticks.map((t) => t.tag), ["k9"]);
			assert.ok(ticks[0].at >= job.nextRunAt, "never early");
			const listed = await call(h, "list");
			assert.equal(listed.length, 1);
			assert.equal(listed[0].nextRunAt, job.nextRunAt + 5_000);
		} finally {
			await disposeClient(d);
		}
	});
});
