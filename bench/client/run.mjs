#!/usr/bin/env node
// The counter fixture through the official rivetkit client (2.3.19), next to the floors
// measured in the same run: `make bench-client` (docs/benchmarks.md, "Through the official client").
//
//   node bench/client/run.mjs [--encoding bare|json|cbor] [--seconds S] [--smoke] ...
//   node bench/client/run.mjs --help
//
// Starts build/bin/rivet-fixtures on a temp data dir, measures one call at a time (and 64
// connections on 64 actors), counts what the client sends per call through a counting proxy,
// prints a table and writes JSON (build/bench-client.json). Exit status 1 when a figure could
// not be measured (missed targets are not failures), 77 when node_modules is not installed.

import { execSync, spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { countEvents, describeEvent, startCountingProxy } from "./lib/proxy.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "..", "..");

// ---- options --------------------------------------------------------------------------------

const HELP = `usage: node bench/client/run.mjs [options]
  --encoding E      bare (default) | json | cbor: the client's encoding
  --seconds S       timed part of each latency case (default 2.5)
  --warmup N        calls before each timed part (default 300)
  --max-count N     at most N timed calls per case (default 200000)
  --conns N         connections (one actor each) of the throughput case (default 64)
  --window S        throughput window in seconds (default 3)
  --count-calls N   calls per case in the counting pass (default 20)
  --fixtures PATH   the fixture server (default $RIVET_FIXTURES or build/bin/rivet-fixtures)
  --json PATH       where the JSON goes (default build/bench-client.json)
  --smoke           tiny counts: checks the run completes and every figure is there (< 10 s)
`;

function parseArgs(argv) {
	const o = {
		encoding: "bare",
		seconds: 2.5,
		warmup: 300,
		maxCount: 200_000,
		conns: 64,
		window: 3,
		countCalls: 20,
		fixtures: process.env.RIVET_FIXTURES || path.join(repoRoot, "build", "bin", "rivet-fixtures"),
		json: path.join(repoRoot, "build", "bench-client.json"),
		smoke: false,
	};
	const num = (v, name) => {
		const n = Number(v);
		if (!Number.isFinite(n) || n < 0) throw new Error(`${name}: not a number: ${v}`);
		return n;
	};
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		const next = () => {
			if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
			return argv[++i];
		};
		switch (a) {
			case "--encoding":
				o.encoding = next();
				if (!["bare", "json", "cbor"].includes(o.encoding)) throw new Error(`--encoding: ${o.encoding}`);
				break;
			case "--seconds": o.seconds = num(next(), a); break;
			case "--warmup": o.warmup = num(next(), a); break;
			case "--max-count": o.maxCount = num(next(), a); break;
			case "--conns": o.conns = Math.max(1, num(next(), a) | 0); break;
			case "--window": o.window = num(next(), a); break;
			case "--count-calls": o.countCalls = Math.max(1, num(next(), a) | 0); break;
			case "--fixtures": o.fixtures = path.resolve(next()); break;
			case "--json": o.json = path.resolve(next()); break;
			case "--smoke": o.smoke = true; break;
			case "-h":
			case "--help":
				process.stdout.write(HELP);
				process.exit(0);
			default:
				throw new Error(`unknown option ${a}\n${HELP}`);
		}
	}
	if (o.smoke) {
		o.seconds = Math.min(o.seconds, 0.2);
		o.warmup = Math.min(o.warmup, 10);
		o.window = Math.min(o.window, 0.5);
		o.conns = Math.min(o.conns, 8);
		o.countCalls = Math.min(o.countCalls, 3);
	}
	return o;
}

let opt;
try {
	opt = parseArgs(process.argv.slice(2));
} catch (err) {
	console.error(`bench-client: ${err.message}`);
	process.exit(2);
}

if (!fs.existsSync(path.join(here, "node_modules", "rivetkit"))) {
	console.error("bench-client: bench/client/node_modules is missing; run `make deps` (scripts/install-deps.sh)");
	process.exit(77);
}
process.env.RIVET_LOG_LEVEL ??= "error";
const { createClient } = await import("rivetkit/client");
const { default: WebSocket, WebSocketServer } = await import("ws");

// ---- helpers --------------------------------------------------------------------------------

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const nowUs = () => Number(process.hrtime.bigint()) / 1000;

