// The inspector HTTP API (docs/inspector.md): every route with the actor's token, a wrong token
// and none; the server-wide token; a state patch that survives a restart and reaches connected
// clients; a sleeping actor that answers and falls asleep again; the management KV route behind
// RIVET_TOKEN. Actors are created and driven through the official client.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startServer, notOnEngine, WHY_NOT } from "./helpers/server.mjs";
import { call, collect, disposeClient, disposeConn, makeClient, ms, sleep, uid, waitFor } from "./helpers/util.mjs";
import { send } from "./helpers/queue.mjs";

const T = { timeout: ms(30_000) };
const SERVER_TOKEN = "server-wide-inspector-token";
const ADMIN_TOKEN = "admin-token-for-kv";

let server;
let client;
before(async () => {
	server = await startServer({
		label: "inspector",
		extraArgs: ["--inspector-token", SERVER_TOKEN, "--admin-token", ADMIN_TOKEN],
	});
	client = makeClient(server.endpoint, "json");
});
after(async () => {
	await disposeClient(client);
	await server?.dispose();
});

async function tokenOf(actorId) {
	const res = await fetch(`${server.endpoint}/actors/${actorId}/kv/keys/Aw==?namespace=default`, {
		headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
	});
	assert.equal(res.status, 200, "the token is readable through the management KV route");
	return Buffer.from((await res.json()).value, "base64").toString();
}

