// conformance-fixtures.md §3.4 `chatRoom`: connection params, connection state, connect hooks,
// events; plus many clients on one actor, a slow consumer, and reconnect across a restart.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import WebSocket from "ws";
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
	sleep,
	uid,
	waitFor,
	within,
} from "./helpers/util.mjs";

const T = { timeout: ms(30_000) };

let server;
before(async () => {
	server = await startServer({ label: "chat-room" });
});
after(async () => {
	await server?.dispose();
});

const REJECTION = {
	group: "user",
	code: "invalid_secret",
	message: "Invalid secret",
	metadata: { hint: "ask the room owner" },
};

/** A connection that is open (Init received). */
async function opened(conn) {
	await within(ms(10_000), "connection open (Init)", conn.ready);
	return conn;
}

/** Counts of "connect:X" / "disconnect:X" entries of the log. */
function counts(log, name) {
	return {
		connect: log.filter((e) => e === `connect:${name}`).length,
		disconnect: log.filter((e) => e === `disconnect:${name}`).length,
	};
}

for (const encoding of ENCODINGS) {
	describe(`chatRoom [${encoding}]`, { timeout: ms(120_000) }, () => {
		let client;
		before(() => {
			client = makeClient(server.endpoint, encoding);
		});
		after(async () => {
			await disposeClient(client);
		});
		const key = (label) => [uid(`${label}-${encoding}`)];

		test("a WebSocket connection keeps its connection state across actions", T, async () => {
			const k = key("state");
			const conn = await opened(client.chatRoom.getOrCreate(k, { params: { name: "ann", role: "admin" } }).connect());
			const other = await opened(client.chatRoom.getOrCreate(k, { params: { name: "bob" } }).connect());
			try {
				assert.deepEqual(await call(conn, "whoAmI"), { name: "ann", role: "admin", counter: 0 });
				assert.equal(await call(conn, "bump"), 1);
				assert.equal(await call(conn, "bump"), 2);
				assert.equal(await call(other, "bump"), 1, "each connection has its own state");
				assert.equal(await call(conn, "bump"), 3);
				assert.deepEqual(await call(conn, "whoAmI"), { name: "ann", role: "admin", counter: 3 });
				assert.deepEqual(await call(other, "whoAmI"), { name: "bob", role: "member", counter: 1 });
				assert.deepEqual(await call(conn, "listNames"), ["ann", "bob"]);
			} finally {
				await disposeConn(conn);
				await disposeConn(other);
			}
		});

		test("connection params default to anonymous/member", T, async () => {
			const k = key("defaults");
			const conn = await opened(client.chatRoom.getOrCreate(k).connect());
			const odd = await opened(client.chatRoom.getOrCreate(k, { params: { name: 7, role: null } }).connect());
			try {
				assert.deepEqual(await call(conn, "whoAmI"), { name: "anonymous", role: "member", counter: 0 });
				assert.deepEqual(await call(odd, "whoAmI"), { name: "anonymous", role: "member", counter: 0 });
			} finally {
				await disposeConn(conn);
				await disposeConn(odd);
			}
		});

		test("stateless HTTP calls run the full connect sequence each time", T, async () => {
			const h = client.chatRoom.getOrCreate(key("http"), { params: { name: "hugo" } });
			assert.equal(await call(h, "bump"), 1);
			assert.equal(await call(h, "bump"), 1);
			assert.deepEqual(await call(h, "whoAmI"), { name: "hugo", role: "member", counter: 0 });
			assert.deepEqual(await call(h, "listNames"), ["hugo"], "the caller's transient connection is listed");
			const log = await call(h, "getLog");
			// Four finished calls (connect/disconnect pairs) and the running getLog (connect only).
			assert.deepEqual(log, [
				"connect:hugo", "disconnect:hugo",
				"connect:hugo", "disconnect:hugo",
				"connect:hugo", "disconnect:hugo",
				"connect:hugo", "disconnect:hugo",
				"connect:hugo",
			]);
		});

		test("a rejected connection: HTTP gets the hook's error, nothing reaches onConnect", T, async () => {
			const k = key("reject-http");
			const bad = client.chatRoom.getOrCreate(k, { params: { name: "mallory", secret: "wrong" } });
			await expectActorError(call(bad, "say", "hi"), REJECTION, "HTTP action with a wrong secret");
			await expectActorError(call(bad, "getLog"), REJECTION, "second HTTP action");
			const log = await call(client.chatRoom.getOrCreate(k, { params: { secret: "right" } }), "getLog");
			assert.deepEqual(counts(log, "mallory"), { connect: 0, disconnect: 0 });
		});

		test("a rejected connection: WebSocket actions reject with it and onError receives it", T, async () => {
			const k = key("reject-ws");
			const conn = client.chatRoom.getOrCreate(k, { params: { name: "mallory", secret: "wrong" } }).connect();
			const errors = [];
			conn.onError((e) => errors.push(e));
			try {
				const pending = [call(conn, "whoAmI"), call(conn, "bump")];
				for (const p of pending) await expectActorError(p, REJECTION, "pending WebSocket action");
				await waitFor("onError with the rejection", () => errors.length >= 1);
				assert.equal(errors[0].group, "user");
				assert.equal(errors[0].code, "invalid_secret");
				assert.equal(errors[0].message, "Invalid secret");
				assert.deepEqual(errors[0].metadata, { hint: "ask the room owner" });
				await waitFor("connection gives up (idle)", () => conn.connStatus === "idle");
			} finally {
				await disposeConn(conn);
			}
			const log = await call(client.chatRoom.getOrCreate(k), "getLog");
			assert.deepEqual(counts(log, "mallory"), { connect: 0, disconnect: 0 });
		});

		test("many clients on one actor: joined/left, say, whisper, announce, listNames", T, async () => {
			const k = key("many");
			const names = Array.from({ length: 12 }, (_, i) => `u${String(i).padStart(2, "0")}`);
			const conns = [];
			try {
				for (const name of names) {
					conns.push(await opened(client.chatRoom.getOrCreate(k, { params: { name } }).connect()));
				}
				const messages = conns.map((c) => collect(c, "message"));
				const whispers = conns.map((c) => collect(c, "whisper"));
				const announces = conns.map((c) => collect(c, "announce"));
				const joined = collect(conns[0], "joined");
				const left = collect(conns[0], "left");
				// One round trip per socket: its subscriptions are in place.
				await Promise.all(conns.map((c) => call(c, "whoAmI")));
				assert.deepEqual(await call(conns[3], "listNames"), names);

				for (let i = 0; i < 5; i++) {
					assert.equal(await call(conns[i], "say", `m${i}`), true);
				}
				await Promise.all(conns.map((c, i) => waitFor(`5 messages on ${names[i]}`, () => messages[i].values.length >= 5)));
				for (const [i, m] of messages.entries()) {
					assert.deepEqual(
						m.values,
						[0, 1, 2, 3, 4].map((j) => ({ from: names[j], text: `m${j}` })),
						`messages in emission order on ${names[i]}`,
					);
				}

				assert.equal(await call(conns[1], "whisper", "u07", "psst"), 1);
				assert.equal(await call(conns[1], "whisper", "nobody", "psst"), 0);
				await waitFor("whisper delivered", () => whispers[7].values.length >= 1);
				await sleep(50);
				assert.deepEqual(whispers[7].values, [{ from: "u01", text: "psst" }]);
				for (const [i, w] of whispers.entries()) if (i !== 7) assert.deepEqual(w.values, [], `no whisper on ${names[i]}`);

				assert.equal(await call(conns[2], "announce", { a: [1, 2] }, "second"), true);
				await Promise.all(announces.map((a) => waitFor("announce", () => a.values.length >= 1)));
				for (const a of announces) assert.deepEqual(a.values, [[{ a: [1, 2] }, "second"]]);

				// A late joiner is announced; a leaver is announced and disappears from listNames.
				const late = await opened(client.chatRoom.getOrCreate(k, { params: { name: "zed" } }).connect());
				conns.push(late);
				await waitFor("joined(zed)", () => joined.values.includes("zed"));
				await disposeConn(conns[5]);
				await waitFor("left(u05)", () => left.values.includes("u05"));
				await waitFor("listNames without u05", async () => {
					const list = await call(conns[0], "listNames");
					return !list.includes("u05") && list.includes("zed") && list.length === names.length;
				});
			} finally {
				await Promise.all(conns.map(disposeConn));
			}
			const log = await call(client.chatRoom.getOrCreate(k), "getLog");
			for (const name of [...names, "zed"]) {
				assert.deepEqual(counts(log, name), { connect: 1, disconnect: 1 }, `onConnect/onDisconnect exactly once for ${name}`);
			}
		});

		test("onDisconnect runs exactly once per connection, whoever closes", T, async () => {
			const k = key("once");
			const a = await opened(client.chatRoom.getOrCreate(k, { params: { name: "a" } }).connect());
			const b = await opened(client.chatRoom.getOrCreate(k, { params: { name: "b" } }).connect());
			await disposeConn(a);
			await disposeConn(a); // a second dispose is harmless
			await disposeConn(b);
			const h = client.chatRoom.getOrCreate(k);
			await waitFor("both disconnects logged", async () => {
				const log = await call(h, "getLog");
				return counts(log, "a").disconnect === 1 && counts(log, "b").disconnect === 1;
			});
			await sleep(200);
			const log = await call(h, "getLog");
			assert.deepEqual(counts(log, "a"), { connect: 1, disconnect: 1 });
			assert.deepEqual(counts(log, "b"), { connect: 1, disconnect: 1 });
		});

		test("events of another client's stateless calls reach subscribers; unsubscribe works", T, async () => {
			const k = key("events");
			const conn = await opened(client.chatRoom.getOrCreate(k, { params: { name: "sub" } }).connect());
			try {
				const m = collect(conn, "message");
				await call(conn, "whoAmI");
				const h = client.chatRoom.getOrCreate(k, { params: { name: "http" } });
				await call(h, "say", "one");
				await call(h, "say", "two");
				await waitFor("2 messages", () => m.values.length >= 2);
				m.off();
				await call(conn, "whoAmI"); // the unsubscribe is processed
				await call(h, "say", "three");
				await sleep(100);
				assert.deepEqual(m.values, [{ from: "http", text: "one" }, { from: "http", text: "two" }]);
			} finally {
				await disposeConn(conn);
			}
		});
	});
}

