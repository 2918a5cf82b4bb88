// The soak's verdict must catch what it claims to: each rule is broken once on purpose here.
//   node --test tests/soak/soak_check.test.mjs   (scripts/soak.sh runs it before every soak)

import { test } from "node:test";
import assert from "node:assert/strict";
import { checkRun } from "./soak_check.mjs";

const T0 = 1_000_000;

function emptyLog() {
	return {
		acked: {
			httpWrite: [],
			wsWrite: [],
			kvPut: [],
			sqlInsert: [],
			send: [],
			sendWait: [],
			alarm: [],
			order: [],
			orderWait: [],
		},
		eventsSeen: new Set(),
		eventMissingAtReply: [],
		cronStarted: new Map(),
		upPeriods: [[T0, T0 + 20_000]],
		longestOutageMs: 300,
	};
}

function healthyRun() {
	const log = emptyLog();
	log.acked.httpWrite.push({ id: 1, actor: 0 });
	log.acked.wsWrite.push({ id: 2, actor: 0 });
	log.acked.kvPut.push({ id: 3, actor: 0 });
	log.acked.sqlInsert.push({ id: 4, actor: 0 });
	log.acked.send.push({ id: 5, actor: 0 });
	log.acked.sendWait.push({ id: 6, actor: 0 });
	log.acked.alarm.push({ id: 7, actor: 0 });
	log.acked.order.push({ id: 8, actor: 0 });
	log.eventsSeen.add(2);
	log.cronStarted.set(0, T0);
	const reports = {
		soak: [
			{
				writes: [1, 2, 99], // 99: unacknowledged, applied once: fine
				kv: [3],
				sql: [4],
				jobs: [5, 5, 6], // 5 redelivered: allowed, it was not awaited
				alarms: [7],
				ticks: [T0 + 4_000, T0 + 9_000, T0 + 14_000, T0 + 19_000],
			},
		],
		flow: [{ recorded: [8], finished: [8] }],
	};
	return { log, reports };
}

test("a healthy run passes, and counts a redelivered message without failing", () => {
	const { log, reports } = healthyRun();
	const v = checkRun(log, reports, { final: true });
	assert.deepEqual(v.violations, []);
	assert.equal(v.complete, true);
	assert.equal(v.figures.checked, 8);
	assert.equal(v.figures.redelivered, 1);
	assert.equal(v.figures.cronTicks, 4);
});

const broken = {
	"an acknowledged write that is gone": (r) => (r.soak[0].writes = [2]),
	"a write applied twice": (r) => r.soak[0].writes.push(99),
	"a lost KV put": (r) => (r.soak[0].kv = []),
	"an SQLite row inserted twice": (r) => r.soak[0].sql.push(4),
	"an acknowledged queue message never processed": (r) => (r.soak[0].jobs = [6]),
	"a completed message processed twice": (r) => r.soak[0].jobs.push(6),
	"an alarm that never fired": (r) => (r.soak[0].alarms = []),
	"a workflow step run twice": (r) => r.flow[0].recorded.push(8),
	"an order finished without its first step": (r) => (r.flow[0].recorded = []),
	"a cron job that stopped ticking": (r) => (r.soak[0].ticks = [T0 + 4_000]),
	"an event whose write was lost": (r) => (r.soak[0].writes = [1]),
	"an unreadable report": (r) => (r.soak[0] = null),
};

for (const [what, breakIt] of Object.entries(broken)) {
	test(`it fails on ${what}`, () => {
		const { log, reports } = healthyRun();
		breakIt(reports);
		const v = checkRun(log, reports, { final: true });
		assert.ok(v.violations.length > 0, `no violation reported for ${what}`);
	});
}

test("it fails when a reply overtook its event on a connection", () => {
	const { log, reports } = healthyRun();
	log.eventMissingAtReply.push(2);
	assert.ok(checkRun(log, reports, { final: true }).violations.length > 0);
});

test("the drain is not complete while an acknowledged message is missing", () => {
	const { log, reports } = healthyRun();
	reports.soak[0].alarms = [];
	assert.equal(checkRun(log, reports, { final: false }).complete, false);
});