/** fetch() of an inspector route; returns { status, body, headers }. */
async function inspect(actorId, path, { token, method = "GET", body } = {}) {
	const headers = {};
	if (token !== undefined) headers.authorization = `Bearer ${token}`;
	if (body !== undefined) headers["content-type"] = "application/json";
	const res = await fetch(`${server.endpoint}/gateway/${actorId}/inspector/${path}`, {
		method,
		headers,
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	const text = await res.text();
	return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

async function counter(label) {
	const handle = client.counter.getOrCreate([uid(label)]);
	await call(handle, "increment", 2);
	const id = await handle.resolve();
	return { handle, id, token: await tokenOf(id) };
}

const GET_ROUTES = [
	"summary",
	"state",
	"connections",
	"rpcs",
	"queue?limit=5",
	"events?limit=5",
	"traces?startMs=0&limit=50",
	"workflow-history",
];

describe("inspector", { timeout: ms(120_000) }, () => {
	test("every route: 401 without a token, 403 with a wrong one, 200 with the actor's or the server's", T, async () => {
		const { id, token } = await counter("auth");
		assert.match(token, /^[A-Za-z0-9_-]{43}$/, "32 random bytes, base64url");
		for (const route of GET_ROUTES) {
			const none = await inspect(id, route);
			assert.equal(none.status, 401, route);
			assert.deepEqual(
				{ group: none.body.group, code: none.body.code },
				{ group: "inspector", code: "unauthorized" },
			);
			const wrong = await inspect(id, route, { token: `${token}x` });
			assert.equal(wrong.status, 403, route);
			assert.equal(wrong.body.code, "forbidden");
			const own = await inspect(id, route, { token });
			assert.equal(own.status, 200, `${route}: ${JSON.stringify(own.body)}`);
			assert.equal(own.headers.get("content-type"), "application/json");
			assert.equal(own.headers.get("referrer-policy"), "no-referrer");
			const shared = await inspect(id, route, { token: SERVER_TOKEN });
			assert.equal(shared.status, 200, route);
		}
		for (const [method, route, body] of [
			["PATCH", "state", { state: { count: 1 } }],
			["POST", "action/increment", { args: [1] }],
		]) {
			assert.equal((await inspect(id, route, { method, body })).status, 401);
			assert.equal((await inspect(id, route, { method, body, token: "nope" })).status, 403);
		}
		// Another actor's token does not open this one.
		const other = await counter("auth-other");
		assert.equal((await inspect(id, "state", { token: other.token })).status, 403);
		// The scheme is case-insensitive.
		const lower = await fetch(`${server.endpoint}/gateway/${id}/inspector/state`, {
			headers: { authorization: `bearer ${token}` },
		});
		assert.equal(lower.status, 200);
	});

	test("an unknown actor answers like a wrong token; the server token learns it does not exist", notOnEngine("the engine answers for an actor id it does not know; the request never reaches this server", T), async () => {
		const missing = await inspect("doesnotexist000000000000000000", "state", { token: "guess" });
		assert.equal(missing.status, 403);
		assert.equal(missing.body.code, "forbidden");
		const known = await inspect("doesnotexist000000000000000000", "state", { token: SERVER_TOKEN });
		assert.equal(known.status, 404);
		assert.equal(known.body.code, "not_found");
		const { id, token } = await counter("routes-404");
		const route = await inspect(id, "no-such-route", { token });
		assert.equal(route.status, 404);
		assert.deepEqual(route.body, {
			group: "actor",
			code: "not_found",
			message: "Inspector route was not found",
			metadata: null,
		});
		assert.equal((await inspect(id, "state", { token, method: "DELETE" })).status, 405);
	});

	test("state, rpcs and summary show the actor; PATCH replaces the state durably", T, async () => {
		const { handle, id, token } = await counter("state");
		assert.deepEqual((await inspect(id, "state", { token })).body, { state: { count: 2 }, isStateEnabled: true });
		assert.deepEqual((await inspect(id, "rpcs", { token })).body.rpcs, [
			"getCount",
			"getIdentity",
			"getKey",
			"increment",
			"setCount",
		]);
		const summary = (await inspect(id, "summary", { token })).body;
		assert.equal(summary.isStateEnabled, true);
		assert.deepEqual(summary.state, { count: 2 });
		assert.equal(summary.queueSize, 0);
		assert.equal(summary.isDatabaseEnabled, false);
		assert.equal(summary.isWorkflowEnabled, false);
		assert.equal(summary.workflowHistory, null);
		assert.ok(Array.isArray(summary.connections));

		const patched = await inspect(id, "state", { token, method: "PATCH", body: { state: { count: 41 } } });
		assert.equal(patched.status, 200);
		assert.deepEqual(patched.body, { ok: true });
		assert.equal(await call(handle, "getCount"), 41);
		assert.equal(await call(handle, "increment", 1), 42);

		// Bad bodies lose nothing.
		const bad = await inspect(id, "state", { token, method: "PATCH", body: { state: { count: "many" } } });
		assert.equal(bad.status, 400);
		assert.equal(bad.body.code, "invalid_request");
		const missing = await inspect(id, "state", { token, method: "PATCH", body: { nothing: 1 } });
		assert.equal(missing.status, 400);
		const notJson = await fetch(`${server.endpoint}/gateway/${id}/inspector/state`, {
			method: "PATCH",
			headers: { authorization: `Bearer ${token}` },
			body: "{not json",
		});
		assert.equal(notJson.status, 400);
		assert.equal(await call(handle, "getCount"), 42);

		// The patch is as durable as an action's change: it survives a crash.
		await inspect(id, "state", { token, method: "PATCH", body: { state: { count: 100 } } });
		await server.kill9();
		await server.restart();
		const after = makeClient(server.endpoint, "json");
		try {
			assert.equal(await call(after.counter.getForId(id), "getCount"), 100);
			assert.deepEqual((await inspect(id, "state", { token })).body.state, { count: 100 });
		} finally {
			await disposeClient(after);
		}
	});

	test("a patch runs onStateChange and connected clients see what it broadcasts", T, async () => {
		const key = [uid("watched")];
		const conn = client.watched.getOrCreate(key).connect();
		try {
			const seen = collect(conn, "valueChanged");
			assert.equal(await conn.getValue(), 0, "the connection is open");
			const id = await client.watched.getOrCreate(key).resolve();
			const token = await tokenOf(id);
			const state = (await inspect(id, "state", { token })).body.state;
			const next = { ...state, value: 7 };
			const patched = await inspect(id, "state", { token, method: "PATCH", body: { state: next } });
			assert.equal(patched.status, 200, JSON.stringify(patched.body));
			await waitFor("onStateChange's event", () => seen.values.includes(7));
			assert.deepEqual(await call(client.watched.getOrCreate(key), "getChangeInfo"), { changes: 1, lastSeen: 7 });
		} finally {
			await disposeConn(conn);
		}
	});

	test("actions run like a client's call, with results and structured errors", T, async () => {
		const { handle, id, token } = await counter("action");
		const out = await inspect(id, "action/increment", { token, method: "POST", body: { args: [5] } });
		assert.equal(out.status, 200);
		assert.deepEqual(out.body, { output: 7 });
		assert.equal(await call(handle, "getCount"), 7);
		const none = await inspect(id, "action/noSuchAction", { token, method: "POST", body: { args: [] } });
		assert.equal(none.status, 404);
		assert.equal(none.body.code, "action_not_found");
		const both = await inspect(id, "action/increment", { token, method: "POST", body: { args: [1], properties: {} } });
		assert.equal(both.status, 400);
		const props = await inspect(id, "action/increment", { token, method: "POST", body: { properties: 3 } });
		assert.equal(props.status, 400);

		const e = client.errors.getOrCreate([uid("inspector-errors")]);
		await call(e, "ok");
		const eid = await e.resolve();
		const etoken = await tokenOf(eid);
		const detailed = await inspect(eid, "action/throwDetailed", { token: etoken, method: "POST", body: { args: [] } });
		assert.equal(detailed.status, 400);
		assert.equal(detailed.body.code, "out_of_stock");
		assert.deepEqual(detailed.body.metadata, { sku: "widget-7", available: 0, tags: ["a", "b"] });
		const internal = await inspect(eid, "action/throwInternal", { token: etoken, method: "POST", body: {} });
		assert.equal(internal.status, 500);
		assert.equal(internal.body.group, "core");
		assert.ok(!JSON.stringify(internal.body).includes("hunter2"), "internal errors stay masked");
	});

	test("connections, events and traces show what happened", T, async () => {
		const key = [uid("room")];
		const conn = client.chatRoom.getOrCreate(key, { params: { name: "ada", role: "admin" } }).connect();
		try {
			const said = collect(conn, "message");
			assert.equal(await conn.say("hello"), true);
			await waitFor("the message event", () => said.values.length === 1);
			const id = await client.chatRoom.getOrCreate(key).resolve();
			const token = await tokenOf(id);

			const conns = (await inspect(id, "connections", { token })).body.connections;
			const ada = conns.find((c) => c.details.params?.name === "ada");
			assert.ok(ada, JSON.stringify(conns));
			assert.equal(ada.type, "websocket");
			assert.equal(typeof ada.id, "string");
			assert.deepEqual(ada.details.state, { name: "ada", role: "admin", counter: 0 });
			assert.ok(ada.details.subscriptionNames.includes("message"), JSON.stringify(ada.details));
			assert.equal(ada.details.subscriptions, ada.details.subscriptionNames.length);
			assert.ok(Math.abs(ada.details.connectedAtMs - Date.now()) < 60_000);

			const events = (await inspect(id, "events?limit=10", { token })).body.events;
			const message = events.find((e) => e.name === "message");
			assert.deepEqual(message.args, [{ from: "ada", text: "hello" }]);
			assert.ok(message.connections >= 1);
			assert.ok(events.some((e) => e.name === "joined"));

			const traces = (await inspect(id, "traces?startMs=0", { token })).body;
			assert.equal(traces.clamped, false);
			const rs = traces.otlp[0];
			const attr = (list, k) => list.find((a) => a.key === k)?.value.stringValue;
			assert.equal(attr(rs.resource.attributes, "actor.id"), id);
			assert.equal(attr(rs.resource.attributes, "actor.name"), "chatRoom");
			const spans = rs.scopeSpans[0].spans;
			const say = spans.find((s) => s.name === "say");
			assert.ok(say, spans.map((s) => s.name).join(","));
			assert.equal(attr(say.attributes, "rivet.kind"), "action");
			assert.match(say.traceId, /^[0-9a-f]{32}$/);
			assert.match(say.spanId, /^[0-9a-f]{16}$/);
			assert.ok(BigInt(say.endTimeUnixNano) >= BigInt(say.startTimeUnixNano));
			assert.equal(say.status.code, 1);
			// A default-constructed state is not user code, so it has no span.
			assert.ok(!spans.some((s) => s.name === "createState"));
			for (const hook of ["onBeforeConnect", "onConnect"]) {
				assert.ok(spans.some((s) => s.name === hook && attr(s.attributes, "rivet.kind") === "hook"), hook);
			}
			// The window and the limit.
			const future = (await inspect(id, `traces?startMs=${Date.now() + 60_000}`, { token })).body;
			assert.equal(future.otlp[0].scopeSpans[0].spans.length, 0);
			const one = (await inspect(id, "traces?limit=1", { token })).body;
			assert.equal(one.otlp[0].scopeSpans[0].spans.length, 1);
			assert.equal(one.clamped, true);
			assert.equal((await inspect(id, "traces?limit=-1", { token })).status, 400);
		} finally {
			await disposeConn(conn);
		}
		// A failing action's span carries the error.
		const e = client.errors.getOrCreate([uid("trace-errors")]);
		await call(e, "throwDetailed").catch(() => {});
		const eid = await e.resolve();
		const spans = (await inspect(eid, "traces", { token: await tokenOf(eid) })).body.otlp[0].scopeSpans[0].spans;
		const failed = spans.find((s) => s.name === "throwDetailed");
		assert.equal(failed.status.code, 2);
		assert.equal(failed.status.message, "Out of stock");
	});

	test("queue: size, limit and the first messages with name, body, time and attempts", T, async () => {
		const h = client.mailbox.getOrCreate([uid("queue")]);
		for (const body of ["a", { b: 2 }, [3]]) await send(h, "inbox", body);
		const id = await h.resolve();
		const token = await tokenOf(id);
		const q = (await inspect(id, "queue?limit=2", { token })).body;
		assert.equal(q.size, 3);
		assert.equal(q.maxSize, 5);
		assert.equal(q.truncated, true);
		assert.equal(q.messages.length, 2);
		assert.deepEqual(q.messages.map((m) => [m.name, m.body]), [["inbox", "a"], ["inbox", { b: 2 }]]);
		for (const m of q.messages) {
			assert.equal(typeof m.id, "number");
			assert.ok(Math.abs(m.createdAtMs - Date.now()) < 60_000);
			assert.equal(m.attempts, 0);
		}
		assert.equal((await inspect(id, "summary", { token })).body.queueSize, 3);
		assert.equal((await inspect(id, "queue?limit=x", { token })).status, 400);
	});

	test("database: schema and rows of an actor's SQLite, read-only and paginated", notOnEngine(WHY_NOT.db, T), async () => {
		const h = client.sqlNotes.getOrCreate([uid("db")]);
		for (let i = 0; i < 7; i++) await call(h, "addNote", `note ${i}`, i % 2 ? "odd" : "even");
		const id = await h.resolve();
		const token = await tokenOf(id);
		const schema = (await inspect(id, "database/schema", { token })).body.schema;
		const notes = schema.tables.find((t) => t.table.name === "notes");
		assert.deepEqual(notes.table, { schema: "main", name: "notes", type: "table" });
		assert.deepEqual(notes.columns.map((c) => c.name), ["id", "body", "created_at", "tag"]);
		assert.equal(notes.records, 7);
		assert.ok(Array.isArray(notes.foreignKeys));

		const page = (await inspect(id, "database/rows?table=notes&limit=3&offset=2", { token })).body.rows;
		assert.deepEqual(page.map((r) => r.body), ["note 2", "note 3", "note 4"]);
		assert.equal((await inspect(id, "database/rows?table=nope", { token })).status, 400);
		assert.equal((await inspect(id, "database/rows", { token })).status, 400);
		assert.equal((await inspect(id, "database/rows?table=notes&limit=501", { token })).status, 400);
		const injection = await inspect(id, `database/rows?table=${encodeURIComponent('notes"; DROP TABLE notes; --')}`, { token });
		assert.equal(injection.status, 400);
		assert.equal(await call(h, "countNotes"), 7);
		assert.equal((await inspect(id, "summary", { token })).body.isDatabaseEnabled, true);

		const { id: plain, token: ptoken } = await counter("no-db");
		const nodb = await inspect(plain, "database/schema", { token: ptoken });
		assert.equal(nodb.status, 400);
	});

	test("workflow history lists entries with kind, status and attempts", T, async () => {
		const h = client.workflowRunner.getOrCreate([uid("wf")]);
		const sent = await send(h, "orders", { id: "o-1", pauseMs: 0 }, { wait: true, timeout: 5_000 });
		assert.equal(sent.status, "completed");
		const id = await h.resolve();
		const token = await tokenOf(id);
		const body = await waitFor("workflow entries", async () => {
			const b = (await inspect(id, "workflow-history", { token })).body;
			return b.history?.entries?.length > 0 && b;
		});
		assert.equal(body.isWorkflowEnabled, true);
		for (const e of body.history.entries) {
			assert.equal(typeof e.kind, "string");
			assert.equal(typeof e.status, "string");
			assert.ok(e.attempts >= 1, JSON.stringify(e));
		}
		const summary = (await inspect(id, "summary", { token })).body;
		assert.equal(summary.isWorkflowEnabled, true);
		assert.equal(summary.workflowHistory.status, body.history.status);
	});

	test("a sleeping actor is woken to answer and falls asleep again on its own", T, async () => {
		const h = client.sleeper.getOrCreate([uid("sleepy")]);
		await call(h, "increment", 3);
		const id = await h.resolve();
		const token = await tokenOf(id);
		const asleep = async () => {
			const res = await fetch(`${server.endpoint}/actors?actor_ids=${id}&namespace=default`);
			return (await res.json()).actors[0].sleep_ts !== null;
		};
		await waitFor("the actor to sleep", asleep, ms(5_000));
		const wakesBefore = (await call(h, "getCounts")).wakeCount;
		await waitFor("the actor to sleep again", asleep, ms(5_000));
		const state = await inspect(id, "state", { token });
		assert.equal(state.status, 200);
		assert.equal(state.body.state.count, 3);
		assert.equal(state.body.state.wakeCount, wakesBefore + 1, "the inspector woke it");
		await waitFor("the actor to fall asleep after the inspection", asleep, ms(5_000));
		await sleep(50);
	});

	test("the management KV route needs RIVET_TOKEN when it is set", notOnEngine("the management API (GET /actors/{id}/kv/...) is the engine's, with the engine's own auth; --admin-token does not reach it", T), async () => {
		const { id } = await counter("kv-guard");
		const url = `${server.endpoint}/actors/${id}/kv/keys/Aw==?namespace=default`;
		assert.equal((await fetch(url)).status, 401);
		assert.equal((await fetch(url, { headers: { authorization: "Bearer wrong" } })).status, 403);
		assert.equal((await fetch(url, { headers: { "x-rivet-token": ADMIN_TOKEN } })).status, 200);
		// Other management routes stay open, as for the official client without a token.
		assert.equal((await fetch(`${server.endpoint}/actors?actor_ids=${id}&namespace=default`)).status, 200);
	});
});
