// conformance-fixtures.md §5.2 `mailbox`: a queue read from actions
// (receive, receiveBatch, tryReceive), maxQueueSize 5, the 64 KiB incoming
// limit on queue messages, and an actor sending to its own queue.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startServer } from "./helpers/server.mjs";
import { ENCODINGS, call, disposeClient, expectActorError, makeClient, ms, sleep, uid } from "./helpers/util.mjs";
import { send } from "./helpers/queue.mjs";

const T = { timeout: ms(30_000) };
const msg = (body) => ({ name: "inbox", body });
const FULL = { group: "queue", code: "full", metadata: { limit: 5 } };

let server;
before(async () => {
	server = await startServer({ label: "mailbox" });
});
after(async () => {
	await server?.dispose();
});

for (const encoding of ENCODINGS) {
	describe(`mailbox [${encoding}]`, { timeout: ms(60_000) }, () => {
		let client;
		before(() => {
			client = makeClient(server.endpoint, encoding);
		});
		after(async () => {
			await disposeClient(client);
		});

		test("receive, receiveBatch and tryReceive return the oldest messages and remove them", T, async () => {
			const key = [uid(`recv-${encoding}`)];
			const h = () => client.mailbox.getOrCreate(key);
			assert.equal(await call(h(), "tryReceive"), null, "a new mailbox is empty");
			const bodies = [{ i: 0, tag: "zero" }, "one", 2, [3, "three", true], { nested: { deep: [4] } }];
			for (const b of bodies) assert.equal(await send(h(), "inbox", b), undefined);

			assert.deepEqual(await call(h(), "receive", 1_000), msg(bodies[0]));
			assert.deepEqual(await call(h(), "receiveBatch", 2, 1_000), [msg(bodies[1]), msg(bodies[2])]);
			assert.deepEqual(await call(h(), "tryReceive"), msg(bodies[3]));
			// More asked than waiting: what is there, at once.
			const t0 = Date.now();
			assert.deepEqual(await call(h(), "receiveBatch", 10, 5_000), [msg(bodies[4])]);
			assert.ok(Date.now() - t0 < 2_000, `receiveBatch with one waiting message took ${Date.now() - t0} ms`);
			// Everything was removed.
			assert.equal(await call(h(), "tryReceive"), null);
			assert.deepEqual(await call(h(), "receiveBatch", 3, 50), []);
			assert.equal(await call(h(), "receive", 50), null);
		});

		test("a sixth waiting message is rejected with queue.full {limit: 5}; sends succeed again once drained", T, async () => {
			const key = [uid(`full-${encoding}`)];
			const h = () => client.mailbox.getOrCreate(key);
			for (let i = 0; i < 5; i++) assert.equal(await send(h(), "inbox", { i }), undefined);
			const err = await expectActorError(send(h(), "inbox", { i: 5 }), FULL, "sixth message");
			assert.equal(err.message, "Queue is full. Limit is 5 messages.");
			// A waiting send is rejected the same way.
			await expectActorError(send(h(), "inbox", { i: 6 }, { wait: true, timeout: 1_000 }), FULL, "sixth message with wait");

			assert.deepEqual(await call(h(), "tryReceive"), msg({ i: 0 }));
			assert.equal(await send(h(), "inbox", { i: 7 }), undefined, "one slot free after a receive");
			await expectActorError(send(h(), "inbox", { i: 8 }), FULL, "full again");

			const drained = await call(h(), "receiveBatch", 10, 500);
			assert.deepEqual(drained, [1, 2, 3, 4, 7].map((i) => msg({ i })), "rejected messages were not enqueued");
			for (let i = 10; i < 15; i++) assert.equal(await send(h(), "inbox", { i }), undefined, `send ${i} after draining`);
			assert.deepEqual(await call(h(), "receiveBatch", 10, 500), [10, 11, 12, 13, 14].map((i) => msg({ i })));
		});

		test("a message over 64 KiB → message.incoming_too_long and nothing is enqueued", T, async () => {
			const key = [uid(`big-${encoding}`)];
			const h = () => client.mailbox.getOrCreate(key);
			assert.equal(await send(h(), "inbox", "before"), undefined);
			await expectActorError(send(h(), "inbox", "x".repeat(70_000)), { group: "message", code: "incoming_too_long" }, "70 000-character body");
			await expectActorError(
				send(h(), "inbox", { blob: "y".repeat(100_000) }, { wait: true, timeout: 1_000 }),
				{ group: "message", code: "incoming_too_long" },
				"100 000-character body with wait",
			);
			// Under the limit is fine.
			const fits = "z".repeat(60_000);
			assert.equal(await send(h(), "inbox", fits), undefined);
			assert.deepEqual(await call(h(), "receiveBatch", 10, 500), [msg("before"), msg(fits)]);
			assert.equal(await call(h(), "tryReceive"), null);
		});

		test("enqueueSelf returns true and the message arrives in the inbox", T, async () => {
			const key = [uid(`self-${encoding}`)];
			const h = () => client.mailbox.getOrCreate(key);
			assert.equal(await send(h(), "inbox", "from client"), undefined);
			assert.equal(await call(h(), "enqueueSelf", { from: "self", n: 1 }), true);
			assert.equal(await call(h(), "enqueueSelf", "second"), true);
			assert.deepEqual(await call(h(), "receiveBatch", 5, 500), [msg("from client"), msg({ from: "self", n: 1 }), msg("second")]);
		});
	});
}