// -- encoding-independent: backpressure and restarts (json) ------------------------------------

/** Resident set size of the server process, in bytes. */
function rss(pid) {
	const status = readFileSync(`/proc/${pid}/status`, "utf8");
	const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? "0");
	return kb * 1024;
}

/** A raw `ws` client speaking the json connection protocol (so it can stop reading). */
function rawConnection(endpoint, k, params) {
	const query = new URLSearchParams({
		"rvt-namespace": "default",
		"rvt-method": "getOrCreate",
		"rvt-key": k.join(","),
		"rvt-runner": "default",
		"rvt-crash-policy": "sleep",
	});
	const url = `${endpoint.replace("http", "ws")}/gateway/chatRoom/connect?${query}`;
	const protocols = ["rivet", "rivet_encoding.json", `rivet_conn_params.${encodeURIComponent(JSON.stringify(params))}`];
	const ws = new WebSocket(url, protocols);
	const state = { ws, init: false, closed: null, received: 0 };
	state.ready = new Promise((resolve, reject) => {
		ws.on("message", (data) => {
			state.received += 1;
			if (!state.init && String(data).includes('"Init"')) {
				state.init = true;
				resolve();
			}
		});
		ws.on("close", (code, reason) => {
			state.closed = { code, reason: String(reason) };
			reject(new Error(`closed before Init: ${code} ${reason}`));
		});
		ws.on("error", () => {});
	});
	state.subscribe = (event) =>
		ws.send(JSON.stringify({ body: { tag: "SubscriptionRequest", val: { eventName: event, subscribe: true } } }));
	return state;
}