function percentile(sorted, p) {
	if (!sorted.length) return NaN;
	const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
	return sorted[i];
}

let CLK_TCK = 100;
try {
	CLK_TCK = Number(execSync("getconf CLK_TCK", { encoding: "utf8" }).trim()) || 100;
} catch {}

/** utime + stime of a process, in µs (clock-tick resolution). */
function procCpuUs(pid) {
	try {
		const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
		const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
		return ((Number(f[11]) + Number(f[12])) * 1e6) / CLK_TCK;
	} catch {
		return NaN;
	}
}

function clientCpuUs() {
	const u = process.cpuUsage();
	return u.user + u.system;
}

function machineInfo() {
	let cpu = "";
	try {
		cpu = (fs.readFileSync("/proc/cpuinfo", "utf8").match(/model name\s*:\s*(.*)/) || [])[1] || "";
	} catch {}
	return {
		nproc: os.availableParallelism?.() ?? os.cpus().length,
		cpu,
		kernel: `${os.type()} ${os.release()}`,
		node: process.version,
		load_start: os.loadavg().map((x) => Number(x.toFixed(2))),
	};
}

// ---- the fixture server -----------------------------------------------------------------------

async function startFixtures(binary, dataDir, logFile) {
	if (!fs.existsSync(binary)) throw new Error(`fixture server not found: ${binary} (make build)`);
	const log = fs.createWriteStream(logFile);
	const child = spawn(binary, ["--port", "0", "--data-dir", dataDir], { stdio: ["ignore", "pipe", "pipe"] });
	child.stderr.pipe(log);
	const port = await new Promise((resolve, reject) => {
		let buf = "";
		const timer = setTimeout(() => reject(new Error("fixture server printed no endpoint within 30 s")), 30_000);
		child.stdout.on("data", (c) => {
			log.write(c);
			buf += c.toString("utf8");
			const m = buf.match(/http:\/\/127\.0\.0\.1:(\d+)/);
			if (m) {
				clearTimeout(timer);
				resolve(Number(m[1]));
			}
		});
		child.on("exit", (code, sig) => {
			clearTimeout(timer);
			reject(new Error(`fixture server exited early (code ${code}, signal ${sig}); log: ${logFile}`));
		});
	});
	const endpoint = `http://127.0.0.1:${port}`;
	for (let i = 0; ; i++) {
		try {
			const r = await fetch(`${endpoint}/metadata`);
			await r.arrayBuffer();
			if (r.ok) break;
		} catch (err) {
			if (i > 300) throw err;
		}
		await sleep(20);
	}
	return {
		child,
		port,
		endpoint,
		pid: child.pid,
		async stop() {
			if (child.exitCode !== null || child.signalCode !== null) return;
			child.removeAllListeners("exit");
			const gone = new Promise((r) => child.once("exit", r));
			child.kill("SIGTERM");
			const t = setTimeout(() => child.kill("SIGKILL"), 10_000);
			await gone;
			clearTimeout(t);
		},
	};
}

// ---- measuring ------------------------------------------------------------------------------

/**
 * One call at a time: `warmup` calls, then calls until `seconds` or `maxCount`.
 * Returns latencies (µs), and the client's and the server's CPU per call (µs).
 */
async function latencyCase(name, rawFn, serverPid) {
	progress(name);
	const fn = () => bounded(rawFn(), name);
	for (let i = 0; i < opt.warmup; i++) await fn();
	const samples = [];
	const c0 = clientCpuUs();
	const s0 = procCpuUs(serverPid);
	const end = nowUs() + opt.seconds * 1e6;
	while (samples.length < opt.maxCount) {
		const t0 = nowUs();
		await fn();
		const t1 = nowUs();
		samples.push(t1 - t0);
		if (t1 >= end) break;
	}
	const c1 = clientCpuUs();
	const s1 = procCpuUs(serverPid);
	samples.sort((a, b) => a - b);
	const n = samples.length;
	return {
		n,
		p50: percentile(samples, 50),
		p99: percentile(samples, 99),
		mean: samples.reduce((a, b) => a + b, 0) / n,
		client_cpu_us: (c1 - c0) / n,
		server_cpu_us: serverPid ? (s1 - s0) / n : null,
	};
}

const CALL_TIMEOUT_MS = 10_000;

