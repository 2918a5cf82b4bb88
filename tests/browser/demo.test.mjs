// The demo `make run` starts (docs/demo.md), driven in Debian's Chromium: rivet-demo serves its
// chat page at `/`; two pages join #lobby, one writes and moves its pointer, the other sees both;
// the server is killed with SIGKILL and started again on the same port and data dir, and both pages
// reconnect by themselves with the history intact. Screenshot: build/artifacts/demo.png.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { createClient } from "rivetkit/client";
import { startServer } from "../wire/helpers/server.mjs";
import { artifactsDir, launch, newPage, repoRoot } from "./helpers/browser.mjs";

const binDir = path.dirname(path.resolve(process.env.RIVET_FIXTURES || path.join(repoRoot, "build", "bin", "rivet-fixtures")));
const demoBinary = process.env.RIVET_DEMO || path.join(binDir, "rivet-demo");
const demoUiDir = process.env.RIVET_DEMO_UI_DIR || path.join(binDir, "..", "demo-ui");
const uiDir = process.env.RIVET_UI_DIR || path.join(binDir, "..", "ui");

const T = { timeout: 60_000 };
const EXPECTED_CONSOLE = [
	// While the server is down the browser says so at every retry: that is the point of the test.
	/^WebSocket connection to .* failed/,
	// cbor-x and zod (inside rivetkit) probe for eval with `new Function` and fall back without it;
	// the page's Content-Security-Policy forbids eval, and Chromium reports each probe.
	/script-src/,
];

async function join(page, endpoint, name, color) {
	await page.goto(`${endpoint}/?room=lobby`);
	await page.fill('[data-testid="join-name"]', name);
	await page.click(`[role="radio"][aria-label="${color}"]`);
	await page.click('[data-testid="join-submit"]');
	await waitLive(page);
}

/** Connected, and the room (history, presence) fetched since; `reconnects` at least that many. */
async function waitLive(page, reconnects = 0) {
	await page.waitForFunction(
		(n) => {
			const el = document.querySelector('[data-testid="status"]');
			return el?.dataset.phase === "live" && Number(el.dataset.reconnects) >= n;
		},
		reconnects,
		{ timeout: 30_000 },
	);
}

async function waitPhase(page, phase) {
	await page.waitForFunction((p) => document.querySelector('[data-testid="status"]')?.dataset.phase === p, phase, {
		timeout: 20_000,
	});
}

async function waitPresence(page, names) {
	const want = [...names].sort();
	await page.waitForFunction(
		(w) => {
			const got = [...document.querySelectorAll('[data-testid="presence-user"]')].map((el) => el.dataset.name).sort();
			return JSON.stringify(got) === JSON.stringify(w);
		},
		want,
		{ timeout: 20_000 },
	);
}

async function messages(page) {
	return page.locator('[data-testid="message-text"]').allTextContents();
}

async function waitMessage(page, text) {
	await page.waitForFunction(
		(t) => [...document.querySelectorAll('[data-testid="message-text"]')].some((el) => el.textContent === t),
		text,
		{ timeout: 20_000 },
	);
}

async function say(page, text) {
	await page.fill('[data-testid="chat-input"]', text);
	await page.press('[data-testid="chat-input"]', "Enter");
	await waitMessage(page, text);
	// Emptied once the call has answered (the broadcast may arrive first).
	await page.waitForFunction(() => document.querySelector('[data-testid="chat-input"]').value === "");
}

/** Moves the mouse over the shared area to the fractions (fx, fy) of its size. */
async function pointAt(page, fx, fy) {
	const box = await page.locator('[data-testid="cursor-area"]').boundingBox();
	await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5);
	await page.mouse.move(box.x + box.width * fx, box.y + box.height * fy, { steps: 8 });
}

