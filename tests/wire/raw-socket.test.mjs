// conformance-fixtures.md §6.2 `rawSocket`: onWebSocket behind `/websocket/...` through
// handle.webSocket() (client-protocol.md §7, conformance note 65).

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import WebSocket from "ws";
import { startServer, notOnEngine } from "./helpers/server.mjs";
import { ENCODINGS, call, disposeClient, makeClient, ms, uid, waitFor, within } from "./helpers/util.mjs";

const T = { timeout: ms(30_000) };

let server;
before(async () => {
	server = await startServer({ label: "raw-socket" });
});
after(async () => {
	await server?.dispose();
});

/** Wraps a WebSocket: collected frames (text as string, binary as Buffer) and the close. */
function track(ws) {
	const t = { ws, frames: [], close: null };
	ws.binaryType = "arraybuffer";
	ws.addEventListener("message", (ev) => {
		t.frames.push(typeof ev.data === "string" ? ev.data : Buffer.from(ev.data));
	});
	t.closed = new Promise((resolve) => {
		ws.addEventListener("close", (ev) => {
			t.close = { code: ev.code, reason: ev.reason };
			resolve(t.close);
		});
	});
	t.next = (n = 1) => waitFor(`${n} frame(s)`, () => t.frames.length >= n);
	return t;
}

async function open(handle, path) {
	const ws = await within(ms(10_000), `webSocket(${path})`, handle.webSocket(path));
	const t = track(ws);
	if (ws.readyState !== 1) {
		await within(ms(10_000), "socket open", new Promise((resolve, reject) => {
			ws.addEventListener("open", resolve);
			ws.addEventListener("close", () => reject(new Error(`closed: ${JSON.stringify(t.close)}`)));
		}));
	}
	return t;
}

for (const encoding of ENCODINGS) {
	describe(`rawSocket [${encoding}]`, { timeout: ms(60_000) }, () => {
		let client;
		before(() => {
			client = makeClient(server.endpoint, encoding);
		});
		after(async () => {
			await disposeClient(client);
		});

		test("welcome, text and binary replies in order, bye closes with 4001", T, async () => {
			const h = client.rawSocket.getOrCreate([uid(`basic-${encoding}`)]);
			const s = await open(h, "chat/room?x=1&y=two");
			await s.next(1);
			assert.deepEqual(JSON.parse(s.frames[0]), {
				type: "welcome",
				path: "/websocket/chat/room",
				query: { x: "1", y: "two" },
				opened: 1,
			});
			s.ws.send("ping");
			s.ws.send(new Uint8Array([1, 2, 3, 250]));
			s.ws.send("hello");
			s.ws.send("stats");
			await s.next(5);
			assert.equal(s.frames[1], "pong");
			assert.ok(Buffer.isBuffer(s.frames[2]), "binary stays binary");
			assert.deepEqual([...s.frames[2]], [250, 3, 2, 1]);
			assert.equal(s.frames[3], "echo:hello");
			assert.deepEqual(JSON.parse(s.frames[4]), { type: "stats", opened: 1, closed: 0, messages: 4 });
			s.ws.send("bye");
			assert.deepEqual(await within(ms(10_000), "close after bye", s.closed), { code: 4001, reason: "requested" });
			await waitFor("closed counted", async () => (await call(h, "getStats")).closed === 1);
			assert.deepEqual(await call(h, "getStats"), { opened: 1, closed: 1, messages: 5 });
		});
	});
}

describe("rawSocket [json]", { timeout: ms(120_000) }, () => {
	let client;
	before(() => {
		client = makeClient(server.endpoint, "json");
	});
	after(async () => {
		await disposeClient(client);
	});

	test("webSocket() without a path and with a leading slash", T, async () => {
		const h = client.rawSocket.getOrCreate([uid("paths")]);
		const a = await open(h);
		const b = await open(h, "/deep/er/path");
		await a.next(1);
		await b.next(1);
		const wa = JSON.parse(a.frames[0]);
		const wb = JSON.parse(b.frames[0]);
		assert.equal(wa.path, "/websocket/");
		assert.deepEqual(wa.query, {});
		assert.equal(wb.path, "/websocket/deep/er/path");
		assert.deepEqual([wa.opened, wb.opened].sort(), [1, 2]);
		a.ws.close(1000, "done");
		b.ws.close(3001, "custom");
		await Promise.all([a.closed, b.closed]);
		await waitFor("both closes counted", async () => (await call(h, "getStats")).closed === 2);
	});

	test("a burst of frames is answered in arrival order; large binary frames round-trip", T, async () => {
		const h = client.rawSocket.getOrCreate([uid("burst")]);
		const s = await open(h, "burst");
		await s.next(1);
		for (let i = 0; i < 200; i++) s.ws.send(`m${i}`);
		const big = randomBytes(1024 * 1024);
		s.ws.send(big);
		await s.next(202);
		for (let i = 0; i < 200; i++) assert.equal(s.frames[1 + i], `echo:m${i}`);
		assert.ok(Buffer.from(big).reverse().equals(s.frames[201]), "1 MiB binary frame reversed");
		s.ws.close();
		await s.closed;
		await waitFor("stats", async () => (await call(h, "getStats")).closed === 1);
		assert.deepEqual(await call(h, "getStats"), { opened: 1, closed: 1, messages: 201 });
	});

	test("many sockets on one actor", T, async () => {
		const h = client.rawSocket.getOrCreate([uid("many")]);
		const sockets = await Promise.all(Array.from({ length: 20 }, (_, i) => open(h, `s${i}`)));
		await Promise.all(sockets.map((s) => s.next(1)));
		const opened = sockets.map((s) => JSON.parse(s.frames[0]).opened).sort((a, b) => a - b);
		assert.deepEqual(opened, Array.from({ length: 20 }, (_, i) => i + 1));
		sockets.forEach((s, i) => s.ws.send(`hi${i}`));
		await Promise.all(sockets.map((s) => s.next(2)));
		sockets.forEach((s, i) => assert.equal(s.frames[1], `echo:hi${i}`));
		sockets.forEach((s) => s.ws.close());
		await Promise.all(sockets.map((s) => s.closed));
		await waitFor("all closes counted", async () => (await call(h, "getStats")).closed === 20);
		assert.deepEqual(await call(h, "getStats"), { opened: 20, closed: 20, messages: 20 });
	});

	test("invalid UTF-8 in a text frame closes with 1007", notOnEngine("the engine's gateway ends the socket (1011) on invalid UTF-8 before the frame reaches the envoy", T), async () => {
		const id = await client.rawSocket.getOrCreate([uid("utf8")]).resolve();
		const ws = new WebSocket(`${server.endpoint.replace("http", "ws")}/gateway/${id}/websocket/x`, ["rivet", "rivet_encoding.bare"]);
		const t = track(ws);
		await within(ms(10_000), "open", new Promise((resolve) => ws.addEventListener("open", resolve)));
		await t.next(1);
		ws.send(Buffer.from([0x68, 0xff, 0xfe]), { binary: false });
		const close = await within(ms(10_000), "close", t.closed);
		assert.equal(close.code, 1007);
		await waitFor("close counted", async () => (await call(client.rawSocket.getForId(id), "getStats")).closed === 1);
	});

	test("an actor without onWebSocket closes the socket with 1011 and a reason", T, async () => {
		const h = client.counter.getOrCreate([uid("no-ws")]);
		const ws = await within(ms(10_000), "webSocket()", h.webSocket());
		const t = track(ws);
		const close = await within(ms(10_000), "close", t.closed);
		assert.equal(close.code, 1011);
		assert.equal(close.reason, "actor.websocket_not_supported");
	});
});
