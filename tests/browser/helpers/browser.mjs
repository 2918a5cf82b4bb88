// Debian's Chromium through playwright-core, as every browser test here starts it.

import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, "..", "..", "..");
export const artifactsDir = process.env.RIVET_ARTIFACTS_DIR || path.join(repoRoot, "build", "artifacts");
export const chromiumPath = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

// The network here is closed: without these Chromium keeps trying to reach Google's services.
export const CHROMIUM_ARGS = [
	"--no-sandbox",
	"--disable-gpu",
	"--disable-quic",
	"--no-first-run",
	"--disable-background-networking",
	"--disable-component-update",
	"--disable-sync",
	"--disable-dev-shm-usage",
];

export async function launch() {
	// launch() gives every browser a fresh temporary profile (user data dir).
	return chromium.launch({ executablePath: chromiumPath, headless: true, args: CHROMIUM_ARGS });
}

/**
 * A page in its own context (its own storage), with the page errors and console errors it logs in
 * `problems`. `ignore` lists console messages that are expected (by regular expression).
 */
export async function newPage(browser, { viewport = { width: 1440, height: 900 }, ignore = [] } = {}) {
	const context = await browser.newContext({ viewport });
	const page = await context.newPage();
	page.setDefaultTimeout(20_000);
	const problems = [];
	page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
	page.on("console", (msg) => {
		// Chromium logs every 4xx/5xx answer; the tests provoke some on purpose.
		if (msg.type() !== "error" || msg.text().startsWith("Failed to load resource")) return;
		if (ignore.some((re) => re.test(msg.text()))) return;
		problems.push(`console error: ${msg.text()}`);
	});
	return { page, problems };
}
