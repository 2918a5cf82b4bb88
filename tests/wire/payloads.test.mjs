// conformance-fixtures.md §3.11 `payloads`: value model and size limits.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { startServer } from "./helpers/server.mjs";
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
	within,
} from "./helpers/util.mjs";

const T = { timeout: ms(120_000) };

let server;
before(async () => {
	server = await startServer({ label: "payloads" });
});
after(async () => {
	await server?.dispose();
});

function nested(depth) {
	let v = { leaf: [1, "two", null] };
	for (let i = 0; i < depth; i++) v = i % 2 ? { [`level${i}`]: v, i } : [i, v];
	return v;
}

// JSON-like values that must come back exactly (deepEqual is strict: 5 ≠ 5n).
const JSON_VALUES = [
	["null", null],
	["true", true],
	["false", false],
	["zero", 0],
	["small integer", 7],
	["negative integer", -42],
	["float", 3.14159],
	["negative float", -2.5],
	["1e300", 1e300],
	["-1e300", -1e300],
	["tiny float", 5e-324],
	["0.1", 0.1],
	["max double", Number.MAX_VALUE],
	["empty string", ""],
	["ascii string", "hello"],
	["unicode string", "héllo wörld — 世界 🎉👩‍👩‍👧 ﷽ עברית"],
	["U+0000 inside a string", "a\u0000b\u0000"],
	["only U+0000", "\u0000"],
	["control characters", "\t\n\r\b\f\u0001\u001f\u007f \u2028\u2029"],
	["quotes and backslashes", 'say "hi" \\ \\\\ / \'"'],
	["string that looks like a tag", "$BigInt"],
	["empty object", {}],
	["empty array", []],
	["array of empties", [[], {}, "", [[]], [{}]]],
	["object", { a: 1, b: "two", c: [3, { d: null }], e: { f: { g: true } } }],
	["object with odd keys", { "": 1, "$foo": 2, "with space": 3, "ключ": 4, "a.b": 5, "0": 6 }],
	["mixed array", [1, "a", null, true, 2.5, { x: [] }, [[1], [2]]]],
	["nested 20 levels", nested(20)],
	["many keys", Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, i]))],
	["long array", Array.from({ length: 1000 }, (_, i) => (i % 3 ? i : `s${i}`))],
];

// Integers sent as plain numbers must stay numbers.
const NUMBER_VALUES = [
	["2^31", 2 ** 31],
	["2^32 - 1", 2 ** 32 - 1],
	["2^32", 2 ** 32],
	["2^40", 2 ** 40],
	["2^53 - 1", 2 ** 53 - 1],
	["-(2^53 - 1)", -(2 ** 53 - 1)],
	["-2^32", -(2 ** 32)],
	["-2^32 - 1", -(2 ** 32) - 1],
	["array of large integers", [2 ** 53 - 1, 2 ** 33, -(2 ** 35), 1]],
];

const BIGINT_VALUES = [
	["0n", 0n],
	["5n", 5n],
	["-5n", -5n],
	["2n**53n + 1n", 2n ** 53n + 1n],
	["2n**63n - 1n", 2n ** 63n - 1n],
	["2n**64n - 1n", 2n ** 64n - 1n],
	["-(2n**63n)", -(2n ** 63n)],
	["bigints in a structure", { a: 2n ** 64n - 1n, b: [-(2n ** 60n), 1n, 1], c: 3 }],
];

// A two-element array whose first element starts with `$` is escaped by the
// client and must come back unchanged.
const DOLLAR_VALUES = [
	['["$foo", 1]', ["$foo", 1]],
	['["$BigInt", "5"]', ["$BigInt", "5"]],
	['["$Uint8Array", ""]', ["$Uint8Array", ""]],
	['["$Undefined", 0]', ["$Undefined", 0]],
	['["$$x", 2]', ["$$x", 2]],
	['["$", null]', ["$", null]],
	["nested $-arrays", { x: ["$foo", { y: ["$bar", [1, 2]] }], z: [["$a", 1], ["$b", 2]] }],
	["three-element $-array", ["$foo", 1, 2]],
	["one-element $-array", ["$foo"]],
];

/** echo(value) on `target`; failures name the case. */
async function echo(target, label, value) {
	try {
		return await within(ms(5_000), "no response (a reply the client cannot decode is dropped)", call(target, "echo", value));
	} catch (err) {
		err.message = `echo(${label}) failed: ${err.message}`;
		throw err;
	}
}

/** Echoes every case, then reports all that failed at once. */
const show = (v) => inspect(v, { depth: 4, breakLength: Infinity, maxStringLength: 60, maxArrayLength: 8 });

