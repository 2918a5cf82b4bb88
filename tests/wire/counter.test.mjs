// conformance-fixtures.md §3.1 `counter`: state, events, keys, identity.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startServer, notOnEngine, WHY_NOT } from "./helpers/server.mjs";
import {
	ENCODINGS,
	call,
	collect,
	disposeClient,
	disposeConn,
	expectActorError,
	makeClient,
	ms,
	serializeKey,
	sleep,
	uid,
	waitFor,
} from "./helpers/util.mjs";

const T = { timeout: ms(30_000) };

let server;
before(async () => {
	server = await startServer({ label: "counter" });
});
after(async () => {
	await server?.dispose();
});

const range = (n) => Array.from({ length: n }, (_, i) => i + 1);
const sorted = (xs) => [...xs].sort((a, b) => a - b);

for (const encoding of ENCODINGS) {
	describe(`counter [${encoding}]`, { timeout: ms(240_000) }, () => {
		let client;
		let other; // a second, independent client of the same encoding
		before(() => {
			client = makeClient(server.endpoint, encoding);
			other = makeClient(server.endpoint, encoding);
		});
		after(async () => {
			await disposeClient(client);
			await disposeClient(other);
		});

		const key = (label) => [uid(`${label}-${encoding}`)];

		describe("stateless actions", () => {
			test("increment, setCount and getCount", T, async () => {
				const h = client.counter.getOrCreate(key("basic"));
				assert.equal(await call(h, "getCount"), 0);
				assert.equal(await call(h, "increment", 5), 5);
				assert.equal(await call(h, "increment", -2), 3);
				assert.equal(await call(h, "getCount"), 3);
				assert.equal(await call(h, "setCount", 42), 42);
				assert.equal(await call(h, "getCount"), 42);
				// The proxy shorthand that applications use.
				assert.equal(await h.increment(1), 43);
				assert.equal(await h.getCount(), 43);
			});

			test("state is shared by every handle of the same key", T, async () => {
				const k = key("shared");
				await call(client.counter.getOrCreate(k), "increment", 7);
				assert.equal(await call(other.counter.getOrCreate(k), "getCount"), 7);
				assert.equal(await call(client.counter.get(k), "getCount"), 7);
			});

			test("20 concurrent increments all apply", T, async () => {
				const h = client.counter.getOrCreate(key("conc20"));
				await call(h, "getCount"); // create first
				const results = await Promise.all(range(20).map(() => call(h, "increment", 1)));
				assert.deepEqual(sorted(results), range(20));
				assert.equal(await call(h, "getCount"), 20);
			});

			test("concurrent getOrCreate of one new key reaches one actor", notOnEngine(WHY_NOT.keyRace, T), async () => {
				const k = key("race");
				const results = await Promise.all(
					range(10).map((i) => call((i % 2 ? client : other).counter.getOrCreate(k), "increment", 1)),
				);
				assert.deepEqual(sorted(results), range(10));
				assert.equal(await call(client.counter.getOrCreate(k), "getCount"), 10);

				const k2 = key("race-resolve");
				const ids = await Promise.all(
					range(10).map((i) => (i % 2 ? client : other).counter.getOrCreate(k2).resolve()),
				);
				assert.equal(new Set(ids).size, 1, `resolve() returned several ids: ${ids}`);
				const ident = await call(client.counter.getOrCreate(k2), "getIdentity");
				assert.equal(ident.actorId, ids[0]);
			});
		});

		describe("keys", () => {
			const cases = [
				["several components", () => ["a", uid("b"), "c"]],
				["empty components", () => ["", uid("mid"), ""]],
				["trailing empty component", () => [uid("lead"), ""]],
				["slashes", () => ["a/b", uid("c/d/"), "/"]],
				["spaces", () => ["with space", uid(" lead"), "trail "]],
				["non-ASCII", () => ["ключ", uid("日本語"), "🎉 émoji"]],
				["backslashes", () => ["back\\slash", uid("x"), "\\0"]],
				["URL-special characters", () => ["x+y", uid("a&b=c"), "100%", "q?x#y"]],
			];
			for (const [label, make] of cases) {
				test(`key with ${label} is returned exactly and addresses one actor`, T, async () => {
					const k = make();
					const h = client.counter.getOrCreate(k);
					assert.deepEqual(await call(h, "getKey"), k, "getKey over the query gateway");
					const ident = await call(h, "getIdentity");
					assert.deepEqual(ident.key, k);
					// Resolving through the management API must find the same actor.
					const id = await client.counter.getOrCreate(k).resolve();
					assert.equal(id, ident.actorId, "getOrCreate(key).resolve() vs getIdentity().actorId");
					assert.equal(await client.counter.get(k).resolve(), id, "get(key).resolve()");
					assert.deepEqual(await call(client.counter.getForId(id), "getKey"), k, "getForId(id).getKey()");
					// State written through one path is read through the other.
					await call(client.counter.getForId(id), "increment", 3);
					assert.equal(await call(client.counter.get(k), "getCount"), 3);
				});
			}

			test("keys differing only in one character or component split are different actors", T, async () => {
				const base = uid("split");
				const a = await client.counter.getOrCreate([base, "x"]).resolve();
				const b = await client.counter.getOrCreate([`${base}/x`]).resolve();
				const c = await client.counter.getOrCreate([base, "x", ""]).resolve();
				const d = await client.counter.getOrCreate([base, "y"]).resolve();
				assert.equal(new Set([a, b, c, d]).size, 4, `ids: ${[a, b, c, d]}`);
			});

			test('string key "x" and ["x"] are the same actor', T, async () => {
				const s = uid("str");
				await call(client.counter.getOrCreate(s), "increment", 4);
				assert.equal(await call(client.counter.getOrCreate([s]), "getCount"), 4);
				assert.deepEqual(await call(client.counter.getOrCreate(s), "getKey"), [s]);
				assert.equal(await client.counter.getOrCreate(s).resolve(), await client.counter.get([s]).resolve());
			});

			test("the same key under another actor name is another actor", T, async () => {
				const k = key("cross-name");
				const counterId = await client.counter.getOrCreate(k).resolve();
				const otherId = await client.withInput.getOrCreate(k).resolve();
				assert.notEqual(counterId, otherId);
				await call(client.counter.getOrCreate(k), "increment", 2);
				const st = await call(client.withInput.getOrCreate(k), "getState");
				assert.equal(st.count, 0, "withInput state must be untouched by counter.increment");
				assert.equal(await call(client.counter.getOrCreate(k), "getCount"), 2);
			});
		});

		describe("identity and resolution", () => {
			test("resolve(), getForId() and getIdentity() agree", T, async () => {
				const k = key("ident");
				const h = client.counter.getOrCreate(k);
				const id = await h.resolve();
				assert.equal(typeof id, "string");
				assert.ok(id.length > 0);
				const ident = await call(h, "getIdentity");
				assert.deepEqual(ident, { name: "counter", key: k, actorId: id });
				const byId = client.counter.getForId(id);
				assert.equal(await byId.resolve(), id);
				assert.deepEqual(await call(byId, "getIdentity"), ident);
				assert.equal(await client.counter.get(k).resolve(), id);
				await call(byId, "increment", 9);
				assert.equal(await call(h, "getCount"), 9);
				// A second client resolves the same id.
				assert.equal(await other.counter.get(k).resolve(), id);
			});

			test("create() makes an actor; a second create() of the key fails with actor.duplicate_key", notOnEngine(WHY_NOT.keyRace, T), async () => {
				const k = key("create");
				const h = await client.counter.create(k);
				const id = await h.resolve();
				assert.deepEqual(await call(h, "getIdentity"), { name: "counter", key: k, actorId: id });
				assert.equal(await call(h, "increment", 1), 1);
				assert.equal(await client.counter.get(k).resolve(), id);
				assert.equal(await call(client.counter.getOrCreate(k), "getCount"), 1);

				const err = await expectActorError(client.counter.create(k), { group: "actor", code: "duplicate_key" }, "create() twice");
				assert.deepEqual(err.metadata, { key: serializeKey(k), existing_actor_id: id }, "duplicate_key metadata");
				// The existing actor is unharmed.
				assert.equal(await call(h, "getCount"), 1);
			});

			test("create() of a key made by getOrCreate() fails with duplicate_key (multi-component key)", notOnEngine(WHY_NOT.keyRace, T), async () => {
				const k = ["dup/a", uid("dup"), ""];
				const id = await client.counter.getOrCreate(k).resolve();
				const err = await expectActorError(client.counter.create(k), { group: "actor", code: "duplicate_key" });
				assert.deepEqual(err.metadata, { key: serializeKey(k), existing_actor_id: id }, "duplicate_key metadata");
			});

			test("concurrent create() of one key: exactly one wins, the rest get duplicate_key", notOnEngine(WHY_NOT.keyRace, T), async () => {
				const k = key("create-race");
				const results = await Promise.allSettled(range(6).map(() => client.counter.create(k)));
				const won = results.filter((r) => r.status === "fulfilled");
				const lost = results.filter((r) => r.status === "rejected");
				assert.equal(won.length, 1, `expected one create() to win, got ${won.length}`);
				const id = await won[0].value.resolve();
				for (const r of lost) {
					assert.equal(r.reason?.group, "actor", String(r.reason));
					assert.equal(r.reason?.code, "duplicate_key", String(r.reason));
					assert.equal(r.reason?.metadata?.existing_actor_id, id);
				}
			});

			test("get().resolve() of a never-created key fails with actor.not_found", T, async () => {
				await expectActorError(client.counter.get(key("missing-resolve")).resolve(), {
					group: "actor",
					code: "not_found",
				});
			});

			test("get() action on a never-created key fails with actor.not_found (after client retries)", T, async () => {
				const k = key("missing");
				const t0 = Date.now();
				await expectActorError(call(client.counter.get(k), "getCount"), { group: "actor", code: "not_found" });
				assert.ok(Date.now() - t0 < ms(20_000));
				// get() must not have created it.
				await expectActorError(client.counter.get(k).resolve(), { group: "actor", code: "not_found" });
			});
		});

		describe("connections and events", () => {
			test("actions over a connection", T, async () => {
				const k = key("conn");
				const h = client.counter.getOrCreate(k);
				const conn = h.connect();
				try {
					assert.equal(await call(conn, "increment", 2), 2);
					assert.equal(await call(conn, "setCount", 10), 10);
					assert.equal(await call(conn, "getCount"), 10);
					assert.equal(await conn.increment(1), 11); // proxy shorthand
					assert.deepEqual(await call(conn, "getKey"), k);
					const ident = await call(conn, "getIdentity");
					assert.equal(ident.name, "counter");
					assert.deepEqual(ident.key, k);
					assert.equal(ident.actorId, await h.resolve());
					assert.equal(conn.actorId, ident.actorId, "conn.actorId (from Init)");
					assert.equal(typeof conn.connectionId, "string");
					// Stateless and connection calls see the same state.
					assert.equal(await call(h, "getCount"), 11);
				} finally {
					await disposeConn(conn);
				}
			});

			test("a connection receives the events its own actions cause", T, async () => {
				const conn = client.counter.getOrCreate(key("own-events")).connect();
				try {
					const ev = collect(conn, "newCount");
					assert.equal(await call(conn, "increment", 2), 2);
					assert.equal(await call(conn, "setCount", 10), 10);
					assert.equal(await call(conn, "increment", 5), 15);
					await waitFor("3 newCount events", () => ev.values.length >= 3);
					await sleep(50);
					assert.deepEqual(ev.values, [2, 10, 15]);
				} finally {
					await disposeConn(conn);
				}
			});

			test("an action's own events arrive before its response (conformance-notes 58)", T, async () => {
				const conn = client.counter.getOrCreate(key("ev-before-resp")).connect();
				try {
					const ev = collect(conn, "newCount");
					await call(conn, "getCount");
					for (let i = 1; i <= 5; i++) {
						assert.equal(await call(conn, "increment", 1), i);
						assert.deepEqual(ev.values, range(i), `after the response of increment #${i}`);
					}
				} finally {
					await disposeConn(conn);
				}
			});

			test("events reach every subscribed connection in order, incl. another client's stateless calls", T, async () => {
				const k = key("fanout");
				const a = client.counter.getOrCreate(k).connect();
				const b = other.counter.getOrCreate(k).connect();
				try {
					const ea = collect(a, "newCount");
					const eb = collect(b, "newCount");
					// A round trip on each socket: the subscription (sent first) is in place.
					await call(a, "getCount");
					await call(b, "getCount");
					for (let i = 0; i < 5; i++) await call(other.counter.getOrCreate(k), "increment", 1);
					for (let i = 0; i < 5; i++) await call(a, "increment", 1);
					await waitFor("10 events on both connections", () => ea.values.length >= 10 && eb.values.length >= 10);
					await sleep(50);
					assert.deepEqual(ea.values, range(10), "connection A");
					assert.deepEqual(eb.values, range(10), "connection B");
				} finally {
					await disposeConn(a);
					await disposeConn(b);
				}
			});

			test("events of 20 concurrent increments arrive in emission order on every connection", T, async () => {
				const k = key("burst");
				const conns = [0, 1, 2].map((i) => (i === 1 ? other : client).counter.getOrCreate(k).connect());
				try {
					const evs = conns.map((c) => collect(c, "newCount"));
					await Promise.all(conns.map((c) => call(c, "getCount")));
					const h = client.counter.getOrCreate(k);
					const results = await Promise.all(
						range(20).map((i) => (i % 2 ? call(h, "increment", 1) : call(conns[0], "increment", 1))),
					);
					assert.deepEqual(sorted(results), range(20));
					await waitFor("20 events everywhere", () => evs.every((e) => e.values.length >= 20));
					await sleep(50);
					for (const [i, e] of evs.entries()) assert.deepEqual(e.values, range(20), `connection ${i}`);
				} finally {
					await Promise.all(conns.map(disposeConn));
				}
			});

			test("events reach a connection of another encoding", T, async () => {
				const k = key("x-enc");
				const foreign = ENCODINGS.find((e) => e !== encoding);
				const fc = makeClient(server.endpoint, foreign);
				const conn = client.counter.getOrCreate(k).connect();
				try {
					const ev = collect(conn, "newCount");
					await call(conn, "getCount");
					await call(fc.counter.getOrCreate(k), "increment", 3);
					await call(fc.counter.getOrCreate(k), "setCount", 2 ** 40);
					await waitFor("2 events", () => ev.values.length >= 2);
					assert.deepEqual(ev.values, [3, 2 ** 40]);
					assert.equal(typeof ev.values[1], "number");
				} finally {
					await disposeConn(conn);
					await disposeClient(fc);
				}
			});

			test("once() fires a single time", T, async () => {
				const conn = client.counter.getOrCreate(key("once")).connect();
				try {
					const seen = [];
					conn.once("newCount", (v) => seen.push(v));
					const all = collect(conn, "newCount");
					await call(conn, "getCount");
					await call(conn, "increment", 1);
					await call(conn, "increment", 1);
					await call(conn, "increment", 1);
					await waitFor("3 events", () => all.values.length >= 3);
					await sleep(50);
					assert.deepEqual(seen, [1]);
					assert.deepEqual(all.values, [1, 2, 3]);
				} finally {
					await disposeConn(conn);
				}
			});

			test("unsubscribe stops delivery; subscribing again resumes it", T, async () => {
				const k = key("unsub");
				const a = client.counter.getOrCreate(k).connect();
				const b = other.counter.getOrCreate(k).connect();
				try {
					const ea = collect(a, "newCount");
					const eb = collect(b, "newCount");
					await call(a, "getCount");
					await call(b, "getCount");
					await call(client.counter.getOrCreate(k), "increment", 1);
					await waitFor("first event on A and B", () => ea.values.length >= 1 && eb.values.length >= 1);
					ea.off();
					await call(a, "getCount"); // unsubscribe request is processed
					await call(client.counter.getOrCreate(k), "increment", 1);
					await call(client.counter.getOrCreate(k), "increment", 1);
					await waitFor("3 events on B", () => eb.values.length >= 3);
					await sleep(100);
					assert.deepEqual(ea.values, [1], "A unsubscribed after the first event");
					assert.deepEqual(eb.values, [1, 2, 3]);

					const again = collect(a, "newCount");
					await call(a, "getCount");
					await call(client.counter.getOrCreate(k), "increment", 1);
					await waitFor("event after re-subscribing", () => again.values.length >= 1);
					assert.deepEqual(again.values, [4]);
				} finally {
					await disposeConn(a);
					await disposeConn(b);
				}
			});

			test("20 concurrent increments over one connection", T, async () => {
				const conn = client.counter.getOrCreate(key("conn-conc")).connect();
				try {
					const results = await Promise.all(range(20).map(() => call(conn, "increment", 1)));
					assert.deepEqual(sorted(results), range(20));
					assert.equal(await call(conn, "getCount"), 20);
				} finally {
					await disposeConn(conn);
				}
			});

			test("connect() to a getForId handle and to a create() handle", T, async () => {
				const k = key("conn-id");
				const created = await client.counter.create(k);
				const id = await created.resolve();
				const c1 = created.connect();
				const c2 = client.counter.getForId(id).connect();
				try {
					const e2 = collect(c2, "newCount");
					await call(c2, "getCount");
					assert.equal(await call(c1, "increment", 6), 6);
					assert.equal(await call(c2, "getCount"), 6);
					await waitFor("event on the getForId connection", () => e2.values.length >= 1);
					assert.deepEqual(e2.values, [6]);
				} finally {
					await disposeConn(c1);
					await disposeConn(c2);
				}
			});
		});
	});
}
