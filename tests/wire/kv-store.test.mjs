// conformance-fixtures.md §4.1 `kvStore`: per-actor key-value storage, text
// and binary values, prefix listing ordered by UTF-8 bytes, survives sleep.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startServer } from "./helpers/server.mjs";
import { ENCODINGS, call, disposeClient, disposeConn, makeClient, ms, uid } from "./helpers/util.mjs";

const T = { timeout: ms(30_000) };

/** Sorts strings by their UTF-8 bytes (not by UTF-16 units as JS does). */
const byUtf8 = (xs) => [...xs].sort((a, b) => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8")));

// U+FF01 sorts before U+1F600 in UTF-8 but after it in UTF-16: the order tells them apart.
const KEYS = ["b", "a", "B", "ab", "a/b", "a b", "é", "\uFF01", "\u{1F600}", "z", "Z9", "ä", "a\u0000"];

let server;
before(async () => {
	server = await startServer({ label: "kv-store" });
});
after(async () => {
	await server?.dispose();
});

for (const encoding of ENCODINGS) {
	describe(`kvStore [${encoding}]`, { timeout: ms(60_000) }, () => {
		let client;
		before(() => {
			client = makeClient(server.endpoint, encoding);
		});
		after(async () => {
			await disposeClient(client);
		});
		const key = (label) => [uid(`${label}-${encoding}`)];

		test("put/get/delete: overwrite, missing keys are null, deleting a missing key is fine", T, async () => {
			const h = client.kvStore.getOrCreate(key("basic"));
			assert.equal(await call(h, "get", "nope"), null);
			assert.equal(await call(h, "put", "greeting", "hello"), null);
			assert.equal(await call(h, "get", "greeting"), "hello");
			assert.equal(await call(h, "put", "greeting", "hallo ü ✓ \u{1F600}"), null);
			assert.equal(await call(h, "get", "greeting"), "hallo ü ✓ \u{1F600}");
			assert.equal(await call(h, "put", "empty", ""), null);
			assert.equal(await call(h, "get", "empty"), "", "an empty value is not a missing one");
			assert.equal(await call(h, "put", "", "empty key"), null);
			assert.equal(await call(h, "get", ""), "empty key");
			assert.equal(await call(h, "delete", "greeting"), null);
			assert.equal(await call(h, "get", "greeting"), null);
			assert.equal(await call(h, "delete", "greeting"), null, "deleting again");
			assert.equal(await call(h, "delete", "never-there"), null);
			assert.equal(await call(h, "get", "empty"), "");
		});

		test("list orders by UTF-8 bytes, filters by prefix, returns full keys; '' lists all", T, async () => {
			const h = client.kvStore.getOrCreate(key("list"));
			assert.deepEqual(await call(h, "list", ""), [], "a new actor has no keys");
			for (const k of KEYS) assert.equal(await call(h, "put", k, `v:${k}`), null);
			const all = await call(h, "list", "");
			assert.deepEqual(
				all.map((e) => e.key),
				byUtf8(KEYS),
				"order of list('')",
			);
			assert.deepEqual(all, byUtf8(KEYS).map((k) => ({ key: k, value: `v:${k}` })));

			const expectPrefix = async (prefix) => {
				const got = await call(h, "list", prefix);
				const want = byUtf8(KEYS.filter((k) => Buffer.from(k).subarray(0, Buffer.byteLength(prefix)).equals(Buffer.from(prefix))));
				assert.deepEqual(got, want.map((k) => ({ key: k, value: `v:${k}` })), `list(${JSON.stringify(prefix)})`);
				return got;
			};
			assert.equal((await expectPrefix("a")).length, 5);
			assert.equal((await expectPrefix("a/")).length, 1);
			assert.equal((await expectPrefix("ab")).length, 1);
			assert.equal((await expectPrefix("\u{1F600}")).length, 1);
			assert.equal((await expectPrefix("é")).length, 1);
			assert.equal((await expectPrefix("q")).length, 0);
			assert.equal((await expectPrefix("a\u0000")).length, 1);

			// Deleted keys disappear from listings; overwritten ones keep their place.
			await call(h, "delete", "ab");
			await call(h, "put", "a", "new");
			const after = await call(h, "list", "a");
			assert.deepEqual(
				after.map((e) => e.key),
				byUtf8(["a", "a/b", "a b", "a\u0000"]),
			);
			assert.equal(after.find((e) => e.key === "a").value, "new");
		});

		test("putBytes/getBytes round-trip 0..255; getBytes of a missing key is null", T, async () => {
			const h = client.kvStore.getOrCreate(key("bytes"));
			const all = Array.from({ length: 256 }, (_, i) => i);
			assert.equal(await call(h, "putBytes", "all", all), null);
			assert.deepEqual(await call(h, "getBytes", "all"), all);
			const reversed = [...all].reverse();
			assert.equal(await call(h, "putBytes", "all", reversed), null);
			assert.deepEqual(await call(h, "getBytes", "all"), reversed, "overwritten bytes");
			assert.equal(await call(h, "putBytes", "none", []), null);
			assert.deepEqual(await call(h, "getBytes", "none"), []);
			assert.equal(await call(h, "getBytes", "missing"), null);
			// Text written with put reads back as its UTF-8 bytes.
			await call(h, "put", "text", "é!");
			assert.deepEqual(await call(h, "getBytes", "text"), [0xc3, 0xa9, 0x21]);
			await call(h, "delete", "all");
			assert.equal(await call(h, "getBytes", "all"), null);
		});

		test("48 KB values round-trip (text and bytes)", T, async () => {
			const h = client.kvStore.getOrCreate(key("big"));
			const text = Array.from({ length: 48 * 1024 }, (_, i) => String.fromCharCode(33 + (i % 94))).join("");
			assert.equal(await call(h, "put", "big", text), null);
			const back = await call(h, "get", "big");
			assert.equal(back.length, text.length);
			assert.ok(back === text, "48 KiB text value changed on the way");
			const listed = await call(h, "list", "bi");
			assert.equal(listed.length, 1);
			assert.ok(listed[0].value === text);
			const bytes = Array.from({ length: 12 * 1024 }, (_, i) => (i * 7) % 256);
			assert.equal(await call(h, "putBytes", "bigbytes", bytes), null);
			assert.deepEqual(await call(h, "getBytes", "bigbytes"), bytes);
		});

		test("each actor has its own key space", T, async () => {
			const a = client.kvStore.getOrCreate(key("spaceA"));
			const b = client.kvStore.getOrCreate(key("spaceB"));
			await call(a, "put", "shared", "from A");
			assert.equal(await call(b, "get", "shared"), null);
			await call(b, "put", "shared", "from B");
			assert.equal(await call(a, "get", "shared"), "from A");
			assert.deepEqual(await call(a, "list", ""), [{ key: "shared", value: "from A" }]);
			assert.deepEqual(await call(b, "list", ""), [{ key: "shared", value: "from B" }]);
		});
	});
}

describe("kvStore across sleep", { timeout: ms(60_000) }, () => {
	test("data survives sleepNow and idle sleep; also over a WebSocket", T, async () => {
		const client = makeClient(server.endpoint, "bare");
		try {
			const h = client.kvStore.getOrCreate([uid("sleep")]);
			const conn = h.connect();
			try {
				await call(conn, "put", "k1", "v1");
				await call(conn, "putBytes", "b2", [0, 255, 128]);
				assert.equal(await call(conn, "get", "k1"), "v1");
			} finally {
				await disposeConn(conn);
			}
			assert.equal(await call(h, "sleepNow"), null);
			assert.equal(await call(h, "get", "k1"), "v1", "after sleepNow");
			assert.deepEqual(await call(h, "getBytes", "b2"), [0, 255, 128]);
			await call(h, "put", "k3", "v3");
			await new Promise((r) => setTimeout(r, 1_200)); // idle sleep (timeout 500)
			assert.deepEqual(await call(h, "list", "k"), [
				{ key: "k1", value: "v1" },
				{ key: "k3", value: "v3" },
			]);
			assert.deepEqual(await call(h, "getBytes", "b2"), [0, 255, 128]);
		} finally {
			await disposeClient(client);
		}
	});

	test.skip("a destroyed actor's keys are gone (kvStore has no destroy action; no fixture reaches it)");
});

describe("kvStore durability (SIGKILL)", { timeout: ms(60_000) }, () => {
	test("acknowledged puts and deletes survive kill -9 + restart", T, async () => {
		const crashServer = await startServer({ label: "kv-store-kill9" });
		try {
			const c = makeClient(crashServer.endpoint, "cbor");
			const k = [uid("kill9")];
			try {
				const h = c.kvStore.getOrCreate(k);
				await call(h, "put", "gone", "x");
				await Promise.all(Array.from({ length: 20 }, (_, i) => call(h, "put", `key${String(i).padStart(2, "0")}`, `value ${i}`)));
				await call(h, "putBytes", "bin", [1, 2, 3]);
				await call(h, "delete", "gone");
				await crashServer.kill9();
			} finally {
				await disposeClient(c);
			}
			await crashServer.restart();
			const d = makeClient(crashServer.endpoint, "json");
			try {
				const h = d.kvStore.getOrCreate(k);
				assert.deepEqual(
					await call(h, "list", "key"),
					Array.from({ length: 20 }, (_, i) => ({ key: `key${String(i).padStart(2, "0")}`, value: `value ${i}` })),
				);
				assert.deepEqual(await call(h, "getBytes", "bin"), [1, 2, 3]);
				assert.equal(await call(h, "get", "gone"), null);
			} finally {
				await disposeClient(d);
			}
		} finally {
			await crashServer.dispose();
		}
	});
});