/** Waits until `page` draws `name`'s pointer at about (fx, fy) of its own shared area. */
async function waitCursor(page, name, fx, fy) {
	await page.waitForFunction(
		({ name, fx, fy }) => {
			const area = document.querySelector('[data-testid="cursor-area"]');
			const el = [...document.querySelectorAll('[data-testid="cursor"]')].find((c) => c.dataset.name === name);
			if (!area || !el) return false;
			const near = (a, b) => Math.abs(a - b) < 0.01;
			if (!near(Number(el.dataset.x), fx) || !near(Number(el.dataset.y), fy)) return false;
			// Where it is drawn (after its short glide), not only what it says.
			const a = area.getBoundingClientRect();
			const c = el.getBoundingClientRect();
			return Math.abs(c.left - (a.left + a.width * fx)) < 4 && Math.abs(c.top - (a.top + a.height * fy)) < 4;
		},
		{ name, fx, fy },
		{ timeout: 20_000 },
	);
}

describe("demo: chat room with presence and live cursors", { timeout: 180_000 }, () => {
	let server;
	let client;
	let browser;

	before(async () => {
		for (const [what, p] of [
			["rivet-demo", demoBinary],
			["the demo page", path.join(demoUiDir, "index.html")],
		]) {
			assert.ok(existsSync(p), `${what} not found at ${p}: run 'make build' (or set RIVET_DEMO / RIVET_DEMO_UI_DIR)`);
		}
		server = await startServer({
			label: "demo",
			binary: demoBinary,
			extraArgs: ["--site-dir", demoUiDir, "--ui-dir", uiDir],
		});
		client = createClient({ endpoint: server.endpoint, encoding: "json" });
		browser = await launch();
	});

	after(async () => {
		await browser?.close().catch(() => {});
		await client?.dispose().catch(() => {});
		await server?.dispose();
	});

	test("the page is served at / and the API keeps its paths", T, async () => {
		const page = await fetch(`${server.endpoint}/`);
		assert.equal(page.status, 200);
		assert.match(page.headers.get("content-type"), /^text\/html/);
		const html = await page.text();
		assert.match(html, /<div id="root">/);
		const script = html.match(/src="(\/assets\/[^"]+\.js)"/)?.[1];
		assert.ok(script, html);
		const asset = await fetch(`${server.endpoint}${script}`);
		assert.equal(asset.status, 200);
		assert.match(asset.headers.get("cache-control"), /immutable/);
		assert.equal((await fetch(`${server.endpoint}/favicon.svg`)).status, 200);
		// The API's answers are unchanged next to the page.
		assert.equal((await (await fetch(`${server.endpoint}/health`)).json()).status, "ok");
		assert.equal((await fetch(`${server.endpoint}/no-such-route`)).status, 404);
		assert.equal((await fetch(`${server.endpoint}/`, { method: "POST" })).status, 404);
		assert.equal((await fetch(`${server.endpoint}/assets/missing-123.js`)).status, 404);
		// A request the gateway routes by its headers reaches the actor whatever its path.
		const routed = await fetch(`${server.endpoint}/`, { headers: { "x-rivet-target": "actor", "x-rivet-actor": "nope" } });
		assert.match(routed.headers.get("content-type"), /^application\/json/);
		assert.equal((await routed.json()).group, "actor");
	});

	test("chatRoom checks what clients send and keeps the last 200 messages", T, async () => {
		const isUserError = (code, check = () => true) => (err) =>
			err.group === "user" && err.code === code && check(err) ? true : assert.fail(`${err.group}.${err.code}: ${err.message}`);
		const room = ["validation"];
		const longName = client.chatRoom.getOrCreate(room, { params: { name: "x".repeat(33) } });
		await assert.rejects(longName.getHistory(), isUserError("invalid_name", (e) => e.metadata?.maxBytes === 32));
		const badColor = client.chatRoom.getOrCreate(room, { params: { name: "Eve", color: "red" } });
		await assert.rejects(badColor.getHistory(), isUserError("invalid_color"));
		const watcher = client.chatRoom.getOrCreate(room);
		await assert.rejects(watcher.sendMessage("hi"), isUserError("not_joined"));

		const tester = client.chatRoom.getOrCreate(room, { params: { name: "  Tester  " } });
		await assert.rejects(tester.sendMessage("   "), isUserError("empty_message"));
		await assert.rejects(
			tester.sendMessage("y".repeat(501)),
			isUserError("message_too_long", (e) => e.metadata?.maxBytes === 500),
		);
		await assert.rejects(tester.moveCursor(1.5, 0.5), isUserError("invalid_cursor"));
		const first = await tester.sendMessage(" trimmed ");
		assert.equal(first.text, "trimmed");
		assert.equal(first.name, "Tester");
		assert.match(first.color, /^#[0-9a-f]{6}$/);

		for (let i = 1; i <= 204; i++) await tester.sendMessage(`message ${i}`);
		const history = await watcher.getHistory();
		assert.equal(history.length, 200);
		assert.equal(history[0].text, "message 5");
		assert.equal(history.at(-1).text, "message 204");
		assert.equal(history.at(-1).id, 205);
	});

	test("two pages chat, see each other and their pointers, and survive a SIGKILL", T, async () => {
		const a = await newPage(browser, { viewport: { width: 1280, height: 800 }, ignore: EXPECTED_CONSOLE });
		const b = await newPage(browser, { viewport: { width: 1280, height: 800 }, ignore: EXPECTED_CONSOLE });
		await join(a.page, server.endpoint, "Ada Lovelace", "#d6409f");
		await join(b.page, server.endpoint, "Grace Hopper", "#0090ff");
		await waitPresence(a.page, ["Ada Lovelace", "Grace Hopper"]);
		await waitPresence(b.page, ["Ada Lovelace", "Grace Hopper"]);

		// A writes, B reads; and back.
		const hello = "Hello from Ada! The actor behind this room is C++.";
		await say(a.page, hello);
		await waitMessage(b.page, hello);
		const reply = "Hi Ada! I can see your cursor moving.";
		await say(b.page, reply);
		await waitMessage(a.page, reply);

		// A's pointer shows on B's page where A put it; B's own pointer never shows on B's page.
		await pointAt(a.page, 0.3, 0.4);
		await waitCursor(b.page, "Ada Lovelace", 0.3, 0.4);
		await pointAt(a.page, 0.62, 0.28);
		await waitCursor(b.page, "Ada Lovelace", 0.62, 0.28);
		await pointAt(b.page, 0.5, 0.7);
		await waitCursor(a.page, "Grace Hopper", 0.5, 0.7);
		assert.equal(await b.page.locator('[data-testid="cursor"][data-name="Grace Hopper"]').count(), 0);

		// Crash: both pages notice and say so.
		await server.kill9();
		await Promise.all([waitPhase(a.page, "reconnecting"), waitPhase(b.page, "reconnecting")]);
		assert.match(await a.page.locator('[data-testid="status"]').textContent(), /Reconnecting/);
		assert.equal(await a.page.locator('[data-testid="chat-send"]').isDisabled(), true);

		// Same port, same data dir: both pages reconnect by themselves and load the room again.
		await server.restart();
		await Promise.all([waitLive(a.page, 1), waitLive(b.page, 1)]);
		await waitPresence(a.page, ["Ada Lovelace", "Grace Hopper"]);
		await waitPresence(b.page, ["Ada Lovelace", "Grace Hopper"]);
		assert.deepEqual(await messages(a.page), [hello, reply]);
		assert.deepEqual(await messages(b.page), [hello, reply]);
		const stored = await client.chatRoom.getOrCreate(["lobby"]).getHistory();
		assert.deepEqual(
			stored.map((m) => [m.name, m.text]),
			[
				["Ada Lovelace", hello],
				["Grace Hopper", reply],
			],
		);

		// And the room works as before.
		const after = "Still here after a SIGKILL.";
		await say(a.page, after);
		await waitMessage(b.page, after);
		await pointAt(a.page, 0.42, 0.36);
		await waitCursor(b.page, "Ada Lovelace", 0.42, 0.36);

		mkdirSync(artifactsDir, { recursive: true });
		const shot = path.join(artifactsDir, "demo.png");
		await b.page.screenshot({ path: shot, fullPage: false });
		console.log(`demo screenshot: ${shot}`);

		assert.deepEqual(a.problems, []);
		assert.deepEqual(b.problems, []);
		await a.page.context().close();
		await b.page.context().close();
	});
});
