// workflowLab (beyond the conformance fixtures; apps/rivet-fixtures/workflow_lab_fixture.cpp):
// race, try blocks with rollback, version gates and the inspector's workflow history, through
// the official client, plus kill -9 in the middle of a rollback and of a race.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ENGINE, startServer, notOnEngine, WHY_NOT } from "./helpers/server.mjs";
import { call, disposeClient, makeClient, ms, sleep, uid } from "./helpers/util.mjs";
import { pollEvery } from "./helpers/lifecycle.mjs";
import { send, timedSend } from "./helpers/queue.mjs";

const T = { timeout: ms(20_000) };
const WAIT = ms(8_000);

describe("workflowLab", { timeout: ms(60_000) }, () => {
	let server;
	const clients = [];
	const client = (encoding = "json") => {
		const c = makeClient(server.endpoint, encoding);
		clients.push(c);
		return c;
	};
	const dropClients = async () => {
		await Promise.all(clients.splice(0).map(disposeClient));
	};

	before(async () => {
		server = await startServer({ label: "workflow-lab" });
	});
	after(async () => {
		await dropClients();
		await server?.dispose();
	});

	const command = (h, body) => send(h, "commands", body, { wait: true, timeout: WAIT });

	test("race: a timeout wins when no answer comes; an answer wins before the timeout", T, async () => {
		const c = client("cbor");
		const key = [uid("race")];
		const h = () => c.workflowLab.getOrCreate(key);
		const timedOut = await timedSend(h(), "commands", { kind: "race", timeoutMs: 200 }, { wait: true, timeout: WAIT });
		assert.deepEqual(timedOut.result, { status: "completed", response: { winner: "timeout", value: null } });

		const answered = timedSend(h(), "commands", { kind: "race", timeoutMs: 20_000 }, { wait: true, timeout: WAIT });
		await sleep(150);
		await send(h(), "answers", { x: 1 });
		const { result, elapsed } = await answered;
		assert.deepEqual(result, { status: "completed", response: { winner: "answer", value: { x: 1 } } });
		assert.ok(elapsed < 5_000, `the answer won only after ${elapsed} ms`);

		// Asleep and awake again: nothing recorded runs twice, the next race starts fresh.
		await call(h(), "sleepNow");
		await sleep(100);
		const s = await call(h(), "getState");
		assert.equal(s.runs.afterRace, 2);
		assert.equal(s.results.length, 2);
		assert.ok(s.sleepCount >= 1);
	});

	test("try + rollback: compensations run newest first, once, and the error comes back as data", T, async () => {
		const c = client("json");
		const h = () => c.workflowLab.getOrCreate([uid("saga")]);
		const handle = h();
		assert.deepEqual(await command(handle, { kind: "saga", fail: false }), { status: "completed", response: { ok: "shipped" } });
		const failed = await command(handle, { kind: "saga", fail: true });
		assert.deepEqual(failed, {
			status: "completed",
			response: { error: { group: "user", code: "no_truck", message: "no truck" } },
		});
		const s = await call(handle, "getState");
		assert.deepEqual(s.log, ["undo-notify", "undo-charge", "undo-reserve"]);
		assert.deepEqual(s.runs, { reserve: 2, charge: 2, notify: 2, ship: 1 });
	});

	test("version gates: the iteration in flight keeps the old branch, new ones take the latest", T, async () => {
		const c = client("bare");
		const key = [uid("gated")];
		const h = () => c.workflowLab.getOrCreate(key);
		try {
			// Through the engine the first command's sender does not wait: the engine's gateway ends a
			// request whose actor stops (sleepNow below) and sends it again, which would enqueue the
			// command a second time. Its result is read from the state instead.
			const first = send(h(), "commands", { kind: "gated" }, ENGINE ? undefined : { wait: true, timeout: WAIT });
			if (ENGINE) await first;
			await pollEvery("the first command to pass its first step", 20, async () => (await call(h(), "getState")).runs.gatedBefore === 1, { eager: true });
			// Deploy the gate while the iteration waits, and make the workflow replay under it.
			await call(h(), "setCodeVersion", 2);
			await call(h(), "sleepNow");
			// Reading the state after the sleep wakes the actor: the workflow replays under the gate.
			await pollEvery("the actor to sleep", 50, async () => (await call(h(), "getState")).sleepCount >= 1);
			await send(h(), "answers", { go: 1 });
			if (ENGINE) {
				const s = await pollEvery("the first command to finish", 50, async () => {
					const st = await call(h(), "getState");
					return st.results.length >= 1 ? st : false;
				});
				assert.deepEqual(s.results, [{ version: 1 }]);
			} else {
				assert.deepEqual(await first, { status: "completed", response: { version: 1 } });
			}

			const second = send(h(), "commands", { kind: "gated" }, { wait: true, timeout: WAIT });
			await sleep(100);
			await send(h(), "answers", { go: 2 });
			assert.deepEqual(await second, { status: "completed", response: { version: 2 } });
			const s = await call(h(), "getState");
			assert.equal(s.runs.gatedBefore, 2);
			assert.equal(s.runs.gatedAfter, 2);
		} finally {
			await call(h(), "setCodeVersion", 1);
		}
	});

	test("GET /inspector/workflow-history needs the actor's inspector token and lists the entries", T, async () => {
		const c = client("json");
		const handle = c.workflowLab.getOrCreate([uid("history")]);
		await command(handle, { kind: "race", timeoutMs: 10 });
		const id = await handle.resolve();
		const url = `${server.endpoint}/gateway/${id}/inspector/workflow-history`;

		const denied = await fetch(url);
		assert.equal(denied.status, 401);
		assert.equal((await denied.json()).code, "unauthorized");

		const kv = await fetch(`${server.endpoint}/actors/${id}/kv/keys/Aw==?namespace=default`);
		assert.equal(kv.status, 200);
		const token = Buffer.from((await kv.json()).value, "base64").toString();
		const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
		assert.equal(res.status, 200);
		const body = await res.json();
		assert.equal(body.isWorkflowEnabled, true);
		assert.equal(body.history.status, "running");
		// The finished iteration was compacted away: the loop's position is what remains.
		const loop = body.history.entries.find((e) => e.location === "commands");
		assert.equal(loop.status, "running");
		assert.equal(loop.iteration, 1);
		for (const e of body.history.entries) {
			assert.equal(typeof e.recordedAt, "number");
			assert.equal(typeof e.name, "string");
		}

		// A workflow in progress: the race entry is not recorded yet, its sleep is.
		const pending = send(handle, "commands", { kind: "race", timeoutMs: 60_000 });
		await pending;
		const waiting = await pollEvery("the race's sleep in the history", 20, async () => {
			const r = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
			const b = await r.json();
			return b.history.entries.find((e) => e.location === "commands[1]/race/timeout/timeout") && b;
		}, { eager: true });
		const kinds = new Set(waiting.history.entries.map((e) => e.kind));
		assert.ok(kinds.has("loop") && kinds.has("message") && kinds.has("sleep"), `kinds: ${[...kinds]}`);
		const sleepEntry = waiting.history.entries.find((e) => e.location === "commands[1]/race/timeout/timeout");
		assert.equal(sleepEntry.kind, "sleep");
		assert.equal(sleepEntry.status, "sleeping");
		await send(handle, "answers", { late: true });

		// An actor without a workflow.
		const plain = c.counter.getOrCreate([uid("history-plain")]);
		await call(plain, "increment", 1);
		const plainId = await plain.resolve();
		const purl = `${server.endpoint}/gateway/${plainId}/inspector/workflow-history`;
		await fetch(purl); // creates the token
		const pkv = await (await fetch(`${server.endpoint}/actors/${plainId}/kv/keys/Aw==?namespace=default`)).json();
		const ptoken = Buffer.from(pkv.value, "base64").toString();
		const pres = await (await fetch(purl, { headers: { authorization: `Bearer ${ptoken}` } })).json();
		assert.deepEqual(pres, { isWorkflowEnabled: false, history: null });
	});

	test("kill -9 in the middle of a rollback: after the restart no compensation or step runs twice", T, async (t) => {
		const c = client("cbor");
		const key = [uid("k9-saga")];
		const h = () => c.workflowLab.getOrCreate(key);
		await send(h(), "commands", { kind: "saga", fail: true, undoDelayMs: 1_500 });
		// undo-notify is recorded; undo-charge is waiting out its delay.
		const mid = await pollEvery("the first compensation to be recorded", 20, async () => {
			const s = await call(h(), "getState");
			return s.log.length === 1 && s;
		}, { eager: true });
		assert.deepEqual(mid.log, ["undo-notify"]);
		await sleep(300);
		await server.kill9();
		await dropClients();
		await server.restart();

		const d = client("json");
		const after = () => d.workflowLab.getOrCreate(key);
		const s = await pollEvery("the rollback to finish after the restart", 50, async () => {
			const st = await call(after(), "getState");
			return st.results.length === 1 && st;
		}, { eager: true, limit: ms(8_000) });
		t.diagnostic(`runs after the restart: ${JSON.stringify(s.runs)}`);
		assert.deepEqual(s.log, ["undo-notify", "undo-charge", "undo-reserve"]);
		assert.equal(s.runs.reserve, 1);
		assert.equal(s.runs.charge, 1);
		assert.equal(s.runs.notify, 1);
		// The failing step is not recorded, so the replay reaches it again before compensating.
		assert.equal(s.runs.ship, 2);
		assert.deepEqual(s.results, [{ error: { group: "user", code: "no_truck", message: "no truck" } }]);
	});

	test("kill -9 in the middle of a race: the recorded sleep keeps its deadline, the winner is recorded once", notOnEngine(WHY_NOT.lostThreshold, T), async () => {
		const c = client("json");
		const key = [uid("k9-race")];
		const t0 = Date.now();
		await send(c.workflowLab.getOrCreate(key), "commands", { kind: "race", timeoutMs: 2_500 });
		await pollEvery("the race's sleep to be recorded", 20, async () => {
			const id = await c.workflowLab.getOrCreate(key).resolve();
			const kv = await fetch(`${server.endpoint}/actors/${id}/kv/keys/Aw==?namespace=default`);
			if (kv.status !== 200) {
				await fetch(`${server.endpoint}/gateway/${id}/inspector/workflow-history`);
				return false;
			}
			const token = Buffer.from((await kv.json()).value, "base64").toString();
			const r = await fetch(`${server.endpoint}/gateway/${id}/inspector/workflow-history`, {
				headers: { authorization: `Bearer ${token}` },
			});
			return (await r.json()).history.entries.some((e) => e.location === "commands[0]/race/timeout/timeout");
		}, { eager: true });
		await server.kill9();
		await dropClients();
		await server.restart();

		const d = client("cbor");
		const s = await pollEvery("the race to finish after the restart", 50, async () => {
			const st = await call(d.workflowLab.getOrCreate(key), "getState");
			return st.results.length === 1 && st;
		}, { eager: true, limit: ms(8_000) });
		const elapsed = Date.now() - t0;
		assert.deepEqual(s.results, [{ winner: "timeout", value: null }]);
		assert.equal(s.runs.afterRace, 1);
		assert.ok(elapsed < 2_500 + 2_000, `the race ended ${elapsed} ms after it started (deadline 2500 ms)`);
	});
});