/** Rejects when one call takes longer than CALL_TIMEOUT_MS: a stuck call fails the run, never hangs it. */
function bounded(promise, what) {
	let timer;
	const limit = new Promise((_, reject) => {
		timer = setTimeout(() => reject(new Error(`${what}: a call did not complete within ${CALL_TIMEOUT_MS} ms`)), CALL_TIMEOUT_MS);
	});
	return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

function progress(what) {
	if (process.env.BENCH_CLIENT_QUIET !== "1") console.error(`bench-client: ${what}`);
}

/** 200 × (append 4 KiB, fdatasync) in dir: p50 and p99 in µs. */
function fdatasyncCase(dir, count) {
	const file = path.join(dir, "fdatasync-probe");
	const fd = fs.openSync(file, "a");
	const block = Buffer.alloc(4096, 0x5a);
	const samples = [];
	try {
		for (let i = 0; i < count; i++) {
			const t0 = nowUs();
			fs.writeSync(fd, block);
			fs.fdatasyncSync(fd);
			samples.push(nowUs() - t0);
		}
	} finally {
		fs.closeSync(fd);
		fs.rmSync(file, { force: true });
	}
	samples.sort((a, b) => a - b);
	return { n: count, p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

/** A WebSocket round trip: send `msg`, wait for the next message. */
function wsRoundTripper(ws) {
	let waiter = null;
	ws.on("message", (data) => {
		const w = waiter;
		waiter = null;
		w?.(data);
	});
	return (msg) =>
		new Promise((resolve) => {
			waiter = resolve;
			ws.send(msg);
		});
}

function openWs(url, protocols) {
	return new Promise((resolve, reject) => {
		const ws = new WebSocket(url, protocols);
		// The server may send its first message (Init, welcome) in the same read as the 101:
		// listen before `open`, so it is never missed.
		ws.first = new Promise((r) => ws.once("message", r));
		ws.once("open", () => resolve(ws));
		ws.once("error", reject);
		ws.once("unexpected-response", (_req, res) => reject(new Error(`${url}: HTTP ${res.statusCode}`)));
	});
}

/** The first message of a socket opened by openWs (the rawSocket welcome, the client protocol's Init). */
function firstMessage(ws) {
	return ws.first;
}

/** Throughput: one connection per actor, one call in flight each, replies counted inside the window. */
async function throughputCase(conns, call, serverPid) {
	let running = true;
	let inWindow = false;
	let done = 0;
	let errors = 0;
	const loops = conns.map(async (conn) => {
		while (running) {
			try {
				await call(conn);
				if (inWindow) done++;
			} catch {
				errors++;
				if (errors > 100) throw new Error("throughput case: too many failed calls");
			}
		}
	});
	await sleep(opt.smoke ? 100 : 500); // warm-up: every connection open and busy
	const c0 = clientCpuUs();
	const s0 = procCpuUs(serverPid);
	const t0 = nowUs();
	inWindow = true;
	await sleep(opt.window * 1000);
	inWindow = false;
	const t1 = nowUs();
	const c1 = clientCpuUs();
	const s1 = procCpuUs(serverPid);
	running = false;
	await Promise.all(loops);
	const seconds = (t1 - t0) / 1e6;
	return {
		n: done,
		errors,
		actions_per_s: done / seconds,
		client_cpu_us: done ? (c1 - c0) / done : NaN,
		server_cpu_us: done ? (s1 - s0) / done : NaN,
	};
}

/** Counting pass: `count` calls after 3 unrecorded ones; per-call counts, and one call's listing. */
async function countCase(proxy, fn, count) {
	for (let i = 0; i < 3; i++) await fn();
	proxy.reset();
	await fn();
	const one = proxy.events.filter((e) => e.kind !== "chunk").map(describeEvent);
	proxy.reset();
	for (let i = 0; i < count; i++) await fn();
	const c = countEvents(proxy.events);
	proxy.reset();
	return {
		calls: count,
		http_requests_per_call: c.http / count,
		ws_messages_per_call: (c.wsC2S + c.wsS2C) / count,
		ws_client_to_server_per_call: c.wsC2S / count,
		ws_server_to_client_per_call: c.wsS2C / count,
		tcp_connects_per_call: c.conns / count,
		tcp_reads_client_to_server_per_call: c.chunksC2S / count,
		tcp_reads_server_to_client_per_call: c.chunksS2C / count,
		one_call: one,
	};
}

// ---- the run --------------------------------------------------------------------------------

const figures = [];
function figure(workload, name, value, unit, target = null) {
	const f = { workload, figure: name, value, unit, target: null, target_op: null, status: null };
	if (target) {
		f.target = target.value;
		f.target_op = target.op;
		f.target_note = target.note ?? null;
		if (Number.isFinite(value) && Number.isFinite(target.value)) {
			const ok = target.op === "<" ? value < target.value : target.op === "<=" ? value <= target.value : value >= target.value;
			f.status = ok ? "met" : "MISSED";
		}
	}
	figures.push(f);
	return f;
}

function fmt(v, unit) {
	if (v === null || v === undefined || !Number.isFinite(v)) return "n/a";
	if (unit === "per call" || unit === "per action") return v.toFixed(2);
	if (Math.abs(v) >= 1000) return v.toFixed(0);
	return v.toFixed(1);
}

function printTable(header) {
	const rows = figures.map((f) => [
		f.workload,
		f.figure,
		`${fmt(f.value, f.unit)} ${f.unit}`,
		f.target === null ? "" : `${f.target_op} ${fmt(f.target, f.unit)}${f.target_note ? ` (${f.target_note})` : ""}`,
		f.status ?? "",
	]);
	const head = ["workload", "figure", "value", "target", "status"];
	const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
	const line = (r) => `| ${r.map((c, i) => (i === 2 ? c.padStart(w[i]) : c.padEnd(w[i]))).join(" | ")} |`;
	console.log(header);
	console.log(line(head));
	console.log(`|${w.map((x, i) => (i === 2 ? "-".repeat(x + 1) + ":" : "-".repeat(x + 2))).join("|")}|`);
	for (const r of rows) console.log(line(r));
}

const machine = machineInfo();
const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), "rivet-bench-client-"));
const dataDir = path.join(tmpRoot, "data");
fs.mkdirSync(dataDir, { recursive: true });
const runId = `${Date.now().toString(36)}-${process.pid}`;
const key = (label) => [`bench-${label}-${runId}`];

