// conformance-fixtures.md §4.2 `sqlNotes`: each actor's own SQLite database,
// migrations tracked with user_version, positional and named parameters,
// atomic transactions, exact value types, masked SQL failures, and data that
// survives sleep without migrations re-applying.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startServer, notOnEngine, WHY_NOT } from "./helpers/server.mjs";
import { ENCODINGS, call, disposeClient, expectActorError, makeClient, ms, sleep, uid } from "./helpers/util.mjs";

const T = { timeout: ms(30_000) };
const SCHEMA = { version: 2, columns: ["id", "body", "created_at", "tag"] };
const INTERNAL = {
	code: "internal_error",
	message: "An internal error occurred",
	metadata: null,
};

let server;
before(async () => {
	server = await startServer({ label: "sql-notes" });
});
after(async () => {
	await server?.dispose();
});

for (const encoding of ENCODINGS) {
	describe(`sqlNotes [${encoding}]`, notOnEngine(WHY_NOT.db, { timeout: ms(60_000) }), () => {
		let client;
		before(() => {
			client = makeClient(server.endpoint, encoding);
		});
		after(async () => {
			await disposeClient(client);
		});

		test("every action: ids from 1, tags, named parameter, count, delete, schema, types", T, async () => {
			const h = client.sqlNotes.getOrCreate([uid(`all-${encoding}`)]);
			assert.deepEqual(await call(h, "schemaInfo"), SCHEMA, "migrations ran before the first action");
			assert.deepEqual(await call(h, "listNotes"), []);
			assert.equal(await call(h, "countNotes"), 0);

			assert.equal(await call(h, "addNote", "first"), 1, "row ids start at 1");
			assert.equal(await call(h, "addNote", "second", "work"), 2);
			assert.equal(await call(h, "addNote", "it's \"quoted\"; DROP TABLE notes; --", "a'b"), 3);
			assert.equal(await call(h, "addNote", "ünïcødé ✓", "work"), 4);
			assert.deepEqual(await call(h, "listNotes"), [
				{ id: 1, body: "first", tag: "" },
				{ id: 2, body: "second", tag: "work" },
				{ id: 3, body: "it's \"quoted\"; DROP TABLE notes; --", tag: "a'b" },
				{ id: 4, body: "ünïcødé ✓", tag: "work" },
			]);
			assert.equal(await call(h, "countNotes"), 4);

			assert.deepEqual(await call(h, "findByTag", "work"), [
				{ id: 2, body: "second", tag: "work" },
				{ id: 4, body: "ünïcødé ✓", tag: "work" },
			]);
			assert.deepEqual(await call(h, "findByTag", "a'b"), [{ id: 3, body: "it's \"quoted\"; DROP TABLE notes; --", tag: "a'b" }]);
			assert.deepEqual(await call(h, "findByTag", ""), [{ id: 1, body: "first", tag: "" }]);
			assert.deepEqual(await call(h, "findByTag", "nope"), []);
			assert.deepEqual(await call(h, "findByTag", "' OR '1'='1"), [], "the tag is bound, not spliced into the SQL");

			assert.equal(await call(h, "deleteNote", 2), 1);
			assert.equal(await call(h, "deleteNote", 2), 0, "deleting a missing row deletes nothing");
			assert.equal(await call(h, "deleteNote", 999), 0);
			assert.equal(await call(h, "countNotes"), 3);
			assert.equal(await call(h, "deleteNote", 4), 1);
			assert.equal(await call(h, "addNote", "fifth"), 5, "AUTOINCREMENT never reuses a deleted id");

			const count = await call(h, "countNotes");
			assert.equal(count, 3);
			assert.equal(typeof count, "number", `countNotes must be a number, got ${typeof count}`);
			const id = await call(h, "addNote", "sixth");
			assert.equal(id, 6);
			assert.equal(typeof id, "number", `addNote must return a number, got ${typeof id}`);

			assert.deepEqual(await call(h, "schemaInfo"), SCHEMA);
			const probe = await call(h, "typeProbe");
			assert.deepEqual(probe, { i: 42, r: 2.5, t: "text", n: null, echoed: "param" });
			assert.equal(typeof probe.i, "number", "an INTEGER column must arrive as a number");
			assert.equal(await call(h, "getWakes"), 1);
		});

		test("addManyAtomic commits all rows or none (batch_rejected rolls back)", T, async () => {
			const h = client.sqlNotes.getOrCreate([uid(`batch-${encoding}`)]);
			assert.equal(await call(h, "addNote", "keep"), 1);
			const err = await expectActorError(
				call(h, "addManyAtomic", ["x", "y", "z"], true),
				{ group: "user", code: "batch_rejected", message: "Batch rejected" },
				"failing batch",
			);
			assert.ok(err.metadata == null, `batch_rejected has no metadata, got ${JSON.stringify(err.metadata)}`);
			assert.equal(await call(h, "countNotes"), 1, "the failing batch left rows behind");
			assert.deepEqual(await call(h, "findByTag", "batch"), []);

			assert.equal(await call(h, "addManyAtomic", ["p", "q"], false), 2);
			assert.equal(await call(h, "addManyAtomic", [], false), 0);
			const ids = (await call(h, "findByTag", "batch")).map((r) => r.id);
			assert.deepEqual(await call(h, "findByTag", "batch"), [
				{ id: ids[0], body: "p", tag: "batch" },
				{ id: ids[0] + 1, body: "q", tag: "batch" },
			]);
			assert.ok(ids[0] >= 2, `batch ids ${ids}`);
			assert.equal(await call(h, "countNotes"), 3);
			// The actor keeps working after a rolled-back transaction.
			await expectActorError(call(h, "addManyAtomic", ["r"], true), { group: "user", code: "batch_rejected" });
			const next = await call(h, "addNote", "after");
			assert.ok(next > ids[1], `id ${next} after ${ids}`);
			assert.equal(await call(h, "countNotes"), 4);
		});

		test("a failing SQL statement is the masked internal error; the actor keeps working", T, async () => {
			const h = client.sqlNotes.getOrCreate([uid(`bad-${encoding}`)]);
			assert.equal(await call(h, "addNote", "before"), 1);
			const err = await expectActorError(call(h, "badQuery"), INTERNAL, "badQuery");
			assert.doesNotMatch(err.message, /table_that_does_not_exist|no such table/);
			await expectActorError(call(h, "badQuery"), INTERNAL, "badQuery again");
			assert.equal(await call(h, "addNote", "after"), 2);
			assert.equal(await call(h, "countNotes"), 2);
		});
	});
}

