// Starts and controls one fixture server process for a test file.
//
// The binary comes from RIVET_FIXTURES (default: build/bin/rivet-fixtures of
// this repository). Every server writes its stdout/stderr to a log file next
// to its data directory so a failing test can point at what the server said.

import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, createWriteStream, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "..", "..", "..");

/** Absolute path of the fixture server binary under test. */
export function fixtureBinary() {
	const configured = process.env.RIVET_FIXTURES;
	if (configured) return path.resolve(process.cwd(), configured);
	return path.join(repoRoot, "build", "bin", "rivet-fixtures");
}

/**
 * Engine mode: RIVET_WIRE_ENGINE is a Rivet Engine's endpoint (scripts/wire-test-engine.sh starts
 * one). Each server is then the fixture binary started as that engine's envoy (`--engine URL`),
 * listening on no port, and the tests reach it through the engine (server.endpoint is the
 * engine's).
 */
export const ENGINE = process.env.RIVET_WIRE_ENGINE || "";
/** How long that engine waits for a silent envoy (scripts/local-engine.sh; its default 15 s). */
const ENGINE_LOST_THRESHOLD_MS = Number(process.env.RIVET_ENGINE_LOST_THRESHOLD_MS || "15000");

/** Reasons shared by several tests that cannot apply in engine mode. */
export const WHY_NOT = {
	keyRace:
		"the engine's actor API answers a create of a taken key with actor.duplicate_key or actor.destroyed_during_creation at random (a tokio::select! over both outcomes in its pegboard ops/actor/create.rs), and getOrCreate may fail the same way",
	guard:
		"hostile clients meet the engine's guard, not this server: its HTTP parsing, limits, timeouts and close codes are the engine's",
	db:
		"actors with a database (db) cannot run on the engine yet (SQLite in engine mode is not implemented)",
	lostThreshold:
		"it needs a SIGKILLed server's actors back within a few seconds; the engine moves them only once it declares the envoy lost (10 to 20 s here)",
	connectedAtKill:
		"with connections open at the kill, the first request after the restart waited out the gateway's 30 s ready timeout in our runs: the engine still had the actors on the dead envoy (our reading of its code: the actor workflow checks the envoy's liveness only after a lost threshold without any signal, and the reconnecting connections keep sending wakes)",
};

/**
 * Test (or describe) options that skip it in engine mode, with the reason it cannot apply there
 * (docs/engine-protocol.md lists them all): `test(name, notOnEngine("why", T), fn)`.
 */
export function notOnEngine(reason, options = {}) {
	return ENGINE ? { ...options, skip: `not in engine mode: ${reason}` } : options;
}

/** Multiplier for every timeout, e.g. RIVET_WIRE_SLOW=3 under sanitizers. */
export const SLOW = Number(process.env.RIVET_WIRE_SLOW || "1") || 1;

const READY_TIMEOUT_MS = 30_000 * SLOW;
const STOP_TIMEOUT_MS = 15_000 * SLOW;

/** A fresh temporary directory: { root, dataDir }. */
export function makeTempDir(label) {
	const root = mkdtempSync(path.join(tmpdir(), `rivet-wire-${label}-`));
	return { root, dataDir: path.join(root, "data") };
}

function tail(file, lines = 40) {
	try {
		const text = readFileSync(file, "utf8");
		return text.split("\n").slice(-lines).join("\n");
	} catch {
		return "(no server log)";
	}
}

function sleep(ms) {
	return new Promise((r) => setTimeout(r, ms));
}

async function waitForMetadata(endpoint, deadline) {
	let lastError;
	while (Date.now() < deadline) {
		try {
			const res = await fetch(`${endpoint}/metadata`, {
				signal: AbortSignal.timeout(2_000),
			});
			await res.arrayBuffer();
			if (res.ok) return;
			lastError = new Error(`GET /metadata answered ${res.status}`);
		} catch (err) {
			lastError = err;
		}
		await sleep(50);
	}
	throw new Error(`server printed its endpoint but GET ${endpoint}/metadata never succeeded: ${lastError}`);
}

/**
 * Spawns the binary once and resolves with { child, port } when it prints
 * its endpoint line. Rejects (never hangs) when the binary is missing,
 * exits early, or stays silent for READY_TIMEOUT_MS.
 */
function spawnOnce({ binary, port, dataDir, logFile, extraArgs }) {
	return new Promise((resolve, reject) => {
		const log = createWriteStream(logFile, { flags: "a" });
		log.write(`\n===== start ${new Date().toISOString()} port=${port} =====\n`);
		const args = ENGINE
			? ["--engine", ENGINE, "--data-dir", dataDir, ...extraArgs]
			: ["--port", String(port), "--data-dir", dataDir, ...extraArgs];
		// The envoy prints no endpoint of its own: it is ready once connected to the engine.
		const ready = ENGINE ? /rivet envoy connected/ : /http:\/\/127\.0\.0\.1:(\d+)/;
		const child = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
		let settled = false;
		let buffered = "";
		const finish = (err, value) => {
			if (settled) return;
			settled = true;
			clearTimeout(timer);
			if (err) {
				try {
					child.kill("SIGKILL");
				} catch {}
				reject(err);
			} else resolve(value);
		};
		const timer = setTimeout(() => {
			finish(
				new Error(
					`fixture server did not print ${ready} within ${READY_TIMEOUT_MS} ms\n` +
						`command: ${binary} ${args.join(" ")}\nlast log lines (${logFile}):\n${tail(logFile)}`,
				),
			);
		}, READY_TIMEOUT_MS);
		child.stdout.on("data", (chunk) => {
			log.write(chunk);
			if (settled) return;
			buffered += chunk.toString("utf8");
			const m = buffered.match(ready);
			if (m) finish(null, { child, port: ENGINE ? Number(new URL(ENGINE).port) : Number(m[1]) });
			else if (buffered.length > 1 << 16) buffered = buffered.slice(-4096);
		});
		child.stderr.on("data", (chunk) => log.write(chunk));
		child.on("error", (err) => finish(new Error(`cannot start fixture server ${binary}: ${err.message}`)));
		child.on("exit", (code, signal) => {
			log.write(`===== exit code=${code} signal=${signal} =====\n`);
			// Give the log stream a moment so the tail below is complete.
			setTimeout(() => {
				finish(
					new Error(
						`fixture server exited before it was ready (code=${code}, signal=${signal})\n` +
							`command: ${binary} ${args.join(" ")}\nlast log lines (${logFile}):\n${tail(logFile)}`,
					),
				);
			}, 50);
		});
	});
}

