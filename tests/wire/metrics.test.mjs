// GET /metrics (docs/metrics.md): the node's Prometheus page after a known workload through the
// official client. The server is this file's own, so every count on the page comes from here.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ENGINE, startServer, notOnEngine } from "./helpers/server.mjs";
import { call, disposeClient, makeClient, ms, uid } from "./helpers/util.mjs";

const T = { timeout: ms(30_000) };
const INCREMENTS = 5;

/** The samples of a text page: [{ name, labels, value }], comments skipped. */
function parsePage(text) {
	const samples = [];
	for (const line of text.split("\n")) {
		if (line === "" || line.startsWith("#")) continue;
		const m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/);
		assert.ok(m, `unreadable sample line: ${line}`);
		const labels = {};
		for (const [, key, raw] of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
			labels[key] = raw.replace(/\\(.)/g, (_, c) => (c === "n" ? "\n" : c));
		}
		samples.push({ name: m[1], labels, value: Number(m[3]) });
	}
	return samples;
}

/** The value of the sample `name` whose labels include `labels`; undefined when absent. */
function valueOf(samples, name, labels = {}) {
	const found = samples.find(
		(s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
	);
	return found?.value;
}

let server;
let page; // { contentType, text, samples } after the workload
before(async () => {
	// Every test here is skipped in engine mode, where no /metrics of ours is reachable; a failed
	// scrape in this hook would still fail the file.
	if (ENGINE) return;
	server = await startServer({ label: "metrics" });
	const client = makeClient(server.endpoint, "json");
	try {
		const h = client.counter.getOrCreate([uid("metrics")]);
		for (let i = 1; i <= INCREMENTS; i++) {
			assert.equal(await call(h, "increment", 1), i);
		}
	} finally {
		await disposeClient(client);
	}
	const res = await fetch(`${server.endpoint}/metrics`, { signal: AbortSignal.timeout(ms(10_000)) });
	assert.equal(res.status, 200);
	const text = await res.text();
	page = { contentType: res.headers.get("content-type"), text, samples: parsePage(text) };
});
after(async () => {
	await server?.dispose();
});

// The runtime's own series exist once the core counts its work; until then these checks skip.
function coreInstrumented() {
	return page.samples.some((s) => s.name === "rivet_actions_total");
}

describe("GET /metrics", notOnEngine("GET /metrics is the embedded server's own endpoint; the engine serves its own metrics"), () => {
	test("answers the Prometheus text format", T, () => {
		assert.equal(page.contentType, "text/plain; version=0.0.4; charset=utf-8");
		for (const name of new Set(page.samples.map((s) => s.name.replace(/_(bucket|sum|count)$/, "")))) {
			assert.match(page.text, new RegExp(`^# HELP ${name} \\S`, "m"), `HELP of ${name}`);
			assert.match(page.text, new RegExp(`^# TYPE ${name} (counter|gauge|histogram)$`, "m"), `TYPE of ${name}`);
		}
	});

	test("counts the store's group commits and fsyncs", T, () => {
		assert.ok(valueOf(page.samples, "rivet_storage_commits_total") > 0, "rivet_storage_commits_total");
		assert.ok(
			valueOf(page.samples, "rivet_storage_commit_duration_seconds_count") > 0,
			"rivet_storage_commit_duration_seconds_count",
		);
		assert.ok(valueOf(page.samples, "rivet_storage_commit_rows_sum") > 0, "rivet_storage_commit_rows_sum");
		assert.ok(
			valueOf(page.samples, "rivet_storage_fsync_duration_seconds_count") > 0,
			"rivet_storage_fsync_duration_seconds_count",
		);
	});

	test("reports sleeping actors of every definition", T, () => {
		const asleep = valueOf(page.samples, "rivet_actors_asleep", { actor: "counter" });
		assert.notEqual(asleep, undefined, "rivet_actors_asleep{actor=\"counter\"}");
		const awake = valueOf(page.samples, "rivet_actors_awake", { actor: "counter" }) ?? 0;
		// One counter exists: it is either awake or asleep.
		assert.equal(asleep + awake, 1);
		// Definitions nobody used are listed too, at 0.
		assert.equal(valueOf(page.samples, "rivet_actors_asleep", { actor: "sleeper" }), 0);
	});

	test("counts the counter's actions", T, (t) => {
		if (!coreInstrumented()) return t.skip("core instrumentation (actions) not in this build");
		assert.equal(
			valueOf(page.samples, "rivet_actions_total", { actor: "counter", action: "increment", outcome: "ok" }),
			INCREMENTS,
		);
		assert.equal(
			valueOf(page.samples, "rivet_action_duration_seconds_count", { actor: "counter", action: "increment" }),
			INCREMENTS,
		);
	});

	test("counts the counter's wakes", T, (t) => {
		if (!coreInstrumented()) return t.skip("core instrumentation (wakes) not in this build");
		assert.ok(valueOf(page.samples, "rivet_actor_wakes_total", { actor: "counter" }) >= 1);
	});
});
