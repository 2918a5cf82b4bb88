#!/usr/bin/env node
// The crash soak (docs/soak.md): a mixed load through the official rivetkit client against the
// `soak` and `soakFlow` fixtures, while the server is SIGKILLed at random moments and restarted on
// the same port and data directory. Every operation carries a unique id; the soak keeps a log of
// what the server acknowledged and, at the end, compares it with what the actors report after a
// last crash:
//   - acknowledged action writes, KV puts and SQLite inserts are all there, none applied twice;
//   - an event seen by any client belongs to a write that survived, and a connection that got the
//     reply to its write had already received that write's event;
//   - acknowledged queue messages are processed at least once, and exactly once when the waiting
//     sender saw them completed;
//   - acknowledged alarms fired at least once; the cron job ticked in every long enough up-period;
//   - acknowledged workflow orders finished, and no workflow step ran twice.
//
//   node tests/soak/soak.mjs [--seconds 40] [--actors 12] [--workers 12] [--kill-min-ms 1500]
//        [--kill-max-ms 4500] [--seed 1] [--json build/artifacts/soak.json]
// RIVET_FIXTURES names the server binary (default build/bin/rivet-fixtures). Exit status 1 when
// anything acknowledged was lost or applied twice.

import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { startServer } from "../wire/helpers/server.mjs";
import { disposeClient, disposeConn, makeClient, sleep, within } from "../wire/helpers/util.mjs";
import { checkRun } from "./soak_check.mjs";

const { values: opts } = parseArgs({
	options: {
		seconds: { type: "string", default: "40" },
		actors: { type: "string", default: "12" },
		workers: { type: "string", default: "12" },
		"kill-min-ms": { type: "string", default: "1500" },
		"kill-max-ms": { type: "string", default: "4500" },
		seed: { type: "string", default: String(Date.now() % 100_000) },
		json: { type: "string", default: "" },
	},
});
const SECONDS = Number(opts.seconds);
const ACTORS = Number(opts.actors);
const WORKERS = Number(opts.workers);
const KILL_MIN = Number(opts["kill-min-ms"]);
const KILL_MAX = Number(opts["kill-max-ms"]);
const SEED = Number(opts.seed);
const CALL_MS = 10_000;
const ENCODINGS = ["json", "cbor", "bare"];

// A small seeded generator: the op mix and kill times of a run can be replayed from its seed.
function prng(seed) {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}
const random = prng(SEED);
const between = (lo, hi) => lo + Math.floor(random() * (hi - lo + 1));

// Op kinds and their weights in the mix.
const MIX = [
	["httpWrite", 16],
	["wsWrite", 16],
	["kvPut", 8],
	["sqlInsert", 8],
	["send", 10],
	["sendWait", 5],
	["alarm", 8],
	["order", 6],
	["orderWait", 3],
];
const MIX_TOTAL = MIX.reduce((n, [, w]) => n + w, 0);
function pickKind() {
	let r = random() * MIX_TOTAL;
	for (const [kind, w] of MIX) {
		if ((r -= w) < 0) return kind;
	}
	return MIX[0][0];
}

// What the server acknowledged, and what is unknown (in flight at a crash, or failed).
const log = {
	acked: Object.fromEntries(MIX.map(([k]) => [k, []])), // kind -> [{id, actor}]
	unknown: Object.fromEntries(MIX.map(([k]) => [k, 0])),
	eventsSeen: new Set(), // write ids whose "wrote" event reached some connection
	eventMissingAtReply: [], // ws write ids acked before their event arrived on the same conn
	cronStarted: new Map(), // actor index -> ms when startCron was acknowledged
	upPeriods: [], // [start ms, end ms] the server was up between crashes
	longestOutageMs: 0, // from a kill until the restarted server answered
	kills: 0,
	failedMs: {}, // kind -> time workers spent in calls that failed
	errorsWhileUp: new Map(), // message -> count (calls that failed with the server up throughout)
};

let server;
let generation = 0; // bumps at every kill, so a worker can tell whether its call spanned one
let serverUp = false;
let nextId = 1;
const soakKey = (i) => [`soak-${SEED}-${i}`];
const flowKey = (i) => [`flow-${SEED}-${i}`];

function countError(err) {
	const msg = String(err?.group ? `${err.group}.${err.code}: ${err.message}` : err?.message ?? err).slice(0, 160);
	log.errorsWhileUp.set(msg, (log.errorsWhileUp.get(msg) ?? 0) + 1);
}

class Worker {
	constructor(index) {
		this.index = index;
		this.client = makeClient(server.endpoint, ENCODINGS[index % ENCODINGS.length]);
		this.conns = new Map(); // actor index -> { conn, seen: Set }
		this.handles = new Map(); // "soak:3" -> handle (a handle resolves its actor once)
	}

