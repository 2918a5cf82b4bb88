// The dashboard at /ui/, driven in Debian's Chromium against the fixture server: find an actor,
// edit its state, call an action, and check what the page shows against the official client.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { createClient } from "rivetkit/client";
import { startServer } from "../wire/helpers/server.mjs";
import { artifactsDir, launch, newPage, repoRoot } from "./helpers/browser.mjs";

const uiDir = process.env.RIVET_UI_DIR || path.join(repoRoot, "build", "ui");

const T = { timeout: 120_000 };
const ADMIN_TOKEN = "dashboard-test-admin-token";

function rawStatus(port, target) {
	return new Promise((resolve, reject) => {
		const req = http.get({ host: "127.0.0.1", port, path: target }, (res) => {
			res.resume();
			resolve(res.statusCode);
		});
		req.on("error", reject);
	});
}

async function actorId(endpoint, name, key) {
	const q = new URLSearchParams({ namespace: "default", name, key });
	const res = await fetch(`${endpoint}/actors?${q}`);
	const body = await res.json();
	assert.equal(body.actors.length, 1, JSON.stringify(body));
	return body.actors[0].actor_id;
}

async function editorValue(page) {
	return page.locator('[data-testid="state-editor"]').inputValue();
}

/** Waits until the state editor shows `count` (the page polls every second). */
async function waitForCount(page, count) {
	await page.waitForFunction(
		(n) => {
			const el = document.querySelector('[data-testid="state-editor"]');
			if (!el) return false;
			try {
				return JSON.parse(el.value).count === n;
			} catch {
				return false;
			}
		},
		count,
		{ timeout: 20_000 },
	);
}

async function openActor(page, endpoint, name, id) {
	await page.goto(`${endpoint}/ui/`);
	await page.selectOption('[data-testid="name-filter"]', name);
	await page.fill('[data-testid="actor-filter"]', id.slice(0, 12));
	const row = page.locator(`[data-testid="actor-row"][data-actor-id="${id}"]`);
	await row.waitFor();
	// Only actors of that name are listed.
	const names = await page.locator('[data-testid="actor-row"]').evaluateAll((rows) =>
		rows.map((r) => r.getAttribute("data-actor-name")),
	);
	assert.ok(names.length >= 1 && names.every((n) => n === name), `rows: ${names}`);
	await row.click();
	await page.locator(`[data-testid="actor-detail"][data-actor-id="${id}"]`).waitFor();
}