describe("mailbox: waiting", { timeout: ms(60_000) }, () => {
	let client;
	before(() => {
		client = makeClient(server.endpoint, "json");
	});
	after(async () => {
		await disposeClient(client);
	});

	test("receive times out with null after about timeoutMs; receiveBatch with []", T, async () => {
		const h = client.mailbox.getOrCreate([uid("timeout")]);
		let t0 = Date.now();
		assert.equal(await call(h, "receive", 400), null);
		let took = Date.now() - t0;
		assert.ok(took >= 380 && took <= 400 + ms(1_500), `receive(400) returned after ${took} ms`);
		t0 = Date.now();
		assert.deepEqual(await call(h, "receiveBatch", 3, 300), []);
		took = Date.now() - t0;
		assert.ok(took >= 280 && took <= 300 + ms(1_500), `receiveBatch(3, 300) returned after ${took} ms`);
		t0 = Date.now();
		assert.equal(await call(h, "tryReceive"), null);
		assert.ok(Date.now() - t0 < 1_000, "tryReceive does not wait");
	});

	test("a waiting receive is woken by a later send", T, async () => {
		const key = [uid("wake-receive")];
		const h = () => client.mailbox.getOrCreate(key);
		await call(h(), "tryReceive"); // create it first
		const t0 = Date.now();
		const pending = call(h(), "receive", 8_000);
		await sleep(400);
		const sentAt = Date.now();
		assert.equal(await send(h(), "inbox", { late: true }), undefined);
		assert.deepEqual(await pending, msg({ late: true }));
		const done = Date.now();
		assert.ok(done - t0 >= 380, "receive returned before the message was sent");
		assert.ok(done - sentAt < ms(1_500), `receive returned ${done - sentAt} ms after the send`);
		assert.equal(await call(h(), "tryReceive"), null, "the received message was removed");
	});

	test("a waiting receiveBatch is woken by the first message", T, async () => {
		const key = [uid("wake-batch")];
		const h = () => client.mailbox.getOrCreate(key);
		await call(h(), "tryReceive");
		const pending = call(h(), "receiveBatch", 4, 8_000);
		await sleep(300);
		const sentAt = Date.now();
		await send(h(), "inbox", "first");
		const got = await pending;
		assert.ok(Date.now() - sentAt < ms(1_500), "receiveBatch returned long after the send");
		assert.ok(got.length >= 1, "receiveBatch returned nothing");
		assert.deepEqual(got[0], msg("first"));
	});

	test("a waiting receive is woken by enqueueSelf", T, async () => {
		const key = [uid("wake-self")];
		const h = () => client.mailbox.getOrCreate(key);
		await call(h(), "tryReceive");
		const pending = call(h(), "receive", 8_000);
		await sleep(300);
		assert.equal(await call(h(), "enqueueSelf", "self-sent"), true);
		assert.deepEqual(await pending, msg("self-sent"));
	});

	test("two waiting receives each get one message, oldest first", T, async () => {
		const key = [uid("two-waiters")];
		const h = () => client.mailbox.getOrCreate(key);
		await call(h(), "tryReceive");
		const a = call(h(), "receive", 8_000);
		const b = call(h(), "receive", 8_000);
		await sleep(300);
		await send(h(), "inbox", "m1");
		await send(h(), "inbox", "m2");
		const got = await Promise.all([a, b]);
		assert.deepEqual(got.map((m) => m.body).sort(), ["m1", "m2"]);
		assert.equal(await call(h(), "tryReceive"), null);
	});

	test("messages enqueued by enqueueSelf count toward maxQueueSize", T, async () => {
		const key = [uid("self-full")];
		const h = () => client.mailbox.getOrCreate(key);
		for (let i = 0; i < 5; i++) assert.equal(await call(h(), "enqueueSelf", i), true);
		await expectActorError(send(h(), "inbox", 5), FULL, "client send after five enqueueSelf");
		assert.deepEqual(await call(h(), "receiveBatch", 10, 500), [0, 1, 2, 3, 4].map(msg));
	});
});
