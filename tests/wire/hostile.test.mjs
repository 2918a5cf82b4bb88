// Hostile clients (issue 16): slow and oversized requests, too many connections, malformed HTTP,
// WebSocket and protocol frames in all three encodings, deep nesting, invalid UTF-8, unknown
// actors and path tricks, all on real sockets. Each answer is the documented one
// (docs/limits.md, docs/errors.md), the server stays up, its memory stays bounded and a
// well-behaved client keeps being served meanwhile.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { makeTempDir, startServer, notOnEngine, WHY_NOT, ENGINE } from "./helpers/server.mjs";
import {
	call,
	disposeClient,
	disposeConn,
	makeClient,
	ms,
	sleep,
	uid,
	waitFor,
	within,
} from "./helpers/util.mjs";
import {
	bareAction,
	cbor,
	cborAction,
	deepCbor,
	deepJson,
	frame,
	gatewayQuery,
	jsonAction,
	openWs,
	rawExchange,
	rawWebSocket,
	request,
	rss,
	sampleRss,
	trickle,
} from "./helpers/hostile.mjs";

const T = { timeout: ms(60_000) };
const MiB = 1024 * 1024;

// Short deadlines so that the slow-loris checks take seconds.
const HEADER_TIMEOUT_MS = 1_000;
const BODY_TIMEOUT_MS = 1_500;
const IDLE_TIMEOUT_MS = 3_000;
const MAX_IN_FLIGHT = 16;

let server;
let tmp; // holds the data directory and, beside it, files nothing may serve
before(async () => {
	tmp = makeTempDir("hostile");
	for (const dir of ["ui", "site"]) {
		mkdirSync(path.join(tmp.root, dir), { recursive: true });
		writeFileSync(path.join(tmp.root, dir, "index.html"), `<p>${dir}</p>`);
	}
	writeFileSync(path.join(tmp.root, "secret.txt"), "TOP-SECRET");
	server = await startServer({
		label: "hostile",
		dataDir: tmp.dataDir,
		extraArgs: [
			"--header-timeout-ms",
			String(ms(HEADER_TIMEOUT_MS)),
			"--body-timeout-ms",
			String(ms(BODY_TIMEOUT_MS)),
			"--idle-timeout-ms",
			String(ms(IDLE_TIMEOUT_MS)),
			"--max-actions-in-flight",
			String(MAX_IN_FLIGHT),
			"--ui-dir",
			path.join(tmp.root, "ui"),
			"--site-dir",
			path.join(tmp.root, "site"),
		],
	});
});
after(async () => {
	await server?.dispose();
});

/**
 * A well-behaved client calling `counter.increment` in a loop, over HTTP and over a WebSocket
 * connection, while an attack runs. stop() resolves { http, ws, errors, maxMs }.
 */
function calmClient(endpoint) {
	const client = makeClient(endpoint, "json");
	const handle = client.counter.getOrCreate([uid("calm")]);
	const conn = handle.connect();
	const stats = { http: 0, ws: 0, errors: [], maxMs: 0 };
	let stopping = false;
	const loop = async (kind, target) => {
		while (!stopping) {
			const t = Date.now();
			try {
				await call(target, "increment", 1);
				stats[kind] += 1;
			} catch (err) {
				stats.errors.push(`${kind}: ${err.message}`);
			}
			stats.maxMs = Math.max(stats.maxMs, Date.now() - t);
			await sleep(10);
		}
	};
	const loops = Promise.all([loop("http", handle), loop("ws", conn)]);
	return {
		async stop() {
			stopping = true;
			await loops;
			await disposeConn(conn);
			await disposeClient(client);
			return stats;
		},
	};
}

function assertCalm(stats, what) {
	assert.deepEqual(stats.errors, [], `the well-behaved client failed during ${what}`);
	assert.ok(stats.http > 0 && stats.ws > 0, `the well-behaved client made progress during ${what}: ${JSON.stringify(stats)}`);
}

async function assertUp() {
	const res = await request(server.port, { path: "/metadata" });
	assert.equal(res.status, 200, "the server still answers");
}

/** One sample of the node's /metrics page (no labels). */
async function metric(port, name) {
	const page = await request(port, { path: "/metrics" });
	const m = new RegExp(`^${name} (\\S+)$`, "m").exec(page.body);
	return m ? Number(m[1]) : undefined;
}

const gw = (name, rest, key = [uid("h")]) => `/gateway/${name}/${rest}?${gatewayQuery(key)}`;

// -- slow loris ------------------------------------------------------------------------------