let server;
let proxy;
let nodeHttp;
let nodeWss;
const clients = [];
const sockets = [];
const wire = {};
const cases = {};
let failed = false;

try {
	server = await startFixtures(opt.fixtures, dataDir, path.join(tmpRoot, "server.log"));
	const ep = server.endpoint;
	console.error(`bench-client: ${opt.fixtures} on ${ep} (pid ${server.pid}), encoding ${opt.encoding}${opt.smoke ? ", smoke" : ""}`);

	// Floors ------------------------------------------------------------------------------------
	cases.fdatasync = fdatasyncCase(dataDir, opt.smoke ? 20 : 200);

	cases.fetch_metadata = await latencyCase("fetch_metadata", async () => {
		const r = await fetch(`${ep}/metadata`);
		await r.arrayBuffer();
		if (!r.ok) throw new Error(`GET /metadata: ${r.status}`);
	}, server.pid);

	nodeHttp = http.createServer((_req, res) => {
		res.writeHead(200, { "content-type": "text/plain" });
		res.end("ok");
	});
	await new Promise((r) => nodeHttp.listen(0, "127.0.0.1", r));
	const nodeUrl = `http://127.0.0.1:${nodeHttp.address().port}/`;
	cases.fetch_node = await latencyCase("fetch_node", async () => {
		const r = await fetch(nodeUrl);
		await r.arrayBuffer();
	}, null);

	// Raw WebSocket to our server: the rawSocket fixture answers "ping" with "pong" (§6.2).
	const setup = createClient({ endpoint: ep, encoding: opt.encoding });
	clients.push(setup);
	const rawId = await setup.rawSocket.getOrCreate(key("raw")).resolve();
	const rawUrl = `ws://127.0.0.1:${server.port}/gateway/${rawId}/websocket/bench`;
	progress("ws_raw: open");
	const raw = await openWs(rawUrl, ["rivet", "rivet_encoding.bare"]);
	sockets.push(raw);
	await bounded(firstMessage(raw), "rawSocket welcome");
	const rawRt = wsRoundTripper(raw);
	cases.ws_raw = await latencyCase("ws_raw", async () => {
		const reply = await rawRt("ping");
		if (String(reply) !== "pong") throw new Error(`rawSocket answered ${reply}`);
	}, server.pid);

	// The client protocol's simplest round trip, framed by hand over a plain `ws` socket:
	// bare ToServer ActionRequest{id, "getCount", CBOR []} on /gateway/<id>/connect, one at a time.
	const protoId = await setup.counter.getOrCreate(key("plain-ws")).resolve();
	progress("ws_plain_getcount: open");
	const plain = await openWs(`ws://127.0.0.1:${server.port}/gateway/${protoId}/connect`, ["rivet", "rivet_encoding.bare"]);
	sockets.push(plain);
	await bounded(firstMessage(plain), "plain WebSocket Init");
	const plainRt = wsRoundTripper(plain);
	let actionId = 0;
	const name = Buffer.from("getCount");
	cases.ws_plain_getcount = await latencyCase("ws_plain_getcount", async () => {
		const id = actionId++ % 128; // one-byte uint varint
		const msg = Buffer.concat([Buffer.from([4, 0, 0, id, name.length]), name, Buffer.from([1, 0x80])]);
		const reply = Buffer.from(await plainRt(msg));
		if (reply[2] !== 2) throw new Error(`plain getCount: expected ActionResponse, got tag ${reply[2]}`);
	}, server.pid);

	// The same stateless action as a plain fetch: POST /gateway/<id>/action/getCount with a bare
	// HttpActionRequest{args: CBOR []} body, the headers the client sends (§5.1, §5.2).
	const fetchId = await setup.counter.getOrCreate(key("plain-fetch")).resolve();
	const actionUrl = `${ep}/gateway/${fetchId}/action/getCount`;
	const actionBody = new Uint8Array([4, 0, 1, 0x80]);
	cases.fetch_action = await latencyCase("fetch_action", async () => {
		const r = await fetch(actionUrl, {
			method: "POST",
			headers: { "content-type": "application/octet-stream", "x-rivet-encoding": "bare" },
			body: actionBody,
		});
		await r.arrayBuffer();
		if (!r.ok) throw new Error(`plain POST action/getCount: ${r.status}`);
	}, server.pid);

	// A trivial Node WebSocket echo server in this process: the floor of the ws package itself.
	nodeWss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
	await new Promise((r) => nodeWss.once("listening", r));
	nodeWss.on("connection", (s) => s.on("message", (d, isBinary) => s.send(d, { binary: isBinary })));
	const echo = await openWs(`ws://127.0.0.1:${nodeWss.address().port}/`);
	sockets.push(echo);
	const echoRt = wsRoundTripper(echo);
	cases.ws_node = await latencyCase("ws_node", () => echoRt("ping"), null);

	// Through the official client ----------------------------------------------------------------
	const client = createClient({ endpoint: ep, encoding: opt.encoding });
	clients.push(client);

	const h = client.counter.getOrCreate(key("http"));
	await h.resolve();
	cases.http_getcount = await latencyCase("http_getcount", () => h.getCount(), server.pid);

	const hid = client.counter.getForId(await client.counter.getOrCreate(key("http-id")).resolve());
	cases.http_getcount_by_id = await latencyCase("http_getcount_by_id", () => hid.getCount(), server.pid);

	const conn = client.counter.getOrCreate(key("ws")).connect();
	await conn.getCount();
	cases.ws_getcount = await latencyCase("ws_getcount", () => conn.getCount(), server.pid);
	cases.ws_increment = await latencyCase("ws_increment", () => conn.increment(1), server.pid);

	const many = [];
	for (let i = 0; i < opt.conns; i++) many.push(client.counter.getOrCreate(key(`many-${i}`)).connect());
	await Promise.all(many.map((c) => c.getCount()));
	cases.ws_increment_many = await throughputCase(many, (c) => c.increment(1), server.pid);
	await Promise.all(many.map((c) => c.dispose().catch(() => {})));
	await conn.dispose().catch(() => {});

	// Counting pass through the proxy -------------------------------------------------------------
	proxy = await startCountingProxy(server.port);
	const counted = createClient({ endpoint: `http://127.0.0.1:${proxy.port}`, encoding: opt.encoding });
	clients.push(counted);
	const ch = counted.counter.getOrCreate(key("http"));
	// The first call of a fresh client: what resolving costs (metadata, actor lookup).
	proxy.reset();
	await ch.resolve();
	wire.first_resolve = { one_call: proxy.events.filter((e) => e.kind !== "chunk").map(describeEvent) };
	wire.http_getcount = await countCase(proxy, () => ch.getCount(), opt.countCalls);
	const chid = counted.counter.getForId(await ch.resolve());
	wire.http_getcount_by_id = await countCase(proxy, () => chid.getCount(), opt.countCalls);
	proxy.reset();
	const cconn = counted.counter.getOrCreate(key("ws-counted")).connect();
	await cconn.getCount();
	wire.ws_connect = { one_call: proxy.events.filter((e) => e.kind !== "chunk").map(describeEvent) };
	wire.ws_getcount = await countCase(proxy, () => cconn.getCount(), opt.countCalls);
	wire.ws_increment = await countCase(proxy, () => cconn.increment(1), opt.countCalls);
	await cconn.dispose().catch(() => {});
	const cmany = [];
	for (let i = 0; i < Math.min(opt.conns, 8); i++) cmany.push(counted.counter.getOrCreate(key(`many-${i}`)).connect());
	await Promise.all(cmany.map((c) => c.getCount()));
	wire.ws_increment_many = await countCase(proxy, () => Promise.all(cmany.map((c) => c.increment(1))), opt.countCalls);
	// Per action, not per round of all connections.
	for (const k of Object.keys(wire.ws_increment_many)) {
		if (k.endsWith("_per_call")) wire.ws_increment_many[k] /= cmany.length;
	}
	wire.ws_increment_many.note = `one listed call = ${cmany.length} increments, one per connection`;
	await Promise.all(cmany.map((c) => c.dispose().catch(() => {})));
} catch (err) {
	failed = true;
	console.error(`bench-client: ${err.stack || err}`);
}

