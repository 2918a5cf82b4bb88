// Turns a capture of the wire tests' traffic (capture-requests.mjs) into seed corpora, in
// tests/fuzz/seeds/<target>/wire-<hash>: requests for the request-parser targets, messages and
// bodies for the decoders'. Both are grouped by shape (for a request: method, path with ids and
// keys blanked, query parameter and header names, encoding; for a message: encoding, message
// kind, size class) and one of each shape is kept, at most MAX_PER_TARGET per target, so that
// the corpora stay small while covering every kind of request and message the client exchanges. The built dashboard's and demo
// page's files give the static-file seeds (build-<hash>). Seeds written by hand (hand-*) are
// left alone; earlier wire-* and build-* seeds are replaced.
//
//   node seeds-from-capture.mjs CAPTURE.jsonl SEEDS_DIR [BUILD_DIR]
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

const MAX_PER_TARGET = 40;
// Path segments kept as they are in a shape; any other segment is an id, a name or a key.
const WORDS = new Set([
	"gateway", "action", "queue", "connect", "request", "websocket", "inspector", "metadata",
	"health", "metrics", "actors", "names", "kv", "keys", "datacenters", "ui", "assets", "state",
	"events", "rpcs", "connections", "db", "workflow",
]);

const [captureFile, seedsDir, buildDir] = process.argv.slice(2);
if (!captureFile || !seedsDir) {
	console.error("usage: node seeds-from-capture.mjs CAPTURE.jsonl SEEDS_DIR [BUILD_DIR]");
	process.exit(2);
}

const entries = readFileSync(captureFile, "utf8")
	.split("\n")
	.filter((line) => line.trim() !== "")
	.map((line) => JSON.parse(line));

// What the server receives as request-target: the URL as the client's URL parser normalised it.
function targetOf(url) {
	const u = new URL(url);
	return u.pathname + u.search;
}

function pathShape(pathname) {
	return pathname
		.split("/")
		.map((segment) => (segment === "" || WORDS.has(segment) ? segment : "*"))
		.join("/");
}

function queryShape(search) {
	const names = [];
	for (const part of search.replace(/^\?/, "").split("&")) {
		if (part === "") continue;
		const [name, value = ""] = part.split("=");
		// The method and the presence of input change the parser's path; their values count.
		names.push(name === "rvt-method" ? `${name}=${value}` : name);
	}
	return [...new Set(names)].sort().join("&");
}

function headerLines(headers) {
	return Object.entries(headers)
		.map(([name, value]) => `${name}: ${value}`)
		.join("\n");
}

// The actor path after `/gateway/{actor}`, without rvt-* parameters (what the actor sees).
function actorPath(url) {
	const u = new URL(url);
	const segments = u.pathname.split("/");
	if (segments[1] !== "gateway" || segments.length < 3) return undefined;
	const rest = `/${segments.slice(3).join("/")}`;
	const query = u.search
		.replace(/^\?/, "")
		.split("&")
		.filter((part) => part !== "" && !part.startsWith("rvt-"))
		.join("&");
	return query === "" ? rest : `${rest}?${query}`;
}

// Targets whose seeds are bytes (held as latin1 strings here), not text.
const FRAME_TARGETS = new Set([
	"to_server_json", "to_server_cbor", "to_server_bare", "to_client", "http_action", "http_queue",
	"http_error", "json", "compat_cbor", "raw_cbor",
]);

const corpora = new Map();  // target -> Map(shape -> seed text)

function offer(target, shape, text) {
	if (!corpora.has(target)) corpora.set(target, new Map());
	const shapes = corpora.get(target);
	// The smallest text of a shape, so that a refresh picks the same kind of request each time.
	const kept = shapes.get(shape);
	if (kept === undefined || text.length < kept.length || (text.length === kept.length && text < kept)) {
		shapes.set(shape, text);
	}
}

for (const e of entries) {
	if (e.kind !== "http" && e.kind !== "ws") continue;
	const u = new URL(e.url);
	const target = targetOf(e.url);
	const shape = `${pathShape(u.pathname)}?${queryShape(u.search)}`;
	offer("url", shape, target);
	if (u.pathname.startsWith("/gateway/")) offer("gateway_route", shape, target);

	if (e.kind === "ws") {
		const header = e.protocols.join(",");
		const kinds = e.protocols.map((p) => p.replace(/\..*$/, "")).sort().join(",");
		const encoding = e.protocols.find((p) => p.startsWith("rivet_encoding.")) ?? "";
		offer("subprotocols", `${shape} ${kinds} ${encoding}`, `${header}\n${target}`);
		const raw = actorPath(e.url);
		if (raw !== undefined && !raw.startsWith("/connect")) {
			offer("raw_request", `ws ${pathShape(raw)}`, `GET ${raw}\nsec-websocket-protocol: ${header}`);
		}
		continue;
	}

	const names = Object.keys(e.headers).sort().join(",");
	const encoding = e.headers["x-rivet-encoding"] ?? "";
	const request = `${e.method} ${target}\n${headerLines(e.headers)}`;
	offer("route_decision", `${e.method} ${shape} ${names} ${encoding}`, request);
	offer("request_headers", `${names} ${encoding}`, request);
	const raw = actorPath(e.url);
	if (raw !== undefined && /^\/request([/?]|$)/.test(raw)) {
		offer("raw_request", `${e.method} ${pathShape(raw.split("?")[0])} ${names}`,
			`${e.method} ${raw}\n${headerLines(e.headers)}`);
	}
}

