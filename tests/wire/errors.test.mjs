// conformance-fixtures.md §3.9 `errors`: structured errors and masking.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startServer } from "./helpers/server.mjs";
import {
	ActorError,
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

const T = { timeout: ms(30_000) };

const SIMPLE = { group: "user", code: "user_error", message: "Something went wrong", metadata: null };
const DETAILED = {
	group: "user",
	code: "out_of_stock",
	message: "Out of stock",
	metadata: { sku: "widget-7", available: 0, tags: ["a", "b"] },
};
const INTERNAL = { code: "internal_error", message: "An internal error occurred", metadata: null };
const NOT_FOUND = { group: "actor", code: "action_not_found", message: "Action `noSuchAction` was not found." };

/** The masked internal error must not carry the original text anywhere. */
function assertNoLeak(err) {
	const seen = new Set();
	const dump = JSON.stringify(
		{ message: err.message, metadata: err.metadata, group: err.group, code: err.code, cause: String(err.cause ?? "") },
		(_, v) => {
			if (typeof v === "bigint") return String(v);
			if (v && typeof v === "object") {
				if (seen.has(v)) return undefined;
				seen.add(v);
			}
			return v;
		},
	);
	assert.ok(!dump.includes("hunter2"), `internal error leaks its text: ${dump}`);
	assert.ok(!String(err.stack ?? "").includes("hunter2"), "internal error text leaks into the stack");
}

let server;
before(async () => {
	server = await startServer({ label: "errors" });
});
after(async () => {
	await server?.dispose();
});

for (const encoding of ENCODINGS) {
	describe(`errors [${encoding}]`, { timeout: ms(180_000) }, () => {
		let client;
		before(() => {
			client = makeClient(server.endpoint, encoding);
		});
		after(() => disposeClient(client));

		const key = (label) => [uid(`${label}-${encoding}`)];

		describe("stateless (HTTP)", () => {
			test("throwSimple → user.user_error without metadata", T, async () => {
				const h = client.errors.getOrCreate(key("simple"));
				const err = await expectActorError(call(h, "throwSimple"), SIMPLE);
				assert.ok(err instanceof Error);
			});

			test("throwDetailed → user.out_of_stock with metadata", T, async () => {
				const h = client.errors.getOrCreate(key("detailed"));
				await expectActorError(call(h, "throwDetailed"), DETAILED);
				// Through the proxy shorthand too.
				await expectActorError(h.throwDetailed(), DETAILED);
			});

			test("throwInternal → masked internal_error, no leak", T, async () => {
				const h = client.errors.getOrCreate(key("internal"));
				const err = await expectActorError(call(h, "throwInternal"), INTERNAL);
				assertNoLeak(err);
			});

			test("unknown action → actor.action_not_found with the exact message", T, async () => {
				const h = client.errors.getOrCreate(key("nf"));
				await expectActorError(call(h, "noSuchAction"), NOT_FOUND);
				await expectActorError(call(h, "noSuchAction", 1, "two", { three: 3 }), NOT_FOUND, "with arguments");
			});

			test("the actor keeps working after errors; state is intact", T, async () => {
				const k = key("after");
				const h = client.errors.getOrCreate(k);
				assert.equal(await call(h, "ok"), "ok");
				await expectActorError(call(h, "throwSimple"), SIMPLE);
				await expectActorError(call(h, "throwInternal"), INTERNAL);
				await expectActorError(call(h, "noSuchAction"), NOT_FOUND);
				assert.equal(await call(h, "ok"), "ok");
				// The same holds through a getForId handle.
				const id = await h.resolve();
				await expectActorError(call(client.errors.getForId(id), "throwDetailed"), DETAILED);
				assert.equal(await call(client.errors.getForId(id), "ok"), "ok");
			});

			test("concurrent failing and succeeding calls each get their own outcome", T, async () => {
				const h = client.errors.getOrCreate(key("mixed"));
				const plan = ["ok", "throwDetailed", "ok", "noSuchAction", "throwInternal", "ok", "throwSimple", "ok"];
				const results = await Promise.allSettled(plan.map((name) => call(h, name)));
				checkMixed(plan, results);
			});
		});

		describe("over a connection (WebSocket)", () => {
			test("each error rejects only its action, with group/code/message/metadata", T, async () => {
				const conn = client.errors.getOrCreate(key("ws")).connect();
				const connErrors = [];
				conn.onError((e) => connErrors.push(e));
				try {
					assert.equal(await call(conn, "ok"), "ok");
					const id = conn.connectionId;
					await expectActorError(call(conn, "throwSimple"), SIMPLE);
					assert.equal(await call(conn, "ok"), "ok");
					await expectActorError(call(conn, "throwDetailed"), DETAILED);
					assert.equal(await call(conn, "ok"), "ok");
					const internal = await expectActorError(call(conn, "throwInternal"), INTERNAL);
					assertNoLeak(internal);
					assert.equal(await call(conn, "ok"), "ok");
					await expectActorError(call(conn, "noSuchAction"), NOT_FOUND);
					assert.equal(await call(conn, "ok"), "ok");
					await expectActorError(conn.throwDetailed(), DETAILED); // proxy shorthand
					assert.equal(conn.connectionId, id, "the connection must not have been replaced");
					assert.equal(conn.connStatus, "connected");
					assert.deepEqual(
						connErrors.map((e) => `${e.group}.${e.code}`),
						[],
						"action errors must not be connection errors",
					);
				} finally {
					await disposeConn(conn);
				}
			});

			test("concurrent actions on one socket complete while others fail", T, async () => {
				const conn = client.errors.getOrCreate(key("ws-mixed")).connect();
				try {
					await call(conn, "ok");
					const id = conn.connectionId;
					const plan = [];
					for (let i = 0; i < 4; i++) plan.push("ok", "throwDetailed", "noSuchAction", "ok", "throwInternal", "throwSimple");
					const results = await Promise.allSettled(plan.map((name) => call(conn, name)));
					checkMixed(plan, results);
					assert.equal(await call(conn, "ok"), "ok");
					assert.equal(conn.connectionId, id);
				} finally {
					await disposeConn(conn);
				}
			});

			test("a stateless caller and a connection on the same actor both see errors", T, async () => {
				const k = key("both");
				const conn = client.errors.getOrCreate(k).connect();
				try {
					await call(conn, "ok");
					const [a, b] = await Promise.allSettled([
						call(client.errors.getOrCreate(k), "throwDetailed"),
						call(conn, "throwDetailed"),
					]);
					for (const r of [a, b]) {
						assert.equal(r.status, "rejected");
						assert.ok(r.reason instanceof ActorError);
						assert.equal(r.reason.code, "out_of_stock");
						assert.deepEqual(r.reason.metadata, DETAILED.metadata);
					}
					await sleep(10);
					assert.equal(await call(conn, "ok"), "ok");
				} finally {
					await disposeConn(conn);
				}
			});
		});
	});
}

function checkMixed(plan, results) {
	const expected = { throwDetailed: DETAILED, throwSimple: SIMPLE, throwInternal: INTERNAL, noSuchAction: NOT_FOUND };
	for (const [i, name] of plan.entries()) {
		const r = results[i];
		if (name === "ok") {
			assert.equal(r.status, "fulfilled", `call ${i} (${name}) failed: ${r.reason}`);
			assert.equal(r.value, "ok");
			continue;
		}
		assert.equal(r.status, "rejected", `call ${i} (${name}) should fail`);
		const want = expected[name];
		const err = r.reason;
		assert.ok(err instanceof ActorError, `call ${i} (${name}): ${err}`);
		if (want.group) assert.equal(err.group, want.group, `call ${i} (${name}) group`);
		assert.equal(err.code, want.code, `call ${i} (${name}) code`);
		assert.equal(err.message, want.message, `call ${i} (${name}) message`);
		if (want.metadata === null) assert.ok(err.metadata == null, `call ${i} (${name}) metadata`);
		else if (want.metadata) assert.deepEqual(err.metadata, want.metadata, `call ${i} (${name}) metadata`);
	}
}
