// Two engine nodes, one envoy (rivet-fixtures --engine) on each, the official rivetkit client on
// both endpoints: actors are reachable from either node, and crashes (kill -9) of an envoy and of
// each engine node in turn lose no acknowledged write. Run by scripts/cluster-test.sh, which
// starts the cluster and passes: RIVET_ENDPOINTS ("URL1 URL2"), RIVET_CLUSTER_DIR (for
// local-engine.sh kill-node/start-node), RIVET_FIXTURES (the binary), RIVET_CLUSTER_WORK (logs;
// envoy pids go to its envoy.pids so the script can clean up whatever this file leaves behind).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import fs from "node:fs";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const { createClient } = await import(
  createRequire(path.join(here, "../wire/package.json")).resolve("rivetkit/client")
);

const endpoints = process.env.RIVET_ENDPOINTS.split(" ");
const clusterDir = process.env.RIVET_CLUSTER_DIR;
const fixtures = process.env.RIVET_FIXTURES;
const work = process.env.RIVET_CLUSTER_WORK;
const localEngine = path.join(here, "../../scripts/local-engine.sh");

const clients = endpoints.map((endpoint) =>
  createClient({ endpoint, namespace: "default", poolName: "default", encoding: "json",
                 disableMetadataLookup: true }),
);
const KEYS = ["k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7"];
const acked = new Map(KEYS.map((k) => [k, 0]));     // highest count a reply confirmed
const unsure = new Map(KEYS.map((k) => [k, 0]));    // increments without a reply
const envoys = [null, null];                        // [node 1's, node 2's] {proc, log}
const started = Date.now();
const log = (msg) => console.log(`cluster-test +${((Date.now() - started) / 1000).toFixed(1)}s ${msg}`);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Every wait here has a deadline: a promise that does not settle in `ms` fails.
function within(ms, promise, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

// Retries `fn` (a call through the engine) until it succeeds or `ms` have passed.
async function retry(ms, what, fn) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    try {
      return await within(Math.max(1000, deadline - Date.now()), fn(), what);
    } catch (e) {
      last = e;
      await sleep(500);
    }
  }
  throw new Error(`${what}: still failing after ${ms} ms: ${last?.message ?? last}`);
}

function counter(node, key) {
  return clients[node].counter.getOrCreate([key]);
}

// One increment, its reply recorded: the count it confirms, or one more unsure increment.
async function increment(node, key) {
  unsure.set(key, unsure.get(key) + 1);
  const count = await within(30_000, counter(node, key).increment(1), `increment ${key}`);
  unsure.set(key, unsure.get(key) - 1);
  if (count > acked.get(key)) acked.set(key, count);
  return count;
}

// The count must hold every acknowledged increment; more than the unanswered ones allow would
// mean an increment applied twice (reported, not a loss).
function checkCount(key, count, where) {
  assert.ok(count >= acked.get(key),
            `${key} through ${where}: ${count}, but ${acked.get(key)} was acknowledged`);
  if (count > acked.get(key) + unsure.get(key)) {
    log(`note: ${key} is ${count}, above ${acked.get(key)} acknowledged + ${unsure.get(key)} unanswered`);
  }
}

function startEnvoy(node) {
  const file = path.join(work, `envoy-${node + 1}-${Date.now()}.log`);
  const out = fs.openSync(file, "a");
  // debug: the envoy logs each start command with its actor id, which says where actors run.
  // A data directory of its own: during a rolling restart the old envoy still runs beside it.
  const dataDir = path.join(work, `data-${node + 1}-${Date.now()}`);
  const proc = spawn(fixtures, ["--engine", endpoints[node], "--data-dir", dataDir],
                     { stdio: ["ignore", out, out], env: { ...process.env, RIVET_LOG_LEVEL: "debug" } });
  fs.closeSync(out);
  fs.appendFileSync(path.join(work, "envoy.pids"), `${proc.pid}\n`);
  envoys[node] = { proc, log: file };
  return file;
}

async function waitConnected(node, since = 0) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const text = fs.readFileSync(envoys[node].log, "utf8");
    if (text.split("\n").filter((l) => l.includes("engine connected")).length > since) return;
    if (envoys[node].proc.exitCode !== null) break;
    await sleep(100);
  }
  throw new Error(`envoy on node ${node + 1} did not connect (${envoys[node].log})`);
}

function killEnvoy(node) {
  envoys[node].proc.kill("SIGKILL");
}