/**
 * startServer({ dataDir, label }) → { endpoint, port, dataDir, logFile,
 * stop(), kill9(), restart(), pid }.
 *
 * restart() starts the program again with the SAME port and data dir
 * (stopping it gracefully first if it still runs). `binary` runs another
 * server program than the fixtures (the browser test's rivet-demo).
 */
export async function startServer({ dataDir, label = "server", extraArgs = [], binary = fixtureBinary() } = {}) {
	if (!existsSync(binary)) {
		throw new Error(
			`fixture server binary not found: ${binary}\n` +
				"Build it with `make build`, or point RIVET_FIXTURES at an existing binary.",
		);
	}
	let tmp;
	if (!dataDir) {
		tmp = makeTempDir(label);
		dataDir = tmp.dataDir;
	}
	// Logs go to tests/wire/.logs/<label>.log (overwritten each run) so they
	// outlive the temporary data directory.
	const logDir = process.env.RIVET_WIRE_LOG_DIR || path.resolve(here, "..", ".logs");
	mkdirSync(logDir, { recursive: true });
	const logFile = path.join(logDir, `${label}.log`);
	writeFileSync(logFile, `binary: ${binary}\ndata dir: ${dataDir}\n`);

	let { child, port } = await spawnOnce({ binary, port: 0, dataDir, logFile, extraArgs });
	const endpoint = () => (ENGINE ? ENGINE.replace(/\/$/, "") : `http://127.0.0.1:${port}`);
	await waitForMetadata(endpoint(), Date.now() + READY_TIMEOUT_MS);

	const exited = (c) =>
		new Promise((resolve) => {
			if (c.exitCode !== null || c.signalCode !== null) resolve();
			else c.once("exit", () => resolve());
		});

	const server = {
		get endpoint() {
			return endpoint();
		},
		get port() {
			return port;
		},
		get pid() {
			return child?.pid;
		},
		dataDir,
		logFile,
		binary,
		/** Last lines the server printed (for failure messages). */
		logTail: (n = 40) => tail(logFile, n),
		/** Graceful stop: SIGTERM, then SIGKILL after STOP_TIMEOUT_MS. Resolves {code, signal, forced}. */
		async stop() {
			if (!child) return { code: null, signal: null, forced: false };
			const c = child;
			child = undefined;
			if (c.exitCode !== null || c.signalCode !== null) {
				return { code: c.exitCode, signal: c.signalCode, forced: false };
			}
			c.kill("SIGTERM");
			let forced = false;
			const timer = setTimeout(() => {
				forced = true;
				c.kill("SIGKILL");
			}, STOP_TIMEOUT_MS);
			await exited(c);
			clearTimeout(timer);
			return { code: c.exitCode, signal: c.signalCode, forced };
		},
		/**
		 * Crash: SIGKILL, resolves once the process is gone (in engine mode: once the engine gave up
		 * on it, unless `waitForLost` is false).
		 */
		async kill9({ waitForLost = true } = {}) {
			if (!child) return;
			const c = child;
			child = undefined;
			if (c.exitCode === null && c.signalCode === null) {
				c.kill("SIGKILL");
				await exited(c);
				// The engine ignores a wake for an actor it still believes running on the dead
				// envoy, and such a request then waits out the gateway's 30 s ready timeout. Its
				// actors check the envoy's pings every lost threshold, so after two they are asleep
				// and the next request wakes them on the restarted process at once.
				if (ENGINE && waitForLost) await sleep(2 * ENGINE_LOST_THRESHOLD_MS + 1_000);
			}
		},
		/** Start again on the same port and data dir. */
		async restart() {
			if (child) await server.stop();
			let lastErr;
			// The port may still be held briefly by the previous process.
			for (let attempt = 0; attempt < 5; attempt++) {
				try {
					if (child) await server.kill9();
					const started = await spawnOnce({ binary, port, dataDir, logFile, extraArgs });
					child = started.child;
					if (started.port !== port) {
						throw new Error(`restarted server printed port ${started.port}, expected ${port}`);
					}
					await waitForMetadata(endpoint(), Date.now() + READY_TIMEOUT_MS);
					return server;
				} catch (err) {
					lastErr = err;
					await sleep(500);
				}
			}
			if (child) await server.kill9();
			throw lastErr;
		},
		/** Stop and delete the temporary directory (keeps it when RIVET_WIRE_KEEP=1). */
		async dispose() {
			await server.stop();
			if (tmp && process.env.RIVET_WIRE_KEEP !== "1") {
				rmSync(tmp.root, { recursive: true, force: true });
			}
		},
	};
	return server;
}