describe("sqlNotes: sleep", notOnEngine(WHY_NOT.db, { timeout: ms(60_000) }), () => {
	let client;
	before(() => {
		client = makeClient(server.endpoint, "cbor");
	});
	after(async () => {
		await disposeClient(client);
	});

	test("rows and schema survive sleepNow and idle sleep; migrations do not re-apply, ids continue", T, async () => {
		const h = client.sqlNotes.getOrCreate([uid("sleep")]);
		assert.equal(await call(h, "addNote", "one", "t"), 1);
		assert.equal(await call(h, "addNote", "two"), 2);
		assert.equal(await call(h, "addManyAtomic", ["three"], false), 1);
		const rows = await call(h, "listNotes");
		assert.equal(rows.length, 3);

		assert.equal(await call(h, "sleepNow"), null);
		assert.equal(await call(h, "getWakes"), 2, "sleepNow then a request: one more wake");
		assert.deepEqual(await call(h, "schemaInfo"), SCHEMA);
		assert.deepEqual(await call(h, "listNotes"), rows);
		assert.equal(await call(h, "addNote", "four"), 4);

		await sleep(ms(1_300)); // sleepTimeout is 500 ms
		assert.equal(await call(h, "getWakes"), 3, "idle sleep then a request: one more wake");
		assert.deepEqual(await call(h, "schemaInfo"), SCHEMA);
		assert.deepEqual(await call(h, "findByTag", "t"), [{ id: 1, body: "one", tag: "t" }]);
		assert.equal(await call(h, "countNotes"), 4);
		// A migration that ran again would fail (the table exists) or wipe rows.
		assert.equal(await call(h, "addNote", "five"), 5);
		assert.deepEqual((await call(h, "listNotes")).map((r) => r.id), [1, 2, 3, 4, 5]);
	});

	test("each actor has its own database", T, async () => {
		const a = client.sqlNotes.getOrCreate([uid("own-a")]);
		const b = client.sqlNotes.getOrCreate([uid("own-b")]);
		assert.equal(await call(a, "addNote", "only in a"), 1);
		assert.equal(await call(a, "addNote", "also in a"), 2);
		assert.deepEqual(await call(b, "listNotes"), []);
		assert.equal(await call(b, "addNote", "only in b"), 1, "ids start at 1 in every actor");
		assert.deepEqual(await call(a, "listNotes"), [
			{ id: 1, body: "only in a", tag: "" },
			{ id: 2, body: "also in a", tag: "" },
		]);
	});
});
