// The dashboard's reading of serialized actor keys (spec §3.2 examples), without a browser.

import { test } from "node:test";
import assert from "node:assert/strict";
import { deserializeKey, keyLabel } from "../../apps/dashboard/src/keys.js";

test("serialized keys read back into their components", () => {
	const cases = [
		["/", []],
		["", []],
		[null, []],
		["a", ["a"]],
		["a/b", ["a", "b"]],
		["a\\/b", ["a/b"]],
		["a\\\\b", ["a\\b"]],
		["a\\/b/\\0/c\\/d", ["a/b", "", "c/d"]],
		["\\0", [""]],
		["trailing\\", ["trailing\\"]],
	];
	for (const [text, parts] of cases) {
		assert.deepEqual(deserializeKey(text), parts, JSON.stringify(text));
	}
});

test("labels join components and show empty ones", () => {
	assert.equal(keyLabel("/"), "(no key)");
	assert.equal(keyLabel("room/1"), "room / 1");
	assert.equal(keyLabel("\\0/x"), '"" / x');
});
