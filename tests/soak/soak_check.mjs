// The soak's verdict: compares its log of acknowledged operations with the actors' reports.
// Kept apart from the load so the rules can be read in one place (docs/soak.md).

// The soak fixture's cron job runs every 5 s. A deadline missed while the server was down fires
// once after the restart, so two committed ticks are never further apart than the interval plus
// the longest outage, plus this much time for a restart to wake the actor and commit under load.
const CRON_INTERVAL_MS = 5_000;
const CRON_SLACK_MS = 2_500;

function counts(list) {
	const m = new Map();
	for (const v of list ?? []) {
		const n = Number(v);
		m.set(n, (m.get(n) ?? 0) + 1);
	}
	return m;
}

function tables(reports) {
	const soak = reports.soak.map((r) =>
		r === null
			? null
			: {
					writes: counts(r.writes),
					kv: counts(r.kv),
					sql: counts(r.sql),
					jobs: counts(r.jobs),
					alarms: counts(r.alarms),
					ticks: (r.ticks ?? []).map(Number),
				},
	);
	const flow = reports.flow.map((r) =>
		r === null ? null : { recorded: counts(r.recorded), finished: counts(r.finished) },
	);
	return { soak, flow };
}

// kind -> where its id must show up, and how many times it may.
//   "once": at least once, never twice (exactly once where the API promises it);
//   "atLeastOnce": at least once; more is a redelivery, allowed and counted.
const RULES = {
	httpWrite: { table: "soak", field: "writes", times: "once" },
	wsWrite: { table: "soak", field: "writes", times: "once" },
	kvPut: { table: "soak", field: "kv", times: "once" },
	sqlInsert: { table: "soak", field: "sql", times: "once" },
	send: { table: "soak", field: "jobs", times: "atLeastOnce" },
	sendWait: { table: "soak", field: "jobs", times: "once" },
	alarm: { table: "soak", field: "alarms", times: "atLeastOnce" },
	order: { table: "flow", field: "finished", times: "once" },
	orderWait: { table: "flow", field: "finished", times: "once" },
};
// Fields in which no id may ever appear twice, acknowledged or not.
const NEVER_TWICE = [
	["soak", "writes", "action write applied twice"],
	["soak", "sql", "SQLite insert applied twice"],
	["flow", "recorded", "workflow step 'record' ran twice"],
	["flow", "finished", "workflow step 'finish' ran twice"],
];
const AT_LEAST_ONCE_KINDS = ["send", "sendWait", "alarm", "order", "orderWait"];

/**
 * checkRun(log, reports, { final }) → { complete, figures, violations }.
 * `complete`: every acknowledged queue message, alarm and order has arrived (the drain is over).
 */
export function checkRun(log, reports, { final }) {
	const t = tables(reports);
	const violations = [];
	let checked = 0;
	let lost = 0;
	let duplicated = 0;
	let redelivered = 0;
	let complete = true;

	for (const [name, list] of Object.entries(t)) {
		list.forEach((r, i) => {
			if (r === null) {
				complete = false;
				violations.push(`${name}[${i}]: report could not be read`);
			}
		});
	}

	for (const [kind, entries] of Object.entries(log.acked)) {
		const rule = RULES[kind];
		for (const { id, actor } of entries) {
			const r = t[rule.table][actor];
			if (r === null) continue;
			checked += 1;
			const n = r[rule.field].get(id) ?? 0;
			if (n === 0) {
				lost += 1;
				if (AT_LEAST_ONCE_KINDS.includes(kind)) complete = false;
				violations.push(`${kind} ${id} on actor ${actor}: acknowledged but not found`);
			} else if (n > 1 && rule.times === "once") {
				duplicated += 1;
				violations.push(`${kind} ${id} on actor ${actor}: applied ${n} times`);
			} else if (n > 1) {
				redelivered += 1;
			}
		}
	}

	for (const [table, field, what] of NEVER_TWICE) {
		t[table].forEach((r, actor) => {
			if (r === null) return;
			for (const [id, n] of r[field]) {
				if (n > 1) violations.push(`${what}: id ${id} on actor ${actor} (${n} times)`);
			}
		});
	}
	t.flow.forEach((r, actor) => {
		if (r === null) return;
		for (const id of r.finished.keys()) {
			if (!r.recorded.has(id)) violations.push(`order ${id} on actor ${actor}: finished without its record step`);
		}
	});

	// Events leave only after their write committed: each one seen must belong to a surviving write.
	const allWrites = new Set();
	for (const r of t.soak) if (r !== null) for (const id of r.writes.keys()) allWrites.add(id);
	for (const id of log.eventsSeen) {
		if (!allWrites.has(id)) violations.push(`event for write ${id} was delivered, but the write is gone`);
	}
	for (const id of log.eventMissingAtReply) {
		violations.push(`write ${id}: its reply arrived on a connection before its event`);
	}

	// Cron: ticks keep coming across every crash, from the job's start to the end of the run.
	let cronGaps = 0;
	let cronMissed = 0;
	let cronTicks = 0;
	if (final) {
		const limit = CRON_INTERVAL_MS + log.longestOutageMs + CRON_SLACK_MS;
		const end = log.upPeriods.at(-1)?.[1] ?? Date.now();
		for (const [actor, startedAt] of log.cronStarted) {
			const r = t.soak[actor];
			if (r === null) continue;
			const ticks = r.ticks.filter((at) => at >= startedAt).sort((a, b) => a - b);
			cronTicks += ticks.length;
			const points = [startedAt, ...ticks, end];
			for (let k = 1; k < points.length; k++) {
				cronGaps += 1;
				if (points[k] - points[k - 1] > limit) {
					cronMissed += 1;
					violations.push(
						`cron on actor ${actor}: no tick for ${points[k] - points[k - 1]} ms ` +
							`(from ${points[k - 1]}, limit ${limit} ms)`,
					);
				}
			}
		}
	}

	return {
		complete,
		figures: {
			checked,
			lost,
			duplicated,
			redelivered,
			events: log.eventsSeen.size,
			cronTicks,
			cronGaps,
			cronActors: log.cronStarted.size,
			cronMissed,
		},
		violations,
	};
}