async function echoAll(target, cases, check = (out, value, label) => assert.deepEqual(out, value, `sent ${show(value)}, got ${show(out)}`)) {
	const failures = [];
	for (const [label, value] of cases) {
		try {
			check(await echo(target, label, value), value, label);
		} catch (err) {
			failures.push(`- ${label}: ${String(err.message).split("\n")[0]}`);
		}
	}
	if (failures.length) assert.fail(`${failures.length} of ${cases.length} values did not round-trip:\n${failures.join("\n")}`);
}

function bytes(n, seed = 0) {
	return Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
}

function assertBytes(got, want, what) {
	assert.ok(got instanceof Uint8Array, `${what}: expected Uint8Array, got ${Object.prototype.toString.call(got)} ${JSON.stringify(got)}`);
	assert.deepEqual(Array.from(got), Array.from(want), `${what}: bytes differ`);
}

for (const encoding of ENCODINGS) {
	describe(`payloads [${encoding}]`, { timeout: ms(300_000) }, () => {
		let client;
		before(() => {
			client = makeClient(server.endpoint, encoding);
		});
		after(() => disposeClient(client));

		const key = (label) => [uid(`${label}-${encoding}`)];

		for (const transport of ["http", "ws"]) {
			describe(`round trips over ${transport === "http" ? "HTTP (stateless)" : "WebSocket (connection)"}`, () => {
				let target;
				let conn;
				before(() => {
					const h = client.payloads.getOrCreate(key(`rt-${transport}`));
					if (transport === "ws") {
						conn = h.connect();
						target = conn;
					} else target = h;
				});
				after(() => disposeConn(conn));

				test("JSON-like values", T, async () => {
					await echoAll(target, JSON_VALUES);
				});

				test("JSON-like values, all at once and concurrently", T, async () => {
					const all = Object.fromEntries(JSON_VALUES);
					assert.deepEqual(await call(target, "echo", all), all);
					const outs = await Promise.all(JSON_VALUES.map(([, v]) => call(target, "echo", v)));
					for (const [i, [label, value]] of JSON_VALUES.entries()) assert.deepEqual(outs[i], value, label);
				});

				test("undefined object fields come back absent or null", T, async () => {
					const out = await call(target, "echo", { a: 1, b: undefined, c: [1, undefined, 3] });
					assert.equal(out.a, 1);
					assert.ok(out.b === undefined || out.b === null, `b: ${out.b}`);
					assert.equal(out.c.length, 3);
					assert.equal(out.c[0], 1);
					assert.ok(out.c[1] === undefined || out.c[1] === null, `c[1]: ${out.c[1]}`);
					assert.equal(out.c[2], 3);
				});

				test("integers sent as numbers come back as numbers", T, async () => {
					await echoAll(target, NUMBER_VALUES, (out, value, label) =>
						assert.deepEqual(out, value, `sent ${show(value)}, got ${typeof out} ${show(out)}`),
					);
				});

				test("bigints round-trip as bigints", T, async () => {
					await echoAll(target, BIGINT_VALUES, (out, value, label) =>
						assert.deepEqual(out, value, `sent ${show(value)}, got ${typeof out} ${show(out)}`),
					);
				});

				test("Uint8Array round-trips as bytes", T, async () => {
					for (const n of [0, 1, 3, 4, 255, 256, 4096]) {
						const b = bytes(n, n);
						assertBytes(await echo(target, `${n} bytes`, b), b, `${n} bytes`);
					}
					const all = Uint8Array.from({ length: 256 }, (_, i) => i);
					assertBytes(await call(target, "echo", all), all, "every byte value");
					const out = await call(target, "echo", { data: bytes(10), list: [bytes(2, 7), "x"] });
					assertBytes(out.data, bytes(10), "nested bytes");
					assertBytes(out.list[0], bytes(2, 7), "bytes in an array");
					assert.equal(out.list[1], "x");
				});

				test('two-element arrays starting with "$" round-trip unchanged', T, async () => {
					await echoAll(target, DOLLAR_VALUES);
				});

				test("echoArgs returns the argument list", T, async () => {
					assert.deepEqual(await call(target, "echoArgs"), []);
					assert.deepEqual(await call(target, "echoArgs", 1), [1]);
					assert.deepEqual(await call(target, "echoArgs", null), [null]);
					assert.deepEqual(await call(target, "echoArgs", []), [[]]);
					assert.deepEqual(await call(target, "echoArgs", "a", "b"), ["a", "b"]);
					const args = [1, "two", null, true, { x: [1, { y: "z" }] }, [], {}, 2.5, 2 ** 53 - 1];
					assert.deepEqual(await call(target, "echoArgs", ...args), args);
					const special = [7n, ["$foo", 1], "tail"];
					assert.deepEqual(await call(target, "echoArgs", ...special), special);
					const withBytes = await call(target, "echoArgs", bytes(3), 1);
					assertBytes(withBytes[0], bytes(3), "bytes argument");
					assert.equal(withBytes[1], 1);
					const many = Array.from({ length: 100 }, (_, i) => i);
					assert.deepEqual(await call(target, "echoArgs", ...many), many);
					if (transport === "ws") assert.deepEqual(await target.echoArgs(1, 2), [1, 2]); // proxy
				});

				test("nothing() returns undefined or null", T, async () => {
					const out = await call(target, "nothing");
					assert.ok(out === undefined || out === null, `got ${JSON.stringify(out)}`);
				});
			});
		}

		describe("size limits", () => {
			const big = "x".repeat(60_000);
			const tooBig = "x".repeat(70_000);

			test("HTTP: 60 000-character argument succeeds, 70 000 fails with message.incoming_too_long", T, async () => {
				const h = client.payloads.getOrCreate(key("in-http"));
				assert.equal(await call(h, "size", big), 60_000);
				await expectActorError(call(h, "size", tooBig), { group: "message", code: "incoming_too_long" });
				assert.equal(await call(h, "size", "abc"), 3, "actor usable afterwards");
				assert.equal(await call(h, "size", big), 60_000);
			});

			test("HTTP: 1 000 000-character response succeeds, 1 100 000 fails with message.outgoing_too_long", T, async () => {
				const h = client.payloads.getOrCreate(key("out-http"));
				const out = await call(h, "make", 1_000_000);
				assert.equal(typeof out, "string");
				assert.equal(out.length, 1_000_000);
				assert.ok(/^x+$/.test(out), "only letters x");
				assert.equal(await call(h, "make", 0), "");
				assert.equal(await call(h, "make", 3), "xxx");
				await expectActorError(call(h, "make", 1_100_000), { group: "message", code: "outgoing_too_long" });
				assert.equal(await call(h, "size", "abcd"), 4, "actor usable afterwards");
			});

			test("WebSocket: 60 000-character argument succeeds, 70 000 rejects with message.incoming_too_long, later actions succeed", T, async () => {
				const conn = client.payloads.getOrCreate(key("in-ws")).connect();
				try {
					assert.equal(await call(conn, "size", big), 60_000);
					await expectActorError(call(conn, "size", tooBig), { group: "message", code: "incoming_too_long" });
					// The server may close this socket; the client reconnects by itself.
					// Actions issued while the old socket is closing may be rejected too,
					// so retry for a bounded time.
					const deadline = Date.now() + ms(15_000);
					let lastErr;
					let ok = false;
					while (Date.now() < deadline) {
						try {
							assert.equal(await call(conn, "size", "abc"), 3);
							ok = true;
							break;
						} catch (err) {
							lastErr = err;
							await sleep(200);
						}
					}
					assert.ok(ok, `connection never usable again after incoming_too_long: ${lastErr}`);
					assert.equal(await call(conn, "size", big), 60_000);
				} finally {
					await disposeConn(conn);
				}
			});

			test("WebSocket: 1 000 000-character response succeeds, 1 100 000 rejects with outgoing_too_long, socket stays usable", T, async () => {
				const conn = client.payloads.getOrCreate(key("out-ws")).connect();
				try {
					const out = await call(conn, "make", 1_000_000);
					assert.equal(out.length, 1_000_000);
					const id = conn.connectionId;
					await expectActorError(call(conn, "make", 1_100_000), { group: "message", code: "outgoing_too_long" });
					assert.equal(await call(conn, "size", "abc"), 3);
					assert.equal(conn.connectionId, id, "socket must stay open (no reconnect)");
					// Concurrent large and small calls on the same socket.
					const [a, b, c] = await Promise.allSettled([
						call(conn, "make", 1_100_000),
						call(conn, "make", 500_000),
						call(conn, "size", "xy"),
					]);
					assert.equal(a.status, "rejected");
					assert.equal(a.reason?.code, "outgoing_too_long");
					assert.equal(b.status, "fulfilled");
					assert.equal(b.value.length, 500_000);
					assert.equal(c.status, "fulfilled");
					assert.equal(c.value, 2);
					assert.equal(conn.connectionId, id);
				} finally {
					await disposeConn(conn);
				}
			});
		});
	});
}