// ---- teardown -------------------------------------------------------------------------------

for (const s of sockets) s.terminate();
for (const c of clients) await Promise.race([c.dispose().catch(() => {}), sleep(3000)]);
await proxy?.close().catch(() => {});
nodeHttp?.close();
nodeHttp?.closeAllConnections?.();
nodeWss?.close();
await server?.stop().catch(() => {});
machine.load_end = os.loadavg().map((x) => Number(x.toFixed(2)));

// ---- figures --------------------------------------------------------------------------------

const v = (c, k) => cases[c]?.[k] ?? NaN;
const fetchFloor = v("fetch_metadata", "p50");
const wsFloor = v("ws_plain_getcount", "p50");
const fsync = v("fdatasync", "p50");

figure("machine", "fdatasync of a 4 KiB append in the data dir p50", fsync, "us");
figure("floor", "plain fetch GET /metadata (our server) p50", fetchFloor, "us");
figure("floor", "plain fetch GET /metadata (our server) client CPU per call", v("fetch_metadata", "client_cpu_us"), "us");
figure("floor", "plain fetch GET /metadata (our server) server CPU per call", v("fetch_metadata", "server_cpu_us"), "us");
figure("floor", "plain fetch of a trivial Node http server p50", v("fetch_node", "p50"), "us");
figure("floor", "plain fetch POST action/getCount by id, bare body (our server) p50", v("fetch_action", "p50"), "us");
figure("floor", "plain fetch POST action/getCount by id client CPU per call", v("fetch_action", "client_cpu_us"), "us");
figure("floor", "plain fetch POST action/getCount by id server CPU per call", v("fetch_action", "server_cpu_us"), "us");
figure("floor", "plain WebSocket round trip, client-protocol getCount framed by hand (our server) p50", wsFloor, "us");
figure("floor", "plain WebSocket client-protocol getCount client CPU per call", v("ws_plain_getcount", "client_cpu_us"), "us");
figure("floor", "plain WebSocket client-protocol getCount server CPU per call", v("ws_plain_getcount", "server_cpu_us"), "us");
figure("floor", "plain WebSocket round trip, rawSocket ping/pong (our server; each frame changes state) p50", v("ws_raw", "p50"), "us");
figure("floor", "plain WebSocket round trip, trivial Node ws echo p50", v("ws_node", "p50"), "us");

