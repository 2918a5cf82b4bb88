// conformance-fixtures.md §3.7 `sleeper`: idle sleep (sleepTimeout 500), wake
// on demand with state intact, connections and running actions keep it awake.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startServer } from "./helpers/server.mjs";
import { ENCODINGS, call, disposeClient, disposeConn, makeClient, ms, sleep, uid } from "./helpers/util.mjs";
import { errText, pollEvery, since } from "./helpers/lifecycle.mjs";

const T = { timeout: ms(30_000) };
/** Poll interval longer than the sleep timeout, so the actor can sleep between looks. */
const SLOW_POLL = ms(800);

let server;
before(async () => {
	server = await startServer({ label: "sleeper" });
});
after(async () => {
	await server?.dispose();
});

/** Polls getCounts every SLOW_POLL ms until sleepCount reaches `n`. */
function sleptTimes(h, n, limit = ms(6_000)) {
	return pollEvery(
		`sleepCount to reach ${n}`,
		SLOW_POLL,
		async () => {
			const counts = await call(h, "getCounts");
			return counts.sleepCount >= n ? counts : false;
		},
		{ limit },
	);
}

for (const encoding of ENCODINGS) {
	describe(`sleeper [${encoding}]`, { timeout: ms(60_000) }, () => {
		let client;
		before(() => {
			client = makeClient(server.endpoint, encoding);
		});
		after(async () => {
			await disposeClient(client);
		});

		test("sleeps when idle and wakes with count intact", T, async () => {
			const h = client.sleeper.getOrCreate([uid(`idle-${encoding}`)]);
			assert.deepEqual(await call(h, "getCounts"), { count: 0, wakeCount: 1, sleepCount: 0 });
			assert.equal(await call(h, "increment", 5), 5);
			assert.equal(await call(h, "increment", 2 ** 40), 5 + 2 ** 40);
			const counts = await sleptTimes(h, 1);
			assert.deepEqual(counts, { count: 5 + 2 ** 40, wakeCount: 2, sleepCount: 1 });
			assert.equal(typeof counts.count, "number");
			assert.equal(await call(h, "increment", -5), 2 ** 40);
		});

		test("sleepNow (HTTP) returns null; the next request wakes it", T, async () => {
			const h = client.sleeper.getOrCreate([uid(`now-${encoding}`)]);
			await call(h, "increment", 3);
			assert.equal(await call(h, "sleepNow"), null);
			assert.deepEqual(await call(h, "getCounts"), { count: 3, wakeCount: 2, sleepCount: 1 });
		});
	});
}

describe("sleeper timing", { timeout: ms(120_000) }, () => {
	let client;
	before(() => {
		client = makeClient(server.endpoint, "cbor");
	});
	after(async () => {
		await disposeClient(client);
	});

	test("an open WebSocket keeps it awake; it sleeps soon after the socket closes", T, async () => {
		const h = client.sleeper.getOrCreate([uid("ws-awake")]);
		const conn = h.connect();
		let closedAt;
		try {
			assert.equal(await call(conn, "increment", 1), 1);
			// No requests at all for 2 s: only the connection is there.
			await sleep(2_000);
			assert.deepEqual(await call(conn, "getCounts"), { count: 1, wakeCount: 1, sleepCount: 0 }, "after 2 s connected");
		} finally {
			await disposeConn(conn);
			closedAt = Date.now();
		}
		const counts = await sleptTimes(h, 1, ms(5_000));
		assert.deepEqual(counts, { count: 1, wakeCount: 2, sleepCount: 1 });
		assert.ok(since(closedAt) <= ms(5_000));
	});

	test("two connections: closing one still keeps it awake", T, async () => {
		const h = client.sleeper.getOrCreate([uid("ws-two")]);
		const a = h.connect();
		const b = h.connect();
		try {
			await call(a, "increment", 1);
			await call(b, "increment", 1);
			await disposeConn(a);
			await sleep(1_200);
			assert.deepEqual(await call(b, "getCounts"), { count: 2, wakeCount: 1, sleepCount: 0 });
		} finally {
			await disposeConn(a);
			await disposeConn(b);
		}
		assert.equal((await sleptTimes(h, 1)).sleepCount, 1);
	});

	test("a running action keeps it awake: hold(2000) reports sleepCount 0", T, async () => {
		const h = client.sleeper.getOrCreate([uid("hold")]);
		await call(h, "increment", 4);
		const t0 = Date.now();
		const counts = await call(h, "hold", 2_000);
		const took = since(t0);
		assert.deepEqual(counts, { count: 4, wakeCount: 1, sleepCount: 0 });
		assert.ok(took >= 1_990, `hold(2000) answered after ${took} ms`);
		// Still the same incarnation right after the action.
		assert.deepEqual(await call(h, "getCounts"), { count: 4, wakeCount: 1, sleepCount: 0 });
	});

	test("repeated sleep/wake cycles (sleepNow and idle) keep state", T, async () => {
		const h = client.sleeper.getOrCreate([uid("cycles")]);
		let expected = 0;
		for (let i = 1; i <= 3; i++) {
			expected += i;
			assert.equal(await call(h, "increment", i), expected);
			assert.equal(await call(h, "sleepNow"), null);
		}
		assert.deepEqual(await call(h, "getCounts"), { count: 6, wakeCount: 4, sleepCount: 3 });
		// Two idle cycles on top.
		await call(h, "increment", 10);
		assert.deepEqual(await sleptTimes(h, 4), { count: 16, wakeCount: 5, sleepCount: 4 });
		await call(h, "increment", 10);
		assert.deepEqual(await sleptTimes(h, 5), { count: 26, wakeCount: 6, sleepCount: 5 });
	});

	test("requests racing a sleepNow all apply once", T, async () => {
		const h = client.sleeper.getOrCreate([uid("race")]);
		await call(h, "getCounts");
		const jobs = [];
		for (let i = 0; i < 10; i++) jobs.push(call(h, "increment", 1));
		jobs.push(call(h, "sleepNow"));
		for (let i = 0; i < 10; i++) jobs.push(call(h, "increment", 1));
		const results = await Promise.all(jobs);
		const counts = results.filter((r) => r !== null).sort((a, b) => a - b);
		assert.deepEqual(counts, Array.from({ length: 20 }, (_, i) => i + 1));
		const after = await call(h, "getCounts");
		assert.equal(after.count, 20);
		assert.ok(after.sleepCount >= 1 && after.wakeCount === after.sleepCount + 1, `counts ${JSON.stringify(after)}`);
	});

	test("sleepNow over a WebSocket answers null; the connection comes back and the actor woke", T, async () => {
		const h = client.sleeper.getOrCreate([uid("ws-sleepnow")]);
		const conn = h.connect();
		try {
			assert.equal(await call(conn, "increment", 7), 7);
			const reply = await call(conn, "sleepNow").then(
				(value) => ({ value }),
				(error) => ({ error }),
			);
			// The client reconnects on its own after the server closes the socket for sleep.
			const counts = await pollEvery(
				"the connection to work again after sleep",
				ms(100),
				async () => {
					const c = await call(conn, "getCounts");
					return c.sleepCount >= 1 ? c : false;
				},
				{ limit: ms(8_000) },
			);
			assert.deepEqual(counts, { count: 7, wakeCount: 2, sleepCount: 1 });
			assert.ok(
				!reply.error,
				`sleepNow over WebSocket must answer null (§2), but the call rejected with ${reply.error && errText(reply.error)}`,
			);
			assert.equal(reply.value, null);
		} finally {
			await disposeConn(conn);
		}
	});
});