	handle(type, actor) {
		const name = `${type}:${actor}`;
		let h = this.handles.get(name);
		if (!h) {
			h = this.client[type].getOrCreate(type === "soak" ? soakKey(actor) : flowKey(actor));
			this.handles.set(name, h);
		}
		return h;
	}

	// The official client (2.3.19) reconnects a connection only when its first attempt meets a
	// lifecycle error, as an engine's gateway gives while a runner restarts. With no gateway in
	// front, that attempt finds the port closed, the connection goes idle and keeps queued calls
	// forever. The soak then does what an application does: it opens a new connection.
	async conn(actor) {
		let entry = this.conns.get(actor);
		if (entry && entry.conn.connStatus === "idle") {
			await this.dropConn(actor);
			entry = undefined;
		}
		if (!entry) {
			const conn = this.client.soak.getOrCreate(soakKey(actor)).connect();
			entry = { conn, seen: new Set() };
			conn.on("wrote", (id) => {
				entry.seen.add(Number(id));
				log.eventsSeen.add(Number(id));
			});
			this.conns.set(actor, entry);
		}
		return entry;
	}

	async dropConn(actor) {
		const entry = this.conns.get(actor);
		this.conns.delete(actor);
		if (entry) await disposeConn(entry.conn);
	}

	async op(kind, id, actor) {
		const soak = () => this.handle("soak", actor);
		const flow = () => this.handle("soakFlow", actor);
		const call = (p) => within(CALL_MS, kind, p);
		switch (kind) {
			case "httpWrite":
				return call(soak().write(id));
			case "wsWrite": {
				const entry = await this.conn(actor);
				try {
					await call(entry.conn.write(id));
				} catch (err) {
					await this.dropConn(actor);
					throw err;
				}
				if (!entry.seen.has(id)) log.eventMissingAtReply.push(id);
				return;
			}
			case "kvPut":
				return call(soak().kvPut(id));
			case "sqlInsert":
				return call(soak().sqlInsert(id));
			case "send":
				return call(soak().send("jobs", { id }));
			case "sendWait": {
				const r = await call(soak().send("jobs", { id }, { wait: true, timeout: 5_000 }));
				if (r?.status !== "completed") throw new Error(`sendWait ${id}: ${JSON.stringify(r)}`);
				return;
			}
			case "alarm":
				return call(soak().scheduleAlarm(id, between(50, 2_000)));
			case "order":
				return call(flow().send("orders", { id, pauseMs: between(0, 800) }));
			case "orderWait": {
				const r = await call(flow().send("orders", { id, pauseMs: between(0, 300) }, { wait: true, timeout: 8_000 }));
				if (r?.status !== "completed") throw new Error(`orderWait ${id}: ${JSON.stringify(r)}`);
				return;
			}
		}
	}

	async run(until) {
		while (Date.now() < until) {
			const kind = pickKind();
			const id = nextId++;
			const actor = between(0, ACTORS - 1);
			const gen = generation;
			const wasUp = serverUp;
			const t0 = Date.now();
			try {
				await this.op(kind, id, actor);
				log.acked[kind].push({ id, actor });
			} catch (err) {
				log.unknown[kind] += 1;
				log.failedMs[kind] = (log.failedMs[kind] ?? 0) + (Date.now() - t0);
				if (wasUp && serverUp && gen === generation) countError(err);
				await sleep(between(20, 120));
			}
		}
	}

	async dispose() {
		await Promise.all([...this.conns.keys()].map((a) => this.dropConn(a)));
		await disposeClient(this.client);
	}
}

async function killer(until) {
	let upSince = Date.now();
	while (true) {
		const wait = between(KILL_MIN, KILL_MAX);
		if (Date.now() + wait >= until) break;
		await sleep(wait);
		serverUp = false;
		generation += 1;
		log.upPeriods.push([upSince, Date.now()]);
		await server.kill9();
		log.kills += 1;
		const killedAt = Date.now();
		await sleep(between(0, 300));
		await server.restart();
		upSince = Date.now();
		log.longestOutageMs = Math.max(log.longestOutageMs, upSince - killedAt);
		serverUp = true;
	}
	return upSince;
}

// Reads every actor's report through a fresh client; each entry is null when the call failed.
async function readReports() {
	const client = makeClient(server.endpoint, "json");
	try {
		const soak = await Promise.all(
			Array.from({ length: ACTORS }, (_, i) =>
				within(CALL_MS, "report", client.soak.getOrCreate(soakKey(i)).report()).catch(() => null),
			),
		);
		const flow = await Promise.all(
			Array.from({ length: ACTORS }, (_, i) =>
				within(CALL_MS, "report", client.soakFlow.getOrCreate(flowKey(i)).report()).catch(() => null),
			),
		);
		return { soak, flow };
	} finally {
		await disposeClient(client);
	}
}

