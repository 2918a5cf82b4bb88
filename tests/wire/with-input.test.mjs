// conformance-fixtures.md §3.2 `withInput`: creation input, createState, onCreate.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startServer } from "./helpers/server.mjs";
import { ENCODINGS, call, disposeClient, disposeConn, makeClient, ms, uid } from "./helpers/util.mjs";

const T = { timeout: ms(30_000) };

let server;
before(async () => {
	server = await startServer({ label: "with-input" });
});
after(async () => {
	await server?.dispose();
});

/** What createState + onCreate build from `input` (undefined = no input). */
function expectedState(input) {
	const given = input === undefined ? null : input;
	const obj = given !== null && typeof given === "object" && !Array.isArray(given) ? given : {};
	return {
		input: given,
		label: typeof obj.label === "string" ? obj.label : "none",
		count: typeof obj.start === "number" ? obj.start : 0,
		onCreateInput: given,
	};
}

for (const encoding of ENCODINGS) {
	describe(`withInput [${encoding}]`, { timeout: ms(180_000) }, () => {
		let client;
		before(() => {
			client = makeClient(server.endpoint, encoding);
		});
		after(() => disposeClient(client));

		const key = (label) => [uid(`${label}-${encoding}`)];
		const input = () => ({
			label: "hello",
			start: 10,
			extra: [1, "two", { three: 3 }, null, true, 2.5, "ünïcødé ✓"],
		});

		test("getOrCreate(key, { createWithInput }) then an action (query gateway creates)", T, async () => {
			const k = key("gc-action");
			const inp = input();
			const h = client.withInput.getOrCreate(k, { createWithInput: inp });
			assert.deepEqual(await call(h, "getState"), expectedState(inp));
			assert.equal(await call(h, "increment", 5), 15);
			assert.deepEqual(await call(h, "getState"), { ...expectedState(inp), count: 15 });
		});

		test("getOrCreate(key, { createWithInput }).resolve() (management API creates)", T, async () => {
			const k = key("gc-resolve");
			const inp = input();
			const h = client.withInput.getOrCreate(k, { createWithInput: inp });
			const id = await h.resolve();
			assert.deepEqual(await call(client.withInput.getForId(id), "getState"), expectedState(inp));
		});

		test("create(key, { input })", T, async () => {
			const k = key("create");
			const inp = { label: "made", start: 3 };
			const h = await client.withInput.create(k, { input: inp });
			assert.deepEqual(await call(h, "getState"), expectedState(inp));
			assert.equal(await call(h, "increment", 1), 4);
		});

		test("getOrCreate with input over a connection", T, async () => {
			const k = key("connect");
			const inp = { label: "via-ws", start: -4, extra: [] };
			const conn = client.withInput.getOrCreate(k, { createWithInput: inp }).connect();
			try {
				assert.deepEqual(await call(conn, "getState"), expectedState(inp));
				assert.equal(await call(conn, "increment", 4), 0);
			} finally {
				await disposeConn(conn);
			}
		});

		test("create(key, { input }) then connect()", T, async () => {
			const inp = { label: "created-then-connected", start: 100 };
			const h = await client.withInput.create(key("create-connect"), { input: inp });
			const conn = h.connect();
			try {
				assert.deepEqual(await call(conn, "getState"), expectedState(inp));
			} finally {
				await disposeConn(conn);
			}
		});

		test("no input: input and onCreateInput are null, defaults apply", T, async () => {
			assert.deepEqual(await call(client.withInput.getOrCreate(key("none")), "getState"), expectedState(undefined));
			const h = await client.withInput.create(key("none-create"));
			assert.deepEqual(await call(h, "getState"), expectedState(undefined));
			const id = await client.withInput.getOrCreate(key("none-resolve")).resolve();
			assert.deepEqual(await call(client.withInput.getForId(id), "getState"), expectedState(undefined));
		});

		test("label that is not a string and start that is not a number fall back to defaults", T, async () => {
			const inp = { label: 5, start: "7", extra: { nested: { deep: [1, 2] } } };
			const h = client.withInput.getOrCreate(key("wrong-types"), { createWithInput: inp });
			assert.deepEqual(await call(h, "getState"), expectedState(inp));
		});

		test("non-object inputs are kept as given", T, async () => {
			for (const inp of ["plain string", [1, 2, 3], 42.5]) {
				const h = client.withInput.getOrCreate(key("scalar"), { createWithInput: inp });
				assert.deepEqual(await call(h, "getState"), expectedState(inp), `input ${JSON.stringify(inp)}`);
			}
			const h = await client.withInput.create(key("scalar-create"), { input: "created string" });
			assert.deepEqual(await call(h, "getState"), expectedState("created string"));
		});

		test("later getOrCreate / create with another input changes nothing", T, async () => {
			const k = key("first-wins");
			const inp = { label: "first", start: 1 };
			const first = client.withInput.getOrCreate(k, { createWithInput: inp });
			assert.deepEqual(await call(first, "getState"), expectedState(inp));
			await call(first, "increment", 2);

			const second = client.withInput.getOrCreate(k, { createWithInput: { label: "second", start: 99 } });
			assert.deepEqual(await call(second, "getState"), { ...expectedState(inp), count: 3 });
			await client.withInput.getOrCreate(k, { createWithInput: { label: "third" } }).resolve();
			assert.deepEqual(await call(second, "getState"), { ...expectedState(inp), count: 3 });
			await assert.rejects(client.withInput.create(k, { input: { label: "fourth" } }), (err) => err?.code === "duplicate_key");
			assert.deepEqual(await call(first, "getState"), { ...expectedState(inp), count: 3 });
		});
	});
}