describe("slow clients are cut off; others are served meanwhile", notOnEngine(WHY_NOT.guard, { timeout: ms(120_000) }), () => {
	test("request headers sent a byte at a time: closed at the header deadline, without an answer", T, async () => {
		const calm = calmClient(server.endpoint);
		const attackers = Array.from({ length: 50 }, () =>
			trickle(server.port, "GET /metadata HTTP/1.1\r\nHost: x\r\n", "X-Slow: yes\r\n", { every: 50, wait: ms(10_000) }),
		);
		const results = await Promise.all(attackers);
		assertCalm(await calm.stop(), "a slow-headers attack");
		for (const r of results) {
			assert.equal(r.closedBy, "server", "the server closed the connection");
			assert.equal(r.raw, "", "no answer");
			assert.ok(r.ms >= HEADER_TIMEOUT_MS - 100 && r.ms < ms(HEADER_TIMEOUT_MS + 3_000), `cut off after ${r.ms} ms`);
		}
		await assertUp();
	});

	test("a request body sent a byte at a time: closed at the body deadline", T, async () => {
		const calm = calmClient(server.endpoint);
		const head =
			`POST ${gw("payloads", "action/size")} HTTP/1.1\r\nHost: x\r\n` +
			"Content-Type: application/json\r\nContent-Length: 60000\r\n\r\n";
		const results = await Promise.all(
			Array.from({ length: 20 }, () => trickle(server.port, head, '{"args":["xxxxxxxx', { every: 50, wait: ms(10_000) })),
		);
		assertCalm(await calm.stop(), "a slow-body attack");
		for (const r of results) {
			assert.equal(r.closedBy, "server");
			assert.equal(r.raw, "", "no answer");
			assert.ok(r.ms >= BODY_TIMEOUT_MS - 100 && r.ms < ms(BODY_TIMEOUT_MS + 3_000), `cut off after ${r.ms} ms`);
		}
		await assertUp();
	});

	test("a connection that never sends a byte is closed after the idle timeout", T, async () => {
		const r = await rawExchange(server.port, [], { wait: ms(IDLE_TIMEOUT_MS + 5_000) });
		assert.equal(r.closedBy, "server");
		assert.ok(r.ms >= IDLE_TIMEOUT_MS - 100, `closed after ${r.ms} ms`);
	});

	test("a keep-alive connection between requests: idle timeout, not the header deadline", T, async () => {
		// Two requests 2 s apart on one connection (more than the header deadline, less than idle).
		const r = await rawExchange(
			server.port,
			(socket) => {
				socket.write("GET /metadata HTTP/1.1\r\nHost: x\r\n\r\n");
				setTimeout(() => socket.write("GET /metadata HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"), 2_000);
			},
			{ wait: ms(10_000) },
		);
		assert.equal(r.raw.match(/HTTP\/1\.1 200/g)?.length, 2, `two answers: ${r.raw.slice(0, 200)}`);
	});
});

// -- oversized ---------------------------------------------------------------------------------