// -- frames: the decoders' seeds ---------------------------------------------------------------
// The targets that cover all three encodings read it from their first byte (fuzz_check.hpp).
const ENCODING_BYTE = { json: 0, cbor: 1, bare: 2 };

function frameShape(encoding, bytes) {
	let kind = bytes.subarray(0, 3).toString("hex");
	if (encoding === "json") {
		try {
			const value = JSON.parse(bytes.toString("utf8"));
			kind = value?.body?.tag ?? Object.keys(value ?? {}).sort().join(",");
		} catch {
			kind = "?";
		}
	}
	return `${encoding} ${kind} ${Math.floor(Math.log2(bytes.length + 1))}`;
}

function offerFrame(target, encoding, bytes, prefixed) {
	const data = prefixed ? Buffer.concat([Buffer.from([ENCODING_BYTE[encoding]]), bytes]) : bytes;
	offer(target, frameShape(encoding, bytes), data.toString("latin1"));
}

for (const e of entries) {
	if (e.body === undefined || !(e.encoding in ENCODING_BYTE)) continue;
	const bytes = Buffer.from(e.body, "base64");
	if (e.kind === "ws-send") {
		offerFrame(`to_server_${e.encoding}`, e.encoding, bytes, false);
	} else if (e.kind === "ws-recv") {
		offerFrame("to_client", e.encoding, bytes, true);
	} else if (e.kind === "http-response") {
		const route = /\/queue\//.test(new URL(e.url).pathname) ? "http_queue" : "http_action";
		offerFrame(e.status >= 400 ? "http_error" : route, e.encoding, bytes, true);
	} else {
		continue;
	}
	// The value codecs see the same bytes: JSON and CBOR frames are values of their own.
	if (e.encoding === "json") offerFrame("json", "json", bytes, false);
	if (e.encoding === "cbor") {
		offerFrame("compat_cbor", "cbor", bytes, false);
		offerFrame("raw_cbor", "cbor", bytes, false);
	}
}
for (const e of entries) {
	if (e.kind !== "http" || e.body === undefined || !isCall(e.url)) continue;
	const encoding = e.headers["x-rivet-encoding"];
	if (!(encoding in ENCODING_BYTE)) continue;
	const route = /\/queue\//.test(new URL(e.url).pathname) ? "http_queue" : "http_action";
	offerFrame(route, encoding, Buffer.from(e.body, "base64"), true);
}

function isCall(url) {
	return /\/(action|queue)\//.test(new URL(url).pathname);
}

// The files a browser asks for: every file of the built dashboard (/ui/...) and demo page (/...).
function filesUnder(dir, prefix = "") {
	const out = [];
	for (const name of readdirSync(dir).sort()) {
		const full = path.join(dir, name);
		if (statSync(full).isDirectory()) out.push(...filesUnder(full, `${prefix}${name}/`));
		else out.push(`${prefix}${name}`);
	}
	return out;
}
const builtFiles = [];
if (buildDir) {
	for (const [dir, mount] of [["ui", "/ui/"], ["demo-ui", "/"]]) {
		const root = path.join(buildDir, dir);
		if (!existsSync(root)) continue;
		builtFiles.push(`GET ${mount}`);
		for (const file of filesUnder(root)) builtFiles.push(`GET ${mount}${file}`);
	}
}

function write(target, prefix, texts) {
	const dir = path.join(seedsDir, target);
	mkdirSync(dir, { recursive: true });
	for (const name of readdirSync(dir)) {
		if (name.startsWith(`${prefix}-`)) rmSync(path.join(dir, name));
	}
	for (const text of texts) {
		const bytes = FRAME_TARGETS.has(target) ? Buffer.from(text, "latin1") : Buffer.from(text, "utf8");
		const hash = createHash("sha1").update(bytes).digest("hex").slice(0, 12);
		writeFileSync(path.join(dir, `${prefix}-${hash}`), bytes);
	}
	console.log(`${target}: ${texts.length} ${prefix} seeds`);
}

// At most `max` of the items, spread evenly over them (they are sorted by shape, so this keeps
// the variety rather than one end of it).
function spread(items, max) {
	if (items.length <= max) return items;
	return Array.from({ length: max }, (_, i) => items[Math.floor((i * items.length) / max)]);
}

for (const [target, shapes] of [...corpora.entries()].sort()) {
	const byShape = [...shapes.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
	write(target, "wire", [...new Set(spread(byShape, MAX_PER_TARGET).map(([, text]) => text))]);
}
if (builtFiles.length > 0) write("static_files", "build", spread(builtFiles, MAX_PER_TARGET));