// Which envoy (0 or 1) got the latest start command for each actor id, from the envoys' logs.
function placements() {
  const latest = new Map();
  for (const file of fs.readdirSync(work).filter((f) => f.startsWith("envoy-") && f.endsWith(".log"))) {
    const node = Number(file.split("-")[1]) - 1;
    for (const line of fs.readFileSync(path.join(work, file), "utf8").split("\n")) {
      const m = line.match(/^ts=(\S+) .*msg="engine: start" actor_id=(\S+)/);
      if (m && (!latest.has(m[2]) || latest.get(m[2]).ts < m[1])) latest.set(m[2], { ts: m[1], node });
    }
  }
  return latest;
}

const actorIds = new Map();
async function hostOf(key) {
  if (!actorIds.has(key)) {
    const id = await within(30_000, counter(0, key).getIdentity(), `identity ${key}`);
    actorIds.set(key, id.actorId);
  }
  return placements().get(actorIds.get(key))?.node;
}

function engine(cmd, node) {
  execFileSync("bash", [localEngine, cmd, String(node + 1), "--dir", clusterDir],
               { stdio: ["ignore", "inherit", "inherit"], timeout: 60_000 });
}

// Increments on every key through both nodes until `stop()` is called; one call in flight per
// key. Returns stop(), which resolves once each key's last call has settled (or timed out).
function writeLoad() {
  let running = true;
  const loops = KEYS.map(async (key, i) => {
    for (let n = i; running; n++) {
      try {
        await increment(n % 2, key);
      } catch {
        await sleep(200);  // the node or the envoy is gone: its reply is unsure
      }
    }
  });
  return async () => {
    running = false;
    await Promise.all(loops);
  };
}

// New actors until envoy `node` hosts at least two (the engine picks where a new actor runs), so
// that a crash there has actors to move.
async function placeSomeOn(node) {
  for (let i = 0; i < 16; i++) {
    const here = await Promise.all(KEYS.map(hostOf));
    if (here.filter((h) => h === node).length >= 2) return;
    const key = `p${node}-${i}`;
    KEYS.push(key);
    acked.set(key, 0);
    unsure.set(key, 0);
    await increment(node, key);
  }
  throw new Error(`the engine placed no actor on envoy ${node + 1}`);
}

async function checkAll(node, deadlineMs) {
  const t0 = Date.now();
  for (const key of KEYS) {
    const count = await retry(deadlineMs - (Date.now() - t0), `getCount ${key} through node ${node + 1}`,
                              () => counter(node, key).getCount());
    checkCount(key, count, `node ${node + 1}`);
  }
  return Date.now() - t0;
}

// A rolling restart of both envoys, so that every actor is loaded again from the engine's KV: a
// running actor answers from memory and would hide a write that reached the engine late (an envoy
// cut off from a dead node sends its queued writes when it reconnects). New envoys connect first,
// then the old ones drain (SIGTERM) and the engine moves their actors to the new ones. Draining
// both before new ones are up leaves the engine nowhere to put the actors: they wait in its
// reallocation backoff, which doubles per attempt up to 2 s * 2^8, and each request for such an
// actor postpones its next attempt (docs/engine-protocol.md, "Engine behaviour we met").
async function reloadAndCheck() {
  await sleep(2000);
  const old = envoys.slice();
  startEnvoy(0);
  startEnvoy(1);
  await Promise.all([waitConnected(0), waitConnected(1)]);
  for (const e of old) e.proc.kill("SIGTERM");
  await within(30_000, Promise.all(old.map((e) => e.proc.exitCode !== null ? null
    : new Promise((resolve) => e.proc.once("exit", resolve)))), "old envoys drain");
  await checkAll(0, 120_000);
  await checkAll(1, 60_000);
}

test("setup: an envoy on each node", { timeout: 60_000 }, async () => {
  startEnvoy(0);
  startEnvoy(1);
  await Promise.all([waitConnected(0), waitConnected(1)]);
  log(`envoys connected to ${endpoints.join(" and ")}`);
});

test("either node reaches any actor", { timeout: 120_000 }, async () => {
  for (const [i, key] of KEYS.entries()) {
    const made = i % 2;               // created through node 1 or node 2...
    assert.equal(await increment(made, key), 1);
    assert.equal(await increment(1 - made, key), 2);  // ...and called through the other
    assert.equal(await within(30_000, counter(made, key).getCount(), "getCount"), 2);
  }
  const hosts = await Promise.all(KEYS.map(hostOf));
  log(`actors on envoy 1: ${hosts.filter((h) => h === 0).length}, envoy 2: ${hosts.filter((h) => h === 1).length}`);
});

test("a connection through one node gets events of calls through the other", { timeout: 60_000 }, async () => {
  for (const [listen, call] of [[0, 1], [1, 0]]) {
    const key = KEYS[listen];
    const conn = counter(listen, key).connect();
    try {
      const seen = [];
      conn.on("newCount", (v) => seen.push(v));
      // An action over the connection first: the socket through this node is open.
      const own = await within(30_000, conn.increment(1), "increment over the connection");
      if (own > acked.get(key)) acked.set(key, own);
      const count = await increment(call, key);
      const deadline = Date.now() + 30_000;
      while (!seen.includes(count) && Date.now() < deadline) await sleep(50);
      assert.ok(seen.includes(own) && seen.includes(count),
                `events ${own} and ${count} through node ${listen + 1} (saw ${seen})`);
    } finally {
      await within(10_000, conn.dispose(), "dispose").catch(() => {});
    }
  }
});