describe("oversized requests get their structured error", notOnEngine(WHY_NOT.guard, { timeout: ms(120_000) }), () => {
	const expect431 = (r) => {
		assert.equal(r.response?.status, 431, `answer: ${r.raw.slice(0, 200)}`);
		assert.equal(r.response.headers["content-type"], "application/json");
		assert.equal(r.response.headers.connection, "close");
		assert.equal(r.response.json.group, "guard");
		assert.equal(r.response.json.code, "request_headers_too_large");
		assert.deepEqual(r.response.json.metadata, { limit: 65536 });
		assert.equal(r.closedBy, "server");
	};

	test("headers over 64 KiB: 431 guard.request_headers_too_large, then closed", T, async () => {
		expect431(await rawExchange(server.port, [`GET /metadata HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(70_000)}\r\n\r\n`]));
		// Many small headers add up the same way.
		const many = Array.from({ length: 3_000 }, (_, i) => `X-H${i}: ${"b".repeat(20)}\r\n`).join("");
		expect431(await rawExchange(server.port, [`GET /metadata HTTP/1.1\r\nHost: x\r\n${many}\r\n`]));
	});

	test("a request line over 64 KiB: 431", T, async () => {
		expect431(await rawExchange(server.port, [`GET /${"a".repeat(70_000)} HTTP/1.1\r\nHost: x\r\n\r\n`]));
	});

	test("connection params over 64 KiB (header and WebSocket subprotocol): 431", T, async () => {
		const params = JSON.stringify({ name: "x".repeat(70_000) });
		expect431(
			await rawExchange(server.port, [
				`POST ${gw("chatRoom", "action/whoAmI")} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
					`Content-Length: 11\r\nX-Rivet-Conn-Params: ${params}\r\n\r\n{"args":[]}`,
			]),
		);
		const ws = openWs(`${server.endpoint.replace("http", "ws")}${gw("chatRoom", "connect")}`, [
			"rivet",
			"rivet_encoding.json",
			`rivet_conn_params.${encodeURIComponent(params)}`,
		]);
		const err = await ws.opened.then(() => null, (e) => e);
		assert.equal(err?.status, 431, `upgrade refused with 431: ${err?.message}`);
		assert.equal(JSON.parse(err.body).code, "request_headers_too_large");
	});

	test("connection params over 4 KiB: 400 / close 1011 message.incoming_too_long; up to 4 KiB they work", T, async () => {
		const post = (params) =>
			request(server.port, {
				method: "POST",
				path: gw("chatRoom", "action/whoAmI"),
				headers: { "content-type": "application/json", "x-rivet-conn-params": JSON.stringify(params) },
				body: '{"args":[]}',
			});
		const fits = { name: "n".repeat(4096 - 11) }; // {"name":"…"} is 4096 bytes
		const ok = await post(fits);
		assert.equal(ok.status, 200, ok.body.slice(0, 200));
		assert.equal(ok.json.output.name, fits.name);
		const over = await post({ name: "n".repeat(4096 - 10) });
		assert.equal(over.status, 400);
		assert.equal(over.json.group, "message");
		assert.equal(over.json.code, "incoming_too_long");
		assert.deepEqual(over.json.metadata, { limit: 4096 });
		const raw = await request(server.port, {
			method: "GET",
			path: gw("rawHttp", "request/x"),
			headers: { "x-rivet-conn-params": JSON.stringify({ p: "q".repeat(5000) }) },
		});
		assert.equal(raw.status, 400);
		assert.equal(raw.json.code, "incoming_too_long");
		const ws = openWs(wsUrl("chatRoom", "connect"), [
			"rivet",
			"rivet_encoding.json",
			`rivet_conn_params.${encodeURIComponent(JSON.stringify({ name: "n".repeat(5000) }))}`,
		]);
		await ws.opened;
		assert.deepEqual(await within(ms(10_000), "close", ws.closed), { code: 1011, reason: "message.incoming_too_long" });
	});

	test("an actor key component over 128 bytes: 400 actor.key_too_large when creating; 128 bytes work", T, async () => {
		const post = (key) =>
			request(server.port, { method: "POST", path: gw("counter", "action/getKey", key), headers: { "content-type": "application/json" }, body: '{"args":[]}' });
		const fits = ["a".repeat(128), "é".repeat(64)];
		const ok = await post(fits);
		assert.equal(ok.status, 200, ok.body);
		assert.deepEqual(ok.json.output, fits);
		for (const key of [["a".repeat(129)], ["b", "é".repeat(65)]]) {
			const res = await post(key);
			assert.equal(res.status, 400, res.body);
			assert.equal(res.json.code, "key_too_large");
			assert.deepEqual(res.json.metadata, { limit: 128 });
			const put = await request(server.port, {
				method: "PUT",
				path: "/actors",
				headers: { "content-type": "application/json" },
				body: JSON.stringify({ name: "counter", key: JSON.stringify(key), runner_name_selector: "default", crash_policy: "sleep" }),
			});
			assert.equal(put.status, 400);
			assert.equal(put.json.code, "key_too_large");
		}
	});

	test("creation input over 4 MiB: 400 message.incoming_too_long", T, async () => {
		const input = (n) => {
			const head = Buffer.from([0x5a, 0, 0, 0, 0]);
			head.writeUInt32BE(n, 1);
			return Buffer.concat([head, Buffer.alloc(n, 0x41)]).toString("base64");
		};
		const put = (n) =>
			request(server.port, {
				method: "POST",
				path: "/actors",
				headers: { "content-type": "application/json" },
				body: JSON.stringify({ name: "withInput", key: JSON.stringify([uid("in")]), input: input(n), runner_name_selector: "default", crash_policy: "sleep" }),
			});
		const over = await put(4 * MiB);
		assert.equal(over.status, 400);
		assert.equal(over.json.code, "incoming_too_long");
		assert.deepEqual(over.json.metadata, { limit: 4 * MiB });
		const ok = await put(1_000);
		assert.equal(ok.status, 200, ok.body.slice(0, 200));
	});

	test("a body declared over 20 MiB: 413 guard.invalid_request_body before it is read", T, async () => {
		const r = await rawExchange(server.port, [
			`POST ${gw("payloads", "action/size")} HTTP/1.1\r\nHost: x\r\nContent-Length: ${21 * MiB}\r\n\r\n{"args":[`,
		]);
		assert.equal(r.response?.status, 413, r.raw.slice(0, 200));
		assert.equal(r.response.json.code, "invalid_request_body");
		assert.equal(r.closedBy, "server");
	});

	test("a chunked body growing past 20 MiB: 413", T, async () => {
		const chunk = Buffer.alloc(MiB, 0x61);
		const r = await rawExchange(
			server.port,
			(socket) => {
				socket.write(`POST ${gw("rawHttp", "request/echo")} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n`);
				for (let i = 0; i < 22; i++) socket.write(Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from("\r\n")]));
			},
			{ wait: ms(15_000) },
		);
		assert.equal(r.response?.status, 413, r.raw.slice(0, 200));
		assert.equal(r.response.json.code, "invalid_request_body");
	});

	test("an actor key over 1024 bytes: 400 actor.key_too_large (gateway and management API)", T, async () => {
		const key = ["k".repeat(1_100)];
		const res = await request(server.port, {
			method: "POST",
			path: gw("counter", "action/getKey", key),
			headers: { "content-type": "application/json" },
			body: '{"args":[]}',
		});
		assert.equal(res.status, 400);
		assert.equal(res.json.code, "key_too_large");
		const put = await request(server.port, {
			method: "PUT",
			path: "/actors",
			headers: { "content-type": "application/json" },
			body: JSON.stringify({ name: "counter", key: JSON.stringify(key), runner_name_selector: "default", crash_policy: "sleep" }),
		});
		assert.equal(put.status, 400);
		assert.equal(put.json.code, "key_too_large");
	});

	test("GET /actors?limit= beyond 1000 is clamped to 1000; a limit that is not a number is refused", T, async () => {
		const name = "counter";
		// 1005 actors in all, created through the management API.
		for (let i = 0; i < 1005; i += 50) {
			await Promise.all(
				Array.from({ length: 50 }, (_, j) =>
					request(server.port, {
						method: "POST",
						path: "/actors",
						headers: { "content-type": "application/json" },
						body: JSON.stringify({ name, key: JSON.stringify([uid(`many${i + j}`)]), runner_name_selector: "default", crash_policy: "sleep" }),
					}).then((r) => assert.equal(r.status, 200, r.body)),
				),
			);
		}
		const page = await request(server.port, { path: `/actors?name=${name}&limit=1000000` });
		assert.equal(page.status, 200);
		assert.equal(page.json.actors.length, 1000);
		assert.ok(page.json.pagination.cursor, "a cursor for the rest");
		for (const bad of ["abc", "-1", "0", "99999999999999999999"]) {
			const res = await request(server.port, { path: `/actors?name=${name}&limit=${bad}` });
			assert.equal(res.status, 400, `limit=${bad}`);
			assert.equal(res.json.code, "invalid_input");
		}
		const ids = Array.from({ length: 33 }, (_, i) => `id${i}`).join(",");
		const tooMany = await request(server.port, { path: `/actors?actor_ids=${ids}` });
		assert.equal(tooMany.status, 400);
		assert.equal(tooMany.json.code, "too_many_actor_ids");
	});
});

// -- WebSocket messages over the limits --------------------------------------------------------

const wsUrl = (name, rest, key) => `${server.endpoint.replace("http", "ws")}${gw(name, rest, key)}`;

describe("WebSocket messages over the limits", notOnEngine(WHY_NOT.guard, { timeout: ms(120_000) }), () => {
	test("a raw WebSocket message over 32 MiB: close 1009 message.incoming_too_long; the handler sees it", T, async () => {
		const key = [uid("raw")];
		const ws = openWs(wsUrl("rawSocket", "websocket/", key), ["rivet"]);
		await ws.opened;
		ws.ws.send(Buffer.alloc(32 * MiB + 1, 0x61));
		assert.deepEqual(await within(ms(20_000), "close", ws.closed), { code: 1009, reason: "message.incoming_too_long" });
		const client = makeClient(server.endpoint, "json");
		try {
			const stats = await waitFor(
				"the socket closed on the actor",
				async () => {
					const s = await call(client.rawSocket.getOrCreate(key), "getStats");
					return s.closed === 1 ? s : null;
				},
				ms(10_000),
			);
			assert.deepEqual(stats, { opened: 1, closed: 1, messages: 0 });
		} finally {
			await disposeClient(client);
		}
	});

	test("a message over 32 MiB in many fragments: close 1009", T, async () => {
		const fragments = [];
		for (let i = 0; i < 33; i++) fragments.push(frame(i === 0 ? 2 : 0, Buffer.alloc(MiB, 0x63), { fin: false }));
		fragments.push(frame(0, Buffer.alloc(1), { fin: true }));
		const r = await rawWebSocket(server.port, gw("rawSocket", "websocket/"), ["rivet"], fragments, { wait: ms(20_000) });
		assert.deepEqual(r.close, { code: 1009, reason: "message.incoming_too_long" });
	});

	test("a frame announcing 2^62 bytes is refused once 32 MiB have arrived, without buffering more", T, async () => {
		const head = Buffer.from([0x82, 0xff, 0x40, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]);
		const body = Buffer.alloc(33 * MiB, 0x64);
		const r = await rawWebSocket(server.port, gw("rawSocket", "websocket/"), ["rivet"], [head, body], { wait: ms(20_000) });
		assert.equal(r.close?.code, 1009, JSON.stringify(r.close));
	});

	for (const size of [70_000, 33 * MiB]) {
		test(`a connection-protocol message of ${size} bytes (actor limit 64 KiB): close 1011 message.incoming_too_long`, T, async () => {
			const ws = openWs(wsUrl("counter", "connect"), ["rivet", "rivet_encoding.bare"]);
			await ws.opened;
			await waitFor("Init", () => ws.messages.length > 0);
			ws.ws.send(Buffer.alloc(size, 0x65));
			assert.deepEqual(await within(ms(20_000), "close", ws.closed), { code: 1011, reason: "message.incoming_too_long" });
		});
	}
});

// -- malformed HTTP ------------------------------------------------------------------------------

describe("malformed HTTP: 400 protocol.invalid_http_request, then closed", notOnEngine(WHY_NOT.guard, { timeout: ms(60_000) }), () => {
	const cases = {
		"a garbage request line": "GARBAGE\r\n\r\n",
		"an unknown HTTP version": "GET /metadata HTTP/9.9\r\nHost: x\r\n\r\n",
		"a header without a colon": "GET /metadata HTTP/1.1\r\nHost x\r\n\r\n",
		"two different Content-Lengths": "POST /actors HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
		"a bad chunk size": "POST /actors HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
		"a NUL in the target": "GET /meta\x00data HTTP/1.1\r\nHost: x\r\n\r\n",
		"binary bytes": Buffer.from([0, 1, 2, 3, 0xff, 0xfe, 13, 10, 13, 10]),
		"a bare LF line ending": "GET /metadata HTTP/1.1\nHost: x\n\n",
	};
	for (const [what, bytes] of Object.entries(cases)) {
		test(what, T, async () => {
			const r = await rawExchange(server.port, [bytes]);
			assert.equal(r.response?.status, 400, r.raw.slice(0, 200));
			assert.equal(r.response.json.group, "protocol");
			assert.equal(r.response.json.code, "invalid_http_request");
			assert.equal(r.closedBy, "server");
		});
	}

	test("a pipelined good request after a bad one is not served (the connection is gone)", T, async () => {
		const r = await rawExchange(server.port, ["GARBAGE\r\n\r\nGET /metadata HTTP/1.1\r\nHost: x\r\n\r\n"]);
		assert.equal(r.raw.match(/HTTP\/1\.1 /g)?.length, 1);
		await assertUp();
	});
});

// -- malformed WebSocket frames ------------------------------------------------------------------

describe("malformed WebSocket frames close the socket with the RFC 6455 code", notOnEngine(WHY_NOT.guard, { timeout: ms(60_000) }), () => {
	const cases = [
		["an unmasked client frame", frame(1, Buffer.from("hi"), { mask: false }), 1002],
		["a reserved opcode", frame(3, Buffer.from("hi")), 1002],
		["RSV1 without an extension", frame(1, Buffer.from("hi"), { rsv: 4 }), 1002],
		["a ping over 125 bytes", frame(9, Buffer.alloc(200)), 1002],
		["a fragmented ping", frame(9, Buffer.alloc(2), { fin: false }), 1002],
		["a continuation with nothing to continue", frame(0, Buffer.from("x")), 1002],
		["a close frame with code 999", frame(8, Buffer.from([0x03, 0xe7])), 1002],
		["invalid UTF-8 in a text frame", frame(1, Buffer.from([0x68, 0xff, 0xfe])), 1007],
	];
	for (const [path, label] of [
		["websocket/", "raw WebSocket"],
		["connect", "connection protocol"],
	]) {
		for (const [what, bytes, code] of cases) {
			test(`${label}: ${what} → ${code}`, T, async () => {
				const name = path === "connect" ? "counter" : "rawSocket";
				const r = await rawWebSocket(server.port, gw(name, path), ["rivet", "rivet_encoding.json"], [bytes]);
				assert.equal(r.status, 101);
				assert.equal(r.close?.code, code, `close ${JSON.stringify(r.close)}`);
			});
		}
	}
});

// -- malformed protocol messages, all three encodings -------------------------------------------

describe("malformed connection-protocol messages: close 1011 actor.invalid_request", { timeout: ms(120_000) }, () => {
	const badUtf8 = Buffer.from([0x78, 0xff, 0xfe]);
	const cases = {
		json: {
			"a truncated message": Buffer.from('{"body":{"tag":"ActionRequest","val":{"id":'),
			"an unknown message tag": Buffer.from('{"body":{"tag":"Nope","val":{}}}'),
			"a field of the wrong type": Buffer.from('{"body":{"tag":"ActionRequest","val":{"id":"x","name":1,"args":{}}}}'),
			"arguments nested 10 000 deep": Buffer.from(jsonAction(0, "increment", deepJson(10_000))),
			"invalid UTF-8 in the action name (binary frame)": Buffer.concat([
				Buffer.from('{"body":{"tag":"ActionRequest","val":{"id":["$BigInt","0"],"name":"'),
				badUtf8,
				Buffer.from('","args":[]}}}'),
			]),
			"not JSON at all": Buffer.from([0xde, 0xad, 0xbe, 0xef]),
		},
		cbor: {
			"a truncated message": cborAction(0, "increment", cbor([1])).subarray(0, 20),
			"an unknown message tag": cbor({ body: { tag: "Nope", val: {} } }),
			"arguments nested 10 000 deep": cborAction(0, "increment", deepCbor(10_000)),
			"a bignum tag on a text string": cborAction(0, "increment", Buffer.from([0x81, 0xc2, 0x61, 0x41])),
			"invalid UTF-8 in the action name": cborAction(0, { text: badUtf8 }, cbor([1])),
			"a map key that is not text": cbor({ raw: Buffer.from([0xa1, 0x01, 0x02]) }),
			"an indefinite length never ended": Buffer.from([0xbf, 0x64, 0x62, 0x6f, 0x64, 0x79, 0x9f, 0x01]),
		},
		bare: {
			"a truncated message": bareAction(0, Buffer.from("increment"), cbor([1])).subarray(0, 8),
			"an unknown message tag": Buffer.from([4, 0, 7, 0, 0]),
			"an unknown protocol version": Buffer.from([99, 0, 0, 0, 1, 0x61, 1, 0x80]),
			"a string length of 4 GiB": Buffer.from([4, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x61]),
			"a varint that never ends": Buffer.concat([Buffer.from([4, 0, 0]), Buffer.alloc(20, 0xff)]),
			"arguments nested 10 000 deep": bareAction(0, Buffer.from("increment"), deepCbor(10_000)),
			"invalid UTF-8 in the action name": bareAction(0, badUtf8, cbor([1])),
			"arguments that are not CBOR": bareAction(0, Buffer.from("increment"), Buffer.from([0xff, 0xff])),
		},
	};
	for (const [encoding, messages] of Object.entries(cases)) {
		for (const [what, bytes] of Object.entries(messages)) {
			test(`${encoding}: ${what}`, T, async () => {
				const r = await rawWebSocket(server.port, gw("counter", "connect"), ["rivet", `rivet_encoding.${encoding}`], [frame(2, bytes)]);
				assert.equal(r.status, 101);
				assert.deepEqual(r.close, { code: 1011, reason: "actor.invalid_request" });
				assert.equal(r.frames[0].opcode, encoding === "json" ? 1 : 2, "Init came first");
			});
		}
	}

	test("json: invalid UTF-8 in a text frame → 1007 (the transport checks text frames)", notOnEngine(WHY_NOT.guard, T), async () => {
		const bytes = Buffer.concat([Buffer.from('{"body":"'), badUtf8, Buffer.from('"}')]);
		const r = await rawWebSocket(server.port, gw("counter", "connect"), ["rivet", "rivet_encoding.json"], [frame(1, bytes)]);
		assert.equal(r.close?.code, 1007);
	});

	test("an unknown encoding: close 1003 actor.unsupported_websocket_encoding", T, async () => {
		const r = await rawWebSocket(server.port, gw("counter", "connect"), ["rivet", "rivet_encoding.xml"], []);
		assert.deepEqual(r.close, { code: 1003, reason: "actor.unsupported_websocket_encoding" });
	});

	test("a CBOR tag the server does not know is read through (the value is kept)", T, async () => {
		const r = await rawWebSocket(
			server.port,
			gw("counter", "connect"),
			["rivet", "rivet_encoding.cbor"],
			[frame(2, cborAction(0, "increment", Buffer.from([0x81, 0xd9, 0xff, 0xfe, 0x05])))],
			{ wait: 1_500 },
		);
		assert.equal(r.close, null, "no close");
		assert.equal(r.frames.length, 2, "Init, then the action's answer");
	});
});

describe("malformed HTTP action bodies: 400, in every encoding", { timeout: ms(60_000) }, () => {
	const bodies = {
		json: { "arguments nested 10 000 deep": `{"args":${deepJson(10_000)}}`, "invalid UTF-8": Buffer.from([0x7b, 0xff, 0x7d]), "truncated": '{"args":[' },
		cbor: { "arguments nested 10 000 deep": cbor({ args: { raw: deepCbor(10_000) } }), "invalid UTF-8": cbor({ args: [{ text: Buffer.from([0xff]) }] }), "truncated": cbor({ args: [1, 2] }).subarray(0, 4) },
		bare: { "arguments nested 10 000 deep": Buffer.concat([Buffer.from([4, 0, 0x90, 0x4e]), deepCbor(9_999)]), "a length past the end": Buffer.from([4, 0, 0x7f, 0x81]), "truncated": Buffer.from([4]) },
	};
	for (const [encoding, cases] of Object.entries(bodies)) {
		for (const [what, body] of Object.entries(cases)) {
			test(`${encoding}: ${what}`, T, async () => {
				const res = await request(server.port, {
					method: "POST",
					path: gw("payloads", "action/echo"),
					headers: { "x-rivet-encoding": encoding, "content-type": encoding === "json" ? "application/json" : "application/octet-stream" },
					body,
				});
				assert.equal(res.status, 400, res.body.slice(0, 200));
			});
		}
	}

	test("management API: a body nested 10 000 deep → 400 validation.invalid_input", notOnEngine("the management API is the engine's", T), async () => {
		const res = await request(server.port, {
			method: "PUT",
			path: "/actors",
			headers: { "content-type": "application/json" },
			body: `{"name":"counter","key":"a","input":${deepJson(10_000)}}`,
		});
		assert.equal(res.status, 400);
		assert.equal(res.json.code, "invalid_input");
	});

	test("invalid UTF-8 and bad escapes in names, keys and connection params: 4xx, structured", notOnEngine(WHY_NOT.guard, T), async () => {
		const post = (p, headers = {}) =>
			request(server.port, { method: "POST", path: p, headers: { "content-type": "application/json", ...headers }, body: '{"args":[]}' });
		const name = await post(`${gw("counter", "action/%FF%FE")}`);
		assert.equal(name.status, 400);
		assert.equal(name.json.code, "invalid_http_request");
		const key = await post("/gateway/counter/action/getKey?rvt-namespace=default&rvt-method=getOrCreate&rvt-key=%FF%FE&rvt-runner=default");
		assert.equal(key.status, 400);
		assert.equal(key.json.code, "query_invalid_percent_encoding");
		const badEscape = await post("/gateway/counter/action/getKey?rvt-namespace=default&rvt-method=getOrCreate&rvt-key=%G1&rvt-runner=default");
		assert.equal(badEscape.status, 400);
		const params = await post(gw("chatRoom", "action/whoAmI"), { "x-rivet-conn-params": Buffer.from([0x7b, 0xff, 0x7d]).toString("latin1") });
		assert.equal(params.status, 400);
		assert.equal(params.json.group, "core", "masked, as upstream");
	});
});

// -- unknown actors and path tricks --------------------------------------------------------------

describe("unknown actors and path tricks", notOnEngine(WHY_NOT.guard, { timeout: ms(60_000) }), () => {
	test("unknown actor names and ids: 404 actor.not_found over HTTP, close 1011 over WebSocket", T, async () => {
		const post = (p) => request(server.port, { method: "POST", path: p, headers: { "content-type": "application/json" }, body: '{"args":[]}' });
		for (const p of [
			gw("nope", "action/x"),
			gw("..%2F..%2Fetc", "action/x"),
			"/gateway/00000000000000000000000000000/action/x",
			"/gateway/..%2Frivet.db/action/x",
			"/gateway/%2e%2e/action/x",
		]) {
			const res = await post(p);
			assert.equal(res.status, 404, `${p}: ${res.body}`);
			assert.equal(res.json.code, "not_found", p);
		}
		const r = await rawWebSocket(server.port, gw("nope", "connect"), ["rivet", "rivet_encoding.json"], []);
		assert.equal(r.close?.code, 1011);
		assert.match(r.close.reason, /^actor\.not_found#/);
		const put = await request(server.port, {
			method: "PUT",
			path: "/actors",
			headers: { "content-type": "application/json" },
			body: JSON.stringify({ name: "../../x", key: "a", runner_name_selector: "default", crash_policy: "sleep" }),
		});
		assert.equal(put.json?.code, "not_found");
		const del = await request(server.port, { method: "DELETE", path: "/actors/..%2F..%2Frivet.db" });
		assert.ok(del.status >= 400 && del.status < 500, `DELETE: ${del.status}`);
	});

	test("keys made of path pieces are plain keys: nothing is written outside the data directory", T, async () => {
		const client = makeClient(server.endpoint, "json");
		try {
			for (const key of [["..", "..", "etc", "passwd"], ["../../../../tmp/escape"], ["/", "\\", "..\\..\\x"], ["%2e%2e%2f"]]) {
				const h = client.sqlNotes.getOrCreate(key);
				await call(h, "addNote", "hello");
				const back = client.counter.getOrCreate(key);
				assert.deepEqual(await call(back, "getKey"), key);
			}
		} finally {
			await disposeClient(client);
		}
		// A NUL byte in a key (the client cannot send one; a raw request can).
		const nul = await request(server.port, {
			method: "POST",
			path: "/gateway/sqlNotes/action/addNote?rvt-namespace=default&rvt-method=getOrCreate&rvt-key=..%2F..%00x&rvt-runner=default",
			headers: { "content-type": "application/json" },
			body: '{"args":["nul"]}',
		});
		assert.equal(nul.status, 200, nul.body);
		const outside = readdirSync(tmp.root).filter((f) => !["data", "ui", "site", "secret.txt"].includes(f));
		assert.deepEqual(outside, [], "nothing new beside the data directory");
		const actors = readdirSync(path.join(tmp.dataDir, "actors"));
		assert.ok(actors.length >= 5 && actors.every((f) => /^[0-9a-z]+\.sqlite(-wal|-shm|-journal)?$/.test(f)), actors.join(" "));
	});

	test("static files: no path reaches a file beside the served directories", T, async () => {
		const attempts = [
			"/ui/../secret.txt",
			"/ui/..%2fsecret.txt",
			"/ui/%2e%2e/secret.txt",
			"/ui/%2e%2e%2fsecret.txt",
			"/ui/%252e%252e/secret.txt",
			"/ui/..\\secret.txt",
			"/ui//../secret.txt",
			"/ui/%00/../secret.txt",
			"/assets/../secret.txt",
			"/assets/%2e%2e/secret.txt",
			"/..%2fsecret.txt",
			"/%2e%2e/secret.txt",
			"/secret.txt",
		];
		for (const p of attempts) {
			const r = await rawExchange(server.port, [`GET ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`]);
			assert.ok(!r.raw.includes("TOP-SECRET"), `${p} served the secret`);
			assert.ok(r.response, `${p}: an answer`);
		}
		assert.equal((await request(server.port, { path: "/ui/" })).body, "<p>ui</p>");
	});
});

// -- actions in flight on one connection ---------------------------------------------------------

describe("actions in flight on one WebSocket are bounded", { timeout: ms(60_000) }, () => {
	test(`the ${MAX_IN_FLIGHT + 1}th concurrent action is refused with actor.too_many_actions_in_flight; the connection stays`, T, async () => {
		const ws = openWs(wsUrl("slowpoke", "connect"), ["rivet", "rivet_encoding.json"]);
		await ws.opened;
		await waitFor("Init", () => ws.messages.length > 0);
		const total = MAX_IN_FLIGHT + 10;
		for (let id = 0; id < total; id++) ws.ws.send(jsonAction(id, "wait", "[300]"));
		await waitFor("every action answered", () => ws.messages.length >= 1 + total, ms(10_000));
		const replies = ws.messages.slice(1).map((m) => JSON.parse(m).body);
		const ok = replies.filter((b) => b.tag === "ActionResponse");
		const refused = replies.filter((b) => b.tag === "Error");
		assert.equal(ok.length, MAX_IN_FLIGHT);
		assert.equal(refused.length, 10);
		for (const e of refused) {
			assert.equal(e.val.group, "actor");
			assert.equal(e.val.code, "too_many_actions_in_flight");
			assert.deepEqual(e.val.metadata, { limit: MAX_IN_FLIGHT });
		}
		// The refused ones were the last sent.
		const refusedIds = refused.map((e) => Number(e.val.actionId[1] ?? e.val.actionId)).sort((a, b) => a - b);
		assert.deepEqual(refusedIds, Array.from({ length: 10 }, (_, i) => MAX_IN_FLIGHT + i));
		// In engine mode /metrics is the engine's, not this server's.
		if (!ENGINE) assert.equal(await metric(server.port, "rivet_server_actions_refused_total"), 10);
		// Once they finished, the connection takes new actions.
		ws.ws.send(jsonAction(1000, "wait", "[1]"));
		await waitFor("one more answer", () => ws.messages.length >= 2 + total);
		assert.equal(JSON.parse(ws.messages.at(-1)).body.tag, "ActionResponse");
		ws.ws.close();
	});

	test("the official client with as many actions in flight as the bound is never refused", T, async () => {
		const client = makeClient(server.endpoint, "json");
		const conn = client.counter.getOrCreate([uid("bound")]).connect();
		try {
			for (let round = 0; round < 5; round++) {
				const results = await Promise.all(Array.from({ length: MAX_IN_FLIGHT }, () => call(conn, "increment", 1)));
				assert.equal(results.length, MAX_IN_FLIGHT);
			}
			assert.equal(await call(conn, "getCount"), 5 * MAX_IN_FLIGHT);
		} finally {
			await disposeConn(conn);
			await disposeClient(client);
		}
	});
});

// -- memory and neighbours under a mixed burst ---------------------------------------------------

describe("a mixed hostile burst: memory stays bounded, others are served", notOnEngine("the burst and its memory bound are the engine guard's; this server's RSS is not what it measures", { timeout: ms(180_000) }), () => {
	test("RSS before, during and after; a well-behaved client meanwhile", T, async () => {
		// Warm up the allocator and the actors first, so the measure shows the attack only.
		await rawWebSocket(server.port, gw("counter", "connect"), ["rivet", "rivet_encoding.bare"], [frame(2, Buffer.alloc(70_000))]);
		const before = rss(server.pid);
		const peak = sampleRss(server.pid);
		const calm = calmClient(server.endpoint);
		const attack = [];
		// 24 connection-protocol sockets each sending a 30 MiB message: under the transport's limit,
		// over the actor's, so the reader stops at 64 KiB (buffering whole messages first cost
		// about 300 MiB here).
		const huge = frame(2, Buffer.alloc(30 * MiB, 0x70));
		for (let i = 0; i < 24; i++) {
			attack.push(rawWebSocket(server.port, gw("counter", "connect"), ["rivet", "rivet_encoding.bare"], [huge], { wait: ms(60_000) }));
		}
		// 100 slow-loris headers, 100 oversized headers, 100 malformed requests, 100 bad frames.
		for (let i = 0; i < 100; i++) {
			attack.push(trickle(server.port, "GET /metadata HTTP/1.1\r\n", "X: y\r\n", { every: 100, wait: ms(10_000) }));
			attack.push(rawExchange(server.port, [`GET / HTTP/1.1\r\nX-Big: ${"z".repeat(70_000)}\r\n\r\n`]));
			attack.push(rawExchange(server.port, ["NOT HTTP\r\n\r\n"]));
			attack.push(rawWebSocket(server.port, gw("counter", "connect"), ["rivet", "rivet_encoding.cbor"], [frame(2, deepCbor(10_000))]));
		}
		await Promise.all(attack);
		const stats = await calm.stop();
		const top = peak.stop();
		const afterRss = rss(server.pid);
		const sanitizer = Boolean(process.env.RIVET_WIRE_SANITIZER);
		const bound = (sanitizer ? 512 : 100) * MiB;
		console.log(
			`# RSS before ${(before / MiB).toFixed(1)} MiB, peak ${(top / MiB).toFixed(1)} MiB, after ${(afterRss / MiB).toFixed(1)} MiB; ` +
				`calm client ${stats.http} HTTP + ${stats.ws} WS calls, slowest ${stats.maxMs} ms`,
		);
		assert.ok(top - before < bound, `peak RSS grew by ${((top - before) / MiB).toFixed(1)} MiB (24 × 30 MiB were sent)`);
		assert.ok(afterRss - before < bound, `RSS grew by ${((afterRss - before) / MiB).toFixed(1)} MiB`);
		assertCalm(stats, "the burst");
		await assertUp();
	});
});

// -- too many connections: a server of its own, with a small cap ---------------------------------

describe("too many connections", notOnEngine("client connections end at the engine's guard; this server's connection cap does not apply", { timeout: ms(120_000) }), () => {
	const CAP = 20;
	let capped;
	before(async () => {
		capped = await startServer({ label: "hostile-capped", extraArgs: ["--max-connections", String(CAP)] });
	});
	after(async () => {
		await capped?.dispose();
	});

	test(`connection ${CAP + 1}: 503 guard.too_many_connections (HTTP and WebSocket upgrade); served again once one closes`, T, async () => {
		const { default: net } = await import("node:net");
		// Hold every slot with idle connections.
		const holders = [];
		const refused = async () => {
			const r = await rawExchange(capped.port, ["GET /metadata HTTP/1.1\r\nHost: x\r\n\r\n"], { wait: 3_000 });
			return r.response?.status === 503 ? r : null;
		};
		for (let i = 0; i < CAP; i++) {
			const s = net.connect(capped.port, "127.0.0.1");
			s.on("error", () => {});
			holders.push(s);
			await new Promise((r) => s.once("connect", r));
		}
		try {
			const r = await waitFor("a refusal", refused, ms(10_000));
			assert.equal(r.response.json.group, "guard");
			assert.equal(r.response.json.code, "too_many_connections");
			assert.deepEqual(r.response.json.metadata, { limit: CAP });
			assert.equal(r.response.headers["retry-after"], "1");
			assert.equal(r.closedBy, "server");
			const ws = openWs(`${capped.endpoint.replace("http", "ws")}${gw("counter", "connect")}`, ["rivet", "rivet_encoding.json"]);
			const err = await ws.opened.then(() => null, (e) => e);
			assert.equal(err?.status, 503);
			assert.equal(JSON.parse(err.body).code, "too_many_connections");
			// A flood beyond the cap is refused or dropped; the server stays up.
			const flood = await Promise.all(Array.from({ length: 300 }, () => rawExchange(capped.port, ["GET /metadata HTTP/1.1\r\nHost: x\r\n\r\n"], { wait: 5_000 })));
			assert.ok(flood.every((f) => f.response?.status !== 200), "nothing served beyond the cap");
		} finally {
			for (const s of holders.splice(0, 5)) s.destroy();
		}
		// Slots free up as connections close.
		await waitFor("served again", async () => (await rawExchange(capped.port, ["GET /metadata HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"])).response?.status === 200, ms(10_000));
		for (const s of holders) s.destroy();
		assert.ok((await metric(capped.port, "rivet_server_connections_refused_total")) >= 2, "refusals are counted");
		// All slots back: the official client works.
		const client = makeClient(capped.endpoint, "json");
		try {
			await waitFor("a call succeeds", async () => (await call(client.counter.getOrCreate([uid("cap")]), "increment", 1)) === 1, ms(10_000));
		} finally {
			await disposeClient(client);
		}
	});
});