const perCase = [
	["http", "http_getcount", "stateless getCount (getOrCreate handle, resolved)",
		{ value: 1.3 * fetchFloor, op: "<", note: "1.3× fetch floor" }],
	["http", "http_getcount_by_id", "stateless getCount (getForId handle)", null],
	["ws", "ws_getcount", "getCount over connect()", { value: 1.3 * wsFloor, op: "<", note: "1.3× WS floor" }],
	["ws", "ws_increment", "increment (durable) over connect()", { value: fsync + 150, op: "<", note: "fdatasync p50 + 150" }],
];
for (const [wl, c, label, target] of perCase) {
	figure(wl, `${label} p50`, v(c, "p50"), "us", target);
	figure(wl, `${label} p99`, v(c, "p99"), "us");
	figure(wl, `${label} client CPU per call`, v(c, "client_cpu_us"), "us");
	figure(wl, `${label} server CPU per call`, v(c, "server_cpu_us"), "us");
	const w = wire[c];
	if (wl === "http") {
		figure(wl, `${label} HTTP requests per call`, w?.http_requests_per_call ?? NaN, "per call", { value: 1, op: "<=" });
	} else {
		figure(wl, `${label} WS messages per call`, w?.ws_messages_per_call ?? NaN, "per call");
	}
}
const many = cases.ws_increment_many;
const clientBound = many ? 1e6 / many.client_cpu_us : NaN;
figure("ws-many", `increment, ${opt.conns} connections on ${opt.conns} actors, one in flight each`, many?.actions_per_s ?? NaN,
	"actions/s", { value: 0.9 * clientBound, op: ">=", note: "0.9× the client's CPU bound" });