describe("dashboard", { timeout: 300_000 }, () => {
	let server;
	let client;
	let browser;

	before(async () => {
		server = await startServer({ label: "dashboard", extraArgs: ["--ui-dir", uiDir] });
		client = createClient({ endpoint: server.endpoint, encoding: "json" });
		browser = await launch();
	});

	after(async () => {
		await browser?.close().catch(() => {});
		await client?.dispose().catch(() => {});
		await server?.dispose();
	});

	test("serves the app under /ui/ with a redirect from /ui", T, async () => {
		const redirect = await fetch(`${server.endpoint}/ui`, { redirect: "manual" });
		assert.equal(redirect.status, 308);
		assert.equal(redirect.headers.get("location"), "/ui/");
		const page = await fetch(`${server.endpoint}/ui/actors/x/state`);
		assert.equal(page.status, 200);
		assert.match(page.headers.get("content-type"), /^text\/html/);
		assert.match(await page.text(), /<div id="root">/);
		// fetch() would normalise the dots away; node:http sends the path as written.
		for (const target of ["/ui/%2e%2e/%2e%2e/etc/passwd", "/ui/../../etc/passwd", "/ui/..%5c..%5cetc"]) {
			assert.equal(await rawStatus(server.port, target), 400, target);
		}
	});

	test("edit a counter's state, call increment, see 42", T, async () => {
		const key = `dash-${Date.now()}`;
		const counter = client.counter.getOrCreate([key]);
		assert.equal(await counter.increment(5), 5);
		// Another name, which the name filter must hide.
		await client.sqlNotes.getOrCreate([key]).countNotes();
		const id = await actorId(server.endpoint, "counter", key);

		const { page, problems } = await newPage(browser);
		await openActor(page, server.endpoint, "counter", id);
		assert.equal(await page.locator('[data-testid="detail-name"]').textContent(), "counter");
		assert.equal(
			await page.locator('[data-testid="actor-detail"] [data-testid="actor-status"]').getAttribute("data-status"),
			"awake",
		);

		// State: the editor follows the live state, then takes an edit.
		await waitForCount(page, 5);
		await page.fill('[data-testid="state-editor"]', '{\n  "count": 41\n}');
		assert.match(await page.locator('[data-testid="state-mode"]').textContent(), /Editing/);
		await page.click('[data-testid="state-save"]');
		await page.locator('[data-testid="state-saved"]').waitFor();
		await waitForCount(page, 41);
		assert.equal(await counter.getCount(), 41);

		// Actions: increment with [1] from the page.
		await page.click('[data-testid="tab-actions"]');
		await page.click('[data-testid="action-increment"]');
		await page.fill('[data-testid="action-args"]', "[1]");
		await page.click('[data-testid="action-call"]');
		const result = page.locator('[data-testid="action-result"]');
		await result.waitFor();
		assert.equal(JSON.parse(await result.textContent()), 42);

		// A failing call shows the structured error.
		await page.fill('[data-testid="action-args"]', '["not a number"]');
		await page.click('[data-testid="action-call"]');
		const error = page.locator('[data-testid="action-error"]');
		await error.waitFor();
		assert.match(await error.textContent(), /\w+\.\w+/);
		assert.equal(await page.locator('[data-testid="action-history"] tr').count(), 1);

		// The state shows the new count, and the client agrees.
		await page.click('[data-testid="tab-state"]');
		await waitForCount(page, 42);
		assert.equal(JSON.parse(await editorValue(page)).count, 42);
		assert.equal(await counter.getCount(), 42);

		// The live views: the increment's broadcast and spans.
		await page.click('[data-testid="tab-events"]');
		await page.locator('[data-testid="event-row"]').first().waitFor();
		assert.match(await page.locator('[data-testid="events-table"]').textContent(), /newCount/);
		await page.click('[data-testid="tab-traces"]');
		await page.locator('[data-testid="trace-row"]').first().waitFor();
		assert.match(await page.locator('[data-testid="traces-table"]').textContent(), /increment/);
		await page.click('[data-testid="tab-connections"]');
		await page.locator('[data-testid="connections-empty"], [data-testid="connections-table"]').first().waitFor();
		await page.click('[data-testid="tab-queue"]');
		await page.locator('[data-testid="queue-size"]').waitFor();

		// Back on the state for the screenshot.
		await page.click('[data-testid="tab-state"]');
		await waitForCount(page, 42);
		mkdirSync(artifactsDir, { recursive: true });
		const shot = path.join(artifactsDir, "dashboard.png");
		await page.screenshot({ path: shot, fullPage: false });
		console.log(`dashboard screenshot: ${shot}`);

		assert.deepEqual(problems, []);
		await page.context().close();
	});

	test("a sleeping actor wakes on request and shows its SQLite tables", T, async () => {
		const key = `notes-${Date.now()}`;
		const notes = client.sqlNotes.getOrCreate([key]);
		await notes.addNote("hello from the dashboard test", "t1");
		const id = await actorId(server.endpoint, "sqlNotes", key);
		// sqlNotes sleeps after 500 ms idle.
		const deadline = Date.now() + 15_000;
		for (;;) {
			const q = new URLSearchParams({ namespace: "default", actor_ids: id });
			const body = await (await fetch(`${server.endpoint}/actors?${q}`)).json();
			if (body.actors[0]?.sleep_ts) break;
			assert.ok(Date.now() < deadline, "sqlNotes did not fall asleep");
			await new Promise((r) => setTimeout(r, 100));
		}

		const { page, problems } = await newPage(browser);
		await openActor(page, server.endpoint, "sqlNotes", id);
		await page.locator('[data-testid="sleep-banner"]').waitFor();
		await page.click('[data-testid="wake"]');
		await page.click('[data-testid="tab-database"]');
		await page.locator('[data-testid="db-table-notes"]').waitFor();
		await page.click('[data-testid="db-table-notes"]');
		await page.waitForFunction(() =>
			document.querySelector('[data-testid="db-rows"]')?.textContent.includes("hello from the dashboard test"),
		);
		assert.match(await page.locator('[data-testid="db-columns"]').textContent(), /created_at/);
		assert.deepEqual(problems, []);
		await page.context().close();
	});
});

describe("dashboard with RIVET_TOKEN", { timeout: 180_000 }, () => {
	let server;
	let client;
	let browser;

	before(async () => {
		server = await startServer({
			label: "dashboard-token",
			extraArgs: ["--ui-dir", uiDir, "--admin-token", ADMIN_TOKEN],
		});
		client = createClient({ endpoint: server.endpoint, encoding: "json" });
		browser = await launch();
	});

	after(async () => {
		await browser?.close().catch(() => {});
		await client?.dispose().catch(() => {});
		await server?.dispose();
	});

	test("asks for the server token, then inspects with it", T, async () => {
		const key = `guarded-${Date.now()}`;
		await client.counter.getOrCreate([key]).increment(7);
		const id = await actorId(server.endpoint, "counter", key);

		const { page } = await newPage(browser);
		await openActor(page, server.endpoint, "counter", id);
		const refused = page.locator('[data-testid="inspector-error"]');
		await refused.waitFor();
		assert.match(await refused.textContent(), /api\.unauthorized/);

		await page.click('[data-testid="settings-open"]');
		await page.fill('[data-testid="server-token"]', ADMIN_TOKEN);
		await page.click('[data-testid="settings-save"]');
		await waitForCount(page, 7);
		assert.equal(await page.evaluate(() => localStorage.getItem("rivet.dashboard.serverToken")), ADMIN_TOKEN);
		await page.context().close();
	});
});