test("kill -9 of an envoy: its actors come back on the other with every acknowledged write",
     { timeout: 180_000 }, async () => {
  const hosts = new Map();
  for (const key of KEYS) hosts.set(key, await hostOf(key));
  // The envoy with more actors dies (both have some, unless the engine put all on one).
  const victim = [...hosts.values()].filter((h) => h === 0).length >=
                 [...hosts.values()].filter((h) => h === 1).length ? 0 : 1;
  const moved = KEYS.filter((k) => hosts.get(k) === victim);
  const stop = writeLoad();
  await sleep(1500);
  killEnvoy(victim);
  const killedAt = Date.now();
  log(`killed envoy ${victim + 1} (hosting ${moved.join(" ")}) under load`);
  await sleep(500);
  await within(90_000, stop(), "write load settles");
  const took = await checkAll(1 - victim, 150_000);
  log(`all counts back through node ${2 - victim} ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill (checks ${took} ms)`);
  for (const key of moved) {
    assert.equal(await hostOf(key), 1 - victim, `${key} runs on the surviving envoy`);
  }
  for (const key of KEYS) await increment(victim, key);  // the dead envoy's node still routes
  startEnvoy(victim);
  await waitConnected(victim);
  await reloadAndCheck();
  log("every count read back from the engine by new envoys");
});

for (const dead of [0, 1]) {
  test(`kill -9 of engine node ${dead + 1}: nothing acknowledged is lost, node ${2 - dead} serves`,
       { timeout: 300_000 }, async () => {
    const alive = 1 - dead;
    await placeSomeOn(dead);
    const hosts = await Promise.all(KEYS.map(hostOf));
    const moved = KEYS.filter((k, i) => hosts[i] === dead);
    const stop = writeLoad();
    await sleep(1500);
    engine("kill-node", dead);
    const killedAt = Date.now();
    log(`killed engine node ${dead + 1} under load (its envoy hosts ${moved.join(" ")})`);
    await sleep(500);
    await within(90_000, stop(), "write load settles");
    const took = await checkAll(alive, 180_000);
    log(`all counts back through node ${alive + 1} ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill (checks ${took} ms)`);
    for (const key of moved) {
      assert.equal(await hostOf(key), alive, `${key} runs on the envoy of node ${alive + 1}`);
    }
    for (const key of KEYS) await retry(60_000, `increment ${key}`, () => increment(alive, key));
    // A connection with an event through the surviving node.
    const conn = counter(alive, KEYS[0]).connect();
    try {
      const event = new Promise((resolve) => conn.on("newCount", resolve));
      const out = await within(30_000, conn.increment(1), "increment over the connection");
      if (out > acked.get(KEYS[0])) acked.set(KEYS[0], out);
      assert.equal(await within(30_000, event, "newCount event"), out);
    } finally {
      await within(10_000, conn.dispose(), "dispose").catch(() => {});
    }
    // The dead node's envoy gave up (exit status 3) once its link was down for half the engine's
    // lost threshold, so that none of its stale writes can reach the engine later.
    const envoy = envoys[dead].proc;
    await within(30_000, envoy.exitCode !== null ? null : new Promise((r) => envoy.once("exit", r)),
                 "the cut-off envoy exits");
    assert.equal(envoy.exitCode, 3, "the cut-off envoy's exit status");
    // The node comes back, and a new envoy with it.
    engine("start-node", dead);
    startEnvoy(dead);
    await waitConnected(dead);
    await checkAll(dead, 120_000);
    log(`node ${dead + 1} is back and serves every actor`);
    await reloadAndCheck();
    log("every count read back from the engine by new envoys");
  });
}

test("finally: both nodes see the same counts, none below what was acknowledged",
     { timeout: 120_000 }, async () => {
  await sleep(2000);
  for (const key of KEYS) {
    const a = await retry(60_000, `getCount ${key}`, () => counter(0, key).getCount());
    const b = await retry(60_000, `getCount ${key}`, () => counter(1, key).getCount());
    checkCount(key, a, "node 1");
    assert.equal(a, b, `${key}: node 1 says ${a}, node 2 says ${b}`);
  }
  log(`counts: ${KEYS.map((k) => `${k}=${acked.get(k)}`).join(" ")}`);
  for (const e of envoys) e?.proc.kill("SIGTERM");
});