describe("chatRoom: backpressure and restarts [json]", { timeout: ms(120_000) }, () => {
	let client;
	before(() => {
		client = makeClient(server.endpoint, "json");
	});
	after(async () => {
		await disposeClient(client);
	});

	test("a slow consumer is cut off with bounded memory; other clients get every event in order", notOnEngine("the engine's gateway buffers toward a slow client; the tunnel gives the envoy no backpressure to cut it off by", T), async () => {
		const k = [uid("slow")];
		const fast = await opened(client.chatRoom.getOrCreate(k, { params: { name: "fast" } }).connect());
		const slow = rawConnection(server.endpoint, k, { name: "slow" });
		try {
			await within(ms(10_000), "raw connection Init", slow.ready);
			slow.subscribe("message");
			const got = collect(fast, "message");
			await call(fast, "whoAmI");
			await waitFor("slow is listed", async () => (await call(fast, "listNames")).includes("slow"));
			// The slow client stops reading: its socket buffers fill, then the server's queue.
			slow.ws._socket.pause();
			const before = rss(server.pid);
			const text = "x".repeat(60_000);
			const total = 600; // 36 MB of events per subscriber
			const batch = 20;
			for (let i = 0; i < total; i += batch) {
				await Promise.all(
					Array.from({ length: batch }, (_, j) => call(fast, "say", `${i + j}:${text}`)),
				);
			}
			await waitFor("all events on the fast client", () => got.values.length >= total, ms(30_000));
			const order = got.values.map((v) => Number(v.text.split(":")[0]));
			assert.equal(order.length, total);
			assert.deepEqual(order, [...order].sort((a, b) => a - b), "events arrive in emission order");
			const growth = rss(server.pid) - before;
			// Under AddressSanitizer freed blocks wait in its quarantine (256 MB by default)
			// before reuse, so RSS measures the sanitizer, not the queue bound.
			const bound = (process.env.RIVET_WIRE_SANITIZER ? 512 : 120) * 1024 * 1024;
			assert.ok(growth < bound, `server RSS grew by ${growth} bytes`);
			// The server dropped the slow connection (queue bound, then the close deadline):
			// onDisconnect ran although the client never read a byte more.
			await waitFor(
				"slow connection disconnected on the server",
				async () => !(await call(fast, "listNames")).includes("slow"),
				ms(20_000),
			);
			const log = await call(fast, "getLog");
			assert.deepEqual(counts(log, "slow"), { connect: 1, disconnect: 1 });
			slow.ws._socket.resume();
			await waitFor("slow client sees the close", () => slow.closed !== null, ms(20_000));
			assert.notEqual(slow.closed.code, 1000, `slow client close ${JSON.stringify(slow.closed)}`);
			// The fast connection is still usable.
			assert.deepEqual(await call(fast, "whoAmI"), { name: "fast", role: "member", counter: 0 });
		} finally {
			slow.ws.terminate();
			await disposeConn(fast);
		}
	});

	test("a connection whose TCP socket vanishes is cleaned up (onDisconnect, listNames)", T, async () => {
		const k = [uid("ghost")];
		const h = client.chatRoom.getOrCreate(k);
		const ghost = rawConnection(server.endpoint, k, { name: "ghost" });
		await within(ms(10_000), "raw connection Init", ghost.ready);
		await waitFor("ghost listed", async () => (await call(h, "listNames")).includes("ghost"));
		ghost.ws._socket.destroy(); // no close frame, no FIN handshake from the WebSocket layer
		await waitFor("ghost gone", async () => !(await call(h, "listNames")).includes("ghost"));
		await waitFor("disconnect:ghost logged", async () => counts(await call(h, "getLog"), "ghost").disconnect === 1);
	});

	test("an actor with an open connection does not sleep; it sleeps after the last one closes", T, async () => {
		// sleeper (§3.7) sleeps after 500 ms without work or connections.
		const h = client.sleeper.getOrCreate([uid("awake")]);
		const conn = await opened(h.connect());
		try {
			const first = await call(conn, "getCounts");
			assert.equal(first.sleepCount, 0);
			await sleep(1_500);
			const during = await call(h, "getCounts");
			assert.equal(during.sleepCount, 0, "slept while a connection was open");
			assert.equal(during.wakeCount, first.wakeCount);
		} finally {
			await disposeConn(conn);
		}
		await waitFor("slept after the connection closed", async () => {
			await sleep(700);
			return (await call(h, "getCounts")).sleepCount >= 1;
		}, ms(10_000));
	});

	test("a connection reconnects across a graceful server restart; state is rebuilt by the hooks", T, async () => {
		const k = [uid("restart")];
		const conn = await opened(client.chatRoom.getOrCreate(k, { params: { name: "phoenix" } }).connect());
		const statuses = [];
		conn.onStatusChange((s) => statuses.push(s));
		try {
			const msgs = collect(conn, "message");
			assert.equal(await call(conn, "bump"), 1);
			assert.equal(await call(conn, "bump"), 2);
			await server.restart();
			await waitFor("reconnected", () => conn.connStatus === "connected" && statuses.includes("disconnected"), ms(15_000));
			// A new connection: createConnState ran again.
			assert.deepEqual(await call(conn, "whoAmI"), { name: "phoenix", role: "member", counter: 0 });
			assert.deepEqual(await call(conn, "listNames"), ["phoenix"]);
			// Subscriptions were re-sent after the new Init.
			await call(client.chatRoom.getOrCreate(k, { params: { name: "other" } }), "say", "after restart");
			await waitFor("event after the restart", () => msgs.values.length >= 1);
			assert.deepEqual(msgs.values, [{ from: "other", text: "after restart" }]);
			const log = await call(conn, "getLog");
			// The state (log) survived; the first connection was disconnected by the shutdown.
			assert.deepEqual(counts(log, "phoenix"), { connect: 2, disconnect: 1 });
		} finally {
			await disposeConn(conn);
		}
	});

	test("after SIGKILL the state survives and a new connection is rebuilt through the hooks", notOnEngine(WHY_NOT.connectedAtKill, T), async () => {
		const k = [uid("crash")];
		const conn = await opened(client.chatRoom.getOrCreate(k, { params: { name: "icarus" } }).connect());
		try {
			assert.equal(await call(conn, "bump"), 1);
		} finally {
			await server.kill9();
			await disposeConn(conn);
		}
		await server.restart();
		// The 2.3.19 client gives up on a connection whose reconnect attempt is refused
		// (conformance note 61); the application connects again.
		const again = await opened(client.chatRoom.getOrCreate(k, { params: { name: "icarus" } }).connect());
		try {
			assert.deepEqual(await call(again, "whoAmI"), { name: "icarus", role: "member", counter: 0 });
			const log = await call(again, "getLog");
			// onConnect's log entry was durable before Init; the crashed connection never saw
			// onDisconnect (connections are not persisted).
			assert.deepEqual(counts(log, "icarus"), { connect: 2, disconnect: 0 });
		} finally {
			await disposeConn(again);
		}
	});
});
