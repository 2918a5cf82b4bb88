// conformance-fixtures.md §6.1 `rawHttp`: onRequest behind `/request/...` through handle.fetch()
// (client-protocol.md §5.4, conformance notes 53-54).

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { startServer } from "./helpers/server.mjs";
import { ENCODINGS, call, disposeClient, makeClient, ms, uid, within } from "./helpers/util.mjs";

const T = { timeout: ms(30_000) };
const FETCH_LIMIT_MS = ms(20_000);

let server;
before(async () => {
	server = await startServer({ label: "raw-http" });
});
after(async () => {
	await server?.dispose();
});

/** handle.fetch() that never hangs a test. */
function fetchOn(handle, input, init) {
	return within(FETCH_LIMIT_MS, `fetch(${String(input)})`, handle.fetch(input, init));
}

async function bytesOf(res) {
	return Buffer.from(await res.arrayBuffer());
}

for (const encoding of ENCODINGS) {
	describe(`rawHttp [${encoding}]`, { timeout: ms(60_000) }, () => {
		let client;
		before(() => {
			client = makeClient(server.endpoint, encoding);
		});
		after(async () => {
			await disposeClient(client);
		});

		test("GET /hello, the request count, and the getRequestCount action", T, async () => {
			const h = client.rawHttp.getOrCreate([uid(`hello-${encoding}`)]);
			const res = await fetchOn(h, "hello");
			assert.equal(res.status, 200);
			assert.equal(res.headers.get("content-type"), "text/plain; charset=utf-8");
			assert.equal(await res.text(), "hello from rawHttp");
			const again = await fetchOn(h, "/hello");
			assert.equal(await again.text(), "hello from rawHttp");
			assert.equal(await call(h, "getRequestCount"), 2);
			const count = await fetchOn(h, "count");
			assert.deepEqual(await count.json(), { requestCount: 3 });
			assert.equal(await call(h, "getRequestCount"), 3);
		});
	});
}

describe("rawHttp [json]", { timeout: ms(120_000) }, () => {
	let client;
	before(() => {
		client = makeClient(server.endpoint, "json");
	});
	after(async () => {
		await disposeClient(client);
	});
	const handle = (label) => client.rawHttp.getOrCreate([uid(label)]);

	test("/echo passes method, body and content type through (POST, PUT, DELETE, PATCH)", T, async () => {
		const h = handle("echo");
		for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
			const body = `${method} body ✓`;
			const res = await fetchOn(h, "echo", { method, body, headers: { "content-type": "text/x-test" } });
			assert.equal(res.status, 200, method);
			assert.equal(res.headers.get("x-echo-method"), method);
			assert.equal(res.headers.get("x-echo-length"), String(Buffer.byteLength(body)));
			assert.equal(res.headers.get("content-type"), "text/x-test");
			assert.equal(await res.text(), body);
		}
		const res = await fetchOn(h, "echo", { method: "POST", body: new Uint8Array([0, 1, 2, 255]) });
		assert.equal(res.headers.get("content-type"), "application/octet-stream");
		assert.deepEqual([...(await bytesOf(res))], [0, 1, 2, 255]);
		const get = await fetchOn(h, "echo");
		assert.equal(get.headers.get("x-echo-method"), "GET");
		assert.equal(get.headers.get("x-echo-length"), "0");
	});

	test("300 000-byte bodies round-trip, request after request", T, async () => {
		const h = handle("big");
		for (let i = 0; i < 6; i++) {
			const body = randomBytes(300_000);
			const res = await fetchOn(h, "echo", { method: i % 2 ? "PUT" : "POST", body });
			assert.equal(res.status, 200);
			assert.equal(res.headers.get("x-echo-length"), "300000");
			const back = await bytesOf(res);
			assert.equal(back.length, body.length);
			assert.ok(back.equals(body), `body ${i} differs`);
		}
		assert.equal(await call(h, "getRequestCount"), 6);
	});

	test("bodies up to the 20 MiB limit are served; larger ones get 413", T, async () => {
		const h = handle("limit");
		const body = randomBytes(12 * 1024 * 1024);
		const res = await fetchOn(h, "echo", { method: "POST", body });
		assert.equal(res.status, 200);
		assert.ok((await bytesOf(res)).equals(body));
		const tooBig = await fetchOn(h, "echo", { method: "POST", body: Buffer.alloc(21 * 1024 * 1024) }).catch((e) => e);
		if (tooBig instanceof Error) {
			// The server may close before the client finished sending the body.
			assert.match(String(tooBig.cause ?? tooBig), /socket|closed|reset|EPIPE|fetch failed|other side/i);
		} else {
			assert.equal(tooBig.status, 413);
			assert.equal((await tooBig.json()).code, "invalid_request_body");
		}
	});

	test("/inspect sees method, path, query and headers", T, async () => {
		const h = handle("inspect");
		let res = await fetchOn(h, "inspect?a=1&b=two%20words&c=x+y", { headers: { "x-custom-header": "hello" } });
		assert.deepEqual(await res.json(), {
			method: "GET",
			path: "/inspect",
			query: { a: "1", b: "two words", c: "x y" },
			custom: "hello",
		});
		res = await fetchOn(h, "/inspect", { method: "DELETE" });
		assert.deepEqual(await res.json(), { method: "DELETE", path: "/inspect", query: {}, custom: null });
		// A URL input: the client sends x-rivet-internal-original-request-url, which becomes the
		// request URL the handler sees.
		res = await fetchOn(h, new URL("http://app.example/inspect?via=url"), { method: "PATCH", body: "x" });
		assert.deepEqual(await res.json(), { method: "PATCH", path: "/inspect", query: { via: "url" }, custom: null });
	});

	test("/status/NNN answers with that status", T, async () => {
		const h = handle("status");
		for (const code of [200, 201, 202, 400, 404, 418, 500, 503]) {
			const res = await fetchOn(h, `status/${code}`);
			assert.equal(res.status, code);
			assert.equal(await res.text(), `status ${code}`);
		}
		for (const code of [204, 304]) {
			const res = await fetchOn(h, `status/${code}`);
			assert.equal(res.status, code);
			assert.equal(await res.text(), "");
		}
	});

	test("unknown paths are 404 'not found'; an actor without onRequest answers 404 with an empty body", T, async () => {
		const h = handle("nf");
		let res = await fetchOn(h, "nope");
		assert.equal(res.status, 404);
		assert.equal(await res.text(), "not found");
		res = await fetchOn(h, "", { method: "POST", body: "x" });
		assert.equal(res.status, 404);
		assert.equal(await res.text(), "not found");
		const counter = client.counter.getOrCreate([uid("no-on-request")]);
		res = await fetchOn(counter, "anything");
		assert.equal(res.status, 404);
		assert.equal(await res.text(), "");
	});

	test("concurrent requests all count", T, async () => {
		const h = handle("conc");
		const results = await Promise.all(
			Array.from({ length: 25 }, (_, i) => fetchOn(h, i % 2 ? "hello" : "echo", { method: i % 2 ? "GET" : "POST", body: i % 2 ? undefined : `b${i}` })),
		);
		for (const res of results) {
			assert.equal(res.status, 200);
			await res.arrayBuffer();
		}
		assert.equal(await call(h, "getRequestCount"), 25);
	});
});