figure("ws-many", "client CPU per action", many?.client_cpu_us ?? NaN, "us");
figure("ws-many", "server CPU per action", many?.server_cpu_us ?? NaN, "us");
figure("ws-many", "WS messages per action", wire.ws_increment_many?.ws_messages_per_call ?? NaN, "per action");

const missing = figures.filter((f) => !Number.isFinite(f.value));
if (missing.length) failed = true;

const header =
	`bench-client: rivetkit 2.3.19 client, encoding ${opt.encoding}, node ${machine.node}, ${machine.nproc} cores (${machine.cpu}), ` +
	`${machine.kernel}\n  load average ${machine.load_start.join(" ")} at the start, ${machine.load_end.join(" ")} at the end; ` +
	`${opt.smoke ? "SMOKE run (tiny counts, figures meaningless)" : `${opt.seconds} s per case, ${opt.conns} connections, ${opt.window} s window`}`;
printTable(header);

console.log("\nwhat the client sends on the wire, per call (counting proxy):");
for (const [c, w] of Object.entries(wire)) {
	const counts =
		w.http_requests_per_call === undefined
			? ""
			: ` — HTTP requests ${fmt(w.http_requests_per_call, "per call")}, WS messages ${fmt(w.ws_client_to_server_per_call, "per call")} up / ` +
				`${fmt(w.ws_server_to_client_per_call, "per call")} down, TCP connects ${fmt(w.tcp_connects_per_call, "per call")}, ` +
				`TCP reads ${fmt(w.tcp_reads_client_to_server_per_call, "per call")} up / ${fmt(w.tcp_reads_server_to_client_per_call, "per call")} down`;
	console.log(`  ${c}${counts}${w.note ? ` (${w.note})` : ""}`);
	for (const line of w.one_call) console.log(`      ${line}`);
}

const out = {
	tool: "bench/client/run.mjs",
	date: new Date().toISOString(),
	command: process.argv.slice(1).join(" "),
	client: "rivetkit 2.3.19",
	encoding: opt.encoding,
	smoke: opt.smoke,
	options: opt,
	machine,
	figures,
	cases,
	wire,
	missing: missing.map((f) => `${f.workload}: ${f.figure}`),
};
fs.mkdirSync(path.dirname(opt.json), { recursive: true });
fs.writeFileSync(opt.json, `${JSON.stringify(out, null, 2)}\n`);
console.log(`results: ${opt.json}`);
fs.rmSync(tmpRoot, { recursive: true, force: true });
if (missing.length) console.error(`bench-client: ${missing.length} figure(s) not measured: ${out.missing.join("; ")}`);
process.exit(failed ? 1 : 0);