async function main() {
	const started = Date.now();
	server = await startServer({ label: "soak" });
	serverUp = true;
	console.log(`soak: seed ${SEED}, ${SECONDS} s of load on ${ACTORS}+${ACTORS} actors, ${WORKERS} workers, ` +
		`kills every ${KILL_MIN}-${KILL_MAX} ms; server log ${server.logFile}`);

	// Each soak actor runs a cron job; its ticks are checked per up-period.
	const setup = makeClient(server.endpoint, "cbor");
	for (let i = 0; i < ACTORS; i++) {
		await within(CALL_MS, "startCron", setup.soak.getOrCreate(soakKey(i)).startCron());
		log.cronStarted.set(i, Date.now());
	}
	await disposeClient(setup);

	const until = Date.now() + SECONDS * 1000;
	const workers = Array.from({ length: WORKERS }, (_, i) => new Worker(i));
	const [lastUp] = await Promise.all([killer(until), ...workers.map((w) => w.run(until))]);
	await Promise.all(workers.map((w) => w.dispose()));
	const loadEnded = Date.now();

	// Let alarms come due and queues drain, then crash once more so the verdict reads only what
	// is on disk.
	const drainDeadline = Date.now() + 60_000;
	let reports;
	while (Date.now() < drainDeadline) {
		await sleep(1_000);
		reports = await readReports();
		if (checkRun(log, reports, { final: false }).complete) break;
	}
	log.upPeriods.push([lastUp, Date.now()]);
	const killedAt = Date.now();
	await server.kill9();
	log.kills += 1;
	await server.restart();
	log.longestOutageMs = Math.max(log.longestOutageMs, Date.now() - killedAt);
	reports = await readReports();
	const verdict = checkRun(log, reports, { final: true });
	await server.dispose();

	const summary = {
		seed: SEED,
		seconds: SECONDS,
		actors: ACTORS * 2,
		workers: WORKERS,
		kills: log.kills,
		loadMs: loadEnded - (until - SECONDS * 1000),
		totalMs: Date.now() - started,
		acked: Object.fromEntries(Object.entries(log.acked).map(([k, v]) => [k, v.length])),
		unknown: log.unknown,
		failedMs: log.failedMs,
		errorsWhileUp: Object.fromEntries(log.errorsWhileUp),
		...verdict.figures,
		violations: verdict.violations,
	};
	printSummary(summary);
	if (opts.json) {
		mkdirSync(path.dirname(opts.json), { recursive: true });
		writeFileSync(opts.json, JSON.stringify(summary, null, 2));
	}
	process.exit(verdict.violations.length === 0 ? 0 : 1);
}

function printSummary(s) {
	const acked = Object.values(s.acked).reduce((a, b) => a + b, 0);
	const unknown = Object.values(s.unknown).reduce((a, b) => a + b, 0);
	console.log(`soak: ${s.kills} kills survived in ${(s.totalMs / 1000).toFixed(1)} s (seed ${s.seed})`);
	console.log(`soak: ${acked} operations acknowledged, ${unknown} unknown (in flight at a kill or failed)`);
	console.log("  kind        acked  unknown");
	for (const kind of Object.keys(s.acked)) {
		console.log(`  ${kind.padEnd(10)} ${String(s.acked[kind]).padStart(6)} ${String(s.unknown[kind]).padStart(8)}`);
	}
	console.log(`soak: checked ${s.checked} acknowledged operations: ${s.lost} lost, ${s.duplicated} applied twice`);
	console.log(`soak: ${s.events} events seen, ${s.redelivered} queue messages / alarms delivered more than once (allowed: at least once)`);
	console.log(`soak: cron: ${s.cronTicks} ticks on ${s.cronActors} actors, ${s.cronGaps} gaps checked, ${s.cronMissed} too long`);
	if (Object.keys(s.errorsWhileUp).length > 0) {
		console.log("soak: calls that failed while the server was up:");
		for (const [msg, n] of Object.entries(s.errorsWhileUp)) console.log(`  ${n} × ${msg}`);
	}
	if (s.violations.length === 0) {
		console.log("soak: OK, nothing acknowledged was lost or applied twice");
	} else {
		console.log(`soak: FAILED, ${s.violations.length} violations:`);
		for (const v of s.violations.slice(0, 40)) console.log(`  ${v}`);
	}
}

main().catch(async (err) => {
	console.error("soak: aborted:", err);
	try {
		console.error(server?.logTail(30));
		await server?.dispose();
	} catch {}
	process.exit(2);
});
