// conformance-fixtures.md §1 (durability) and §8 (durable on acknowledgement):
// acknowledged state survives a graceful restart and SIGKILL.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startServer, notOnEngine, WHY_NOT } from "./helpers/server.mjs";
import {
	ENCODINGS,
	call,
	disposeClient,
	disposeConn,
	expectActorError,
	makeClient,
	ms,
	sleep,
	uid,
} from "./helpers/util.mjs";

const T = { timeout: ms(120_000) };

describe("durability", { timeout: ms(600_000) }, () => {
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

	before(async () => {
		server = await startServer({ label: "durability" });
	});
	after(async () => {
		await dropClients();
		await server?.dispose();
	});

	test("graceful restart keeps state, keys and actor ids", T, async () => {
		const c = client("bare");
		const actors = Array.from({ length: 10 }, (_, i) => ({ key: ["graceful", uid(`g${i}`)], expect: 0 }));
		for (const [i, a] of actors.entries()) {
			a.id = await c.counter.getOrCreate(a.key).resolve();
			for (let j = 0; j <= i; j++) a.expect = await call(c.counter.getOrCreate(a.key), "increment", j + 1);
		}
		const created = await c.counter.create(["graceful", uid("created")]);
		const createdId = await created.resolve();
		await call(created, "setCount", -77);
		const inputKey = [uid("graceful-input")];
		const input = { label: "persisted", start: 5, extra: ["ü", 1.5, null] };
		await call(c.withInput.getOrCreate(inputKey, { createWithInput: input }), "increment", 1);
		await dropClients();

		const stopped = await server.stop();
		assert.ok(!stopped.forced, `server did not exit within the grace period after SIGTERM (log: ${server.logFile})`);
		await server.restart();

		for (const enc of ENCODINGS) {
			const d = client(enc);
			for (const a of actors) {
				assert.equal(await d.counter.get(a.key).resolve(), a.id, `id of ${a.key} after restart`);
				assert.equal(await call(d.counter.getForId(a.id), "getCount"), a.expect, `count of ${a.key}`);
				assert.equal(await call(d.counter.getOrCreate(a.key), "getCount"), a.expect);
			}
			assert.equal(await call(d.counter.getForId(createdId), "getCount"), -77);
			assert.deepEqual(await call(d.withInput.getOrCreate(inputKey, { createWithInput: { label: "ignored" } }), "getState"), {
				input,
				label: "persisted",
				count: 6,
				onCreateInput: input,
			});
		}
		await dropClients();
	});

	for (const [round, encoding] of ENCODINGS.entries()) {
		test(`SIGKILL right after the last acknowledgement keeps every increment [${encoding}]`, T, async () => {
			const c = client(encoding);
			const keys = Array.from({ length: 10 }, (_, i) => ["kill9", uid(`r${round}-a${i}`)]);
			const ids = await Promise.all(keys.map((k) => c.counter.getOrCreate(k).resolve()));
			// 200 concurrent increments, 20 per actor.
			const jobs = [];
			for (let n = 0; n < 20; n++) {
				for (const k of keys) jobs.push(call(c.counter.getOrCreate(k), "increment", 1));
			}
			const results = await Promise.all(jobs);
			await server.kill9();
			assert.equal(results.length, 200);
			await dropClients();
			await server.restart();

			const d = client(encoding);
			for (const [i, k] of keys.entries()) {
				assert.equal(await call(d.counter.getForId(ids[i]), "getCount"), 20, `actor ${k} lost acknowledged increments`);
				assert.equal(await d.counter.get(k).resolve(), ids[i]);
			}
			await dropClients();
		});
	}

	test("SIGKILL with increments in flight: acknowledged ≤ count ≤ sent", notOnEngine(WHY_NOT.connectedAtKill, T), async () => {
		const c = client("cbor");
		const keys = Array.from({ length: 10 }, (_, i) => ["inflight", uid(`a${i}`)]);
		const ids = await Promise.all(keys.map((k) => c.counter.getOrCreate(k).resolve()));
		const conns = keys.slice(0, 5).map((k) => c.counter.getOrCreate(k).connect());
		await Promise.all(conns.map((conn) => call(conn, "getCount")));
		const acked = keys.map(() => 0);
		const sent = keys.map(() => 0);
		let total = 0;
		let killed = false;
		const killAt = 150;
		let killPromise;
		const jobs = [];
		// Keep issuing increments (half over WebSocket) until the server is killed.
		for (let wave = 0; wave < 40 && !killed; wave++) {
			for (const [i, k] of keys.entries()) {
				if (killed) break;
				sent[i] += 1;
				const target = i < 5 && wave % 2 ? conns[i] : c.counter.getOrCreate(k);
				jobs.push(
					call(target, "increment", 1).then(
						() => {
							acked[i] += 1;
							total += 1;
							if (total === killAt && !killed) {
								killed = true;
								killPromise = server.kill9();
							}
						},
						() => {},
					),
				);
			}
			await sleep(5);
		}
		await Promise.race([Promise.allSettled(jobs), sleep(ms(20_000))]);
		if (!killed) {
			killed = true;
			killPromise = server.kill9();
		}
		await killPromise;
		const ackedAtKill = [...acked];
		await Promise.all(conns.map(disposeConn));
		await dropClients();
		await server.restart();

		const d = client("json");
		for (const [i, k] of keys.entries()) {
			const count = await call(d.counter.getForId(ids[i]), "getCount");
			assert.ok(
				count >= ackedAtKill[i] && count <= sent[i],
				`actor ${k}: count ${count} must be between acknowledged ${ackedAtKill[i]} and sent ${sent[i]}`,
			);
		}
		await dropClients();
	});

	test("SIGKILL keeps create(), setCount over a connection and input-created state", notOnEngine(WHY_NOT.connectedAtKill, T), async () => {
		const c = client("bare");
		const k = ["kill9-create", uid("c")];
		const h = await c.counter.create(k);
		const id = await h.resolve();
		const conn = h.connect();
		assert.equal(await call(conn, "setCount", 12345), 12345);
		const inputKey = [uid("kill9-input")];
		const input = { label: "crash", start: 40 };
		assert.equal(await call(c.withInput.getOrCreate(inputKey, { createWithInput: input }), "increment", 2), 42);
		await server.kill9();
		await disposeConn(conn);
		await dropClients();
		await server.restart();

		const d = client("bare");
		assert.equal(await d.counter.get(k).resolve(), id);
		assert.equal(await call(d.counter.getForId(id), "getCount"), 12345);
		const err = await expectActorError(d.counter.create(k), { group: "actor", code: "duplicate_key" });
		assert.equal(err.metadata?.existing_actor_id, id);
		assert.deepEqual(await call(d.withInput.getOrCreate(inputKey), "getState"), {
			input,
			label: "crash",
			count: 42,
			onCreateInput: input,
		});
		// A fresh connection works after the crash restart and sees the state.
		const conn2 = d.counter.getForId(id).connect();
		try {
			assert.equal(await call(conn2, "increment", 1), 12346);
		} finally {
			await disposeConn(conn2);
		}
		await dropClients();
	});

	test("repeated crash/restart cycles keep accumulating", T, async () => {
		const k = ["cycles", uid("c")];
		let expected = 0;
		for (let cycle = 0; cycle < 3; cycle++) {
			const c = client(ENCODINGS[cycle]);
			assert.equal(await call(c.counter.getOrCreate(k), "getCount"), expected, `cycle ${cycle} start`);
			const results = await Promise.all(Array.from({ length: 10 }, () => call(c.counter.getOrCreate(k), "increment", 2)));
			expected += 20;
			assert.equal(Math.max(...results), expected);
			await server.kill9();
			await dropClients();
			await server.restart();
		}
		const c = client("json");
		assert.equal(await call(c.counter.getOrCreate(k), "getCount"), expected);
		await dropClients();
	});
});
