// Loaded into the wire tests with `node --import` (tests/fuzz/capture/refresh-seeds.sh): records
// what the official client and the server say to each other, one JSON line each in
// $RIVET_CAPTURE_FILE:
//   {kind:"http", method, url, headers, body?}          every fetch
//   {kind:"http-response", url, status, encoding, body} the answer to an action or queue call
//   {kind:"ws", url, protocols}                         every WebSocket opened
//   {kind:"ws-send" | "ws-recv", url, encoding, body}   every WebSocket message, either way
// Bodies are base64; those over MAX_BODY bytes are left out. It only observes: every request and
// message goes out as it came. The fuzz targets' seed corpora are made from this file.
import { appendFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const file = process.env.RIVET_CAPTURE_FILE;
// Seeds are small: a large message adds length to every fuzz input, not coverage.
const MAX_BODY = 8 * 1024;

function record(entry) {
	if (file) appendFileSync(file, `${JSON.stringify(entry)}\n`);
}

function headerObject(headers) {
	const out = {};
	for (const [name, value] of new Headers(headers ?? {})) out[name.toLowerCase()] = value;
	return out;
}

// base64 of a string, ArrayBuffer or view; undefined for anything else or anything too large.
function base64(data) {
	let bytes;
	if (typeof data === "string") bytes = Buffer.from(data, "utf8");
	else if (data instanceof ArrayBuffer) bytes = Buffer.from(data);
	else if (ArrayBuffer.isView(data)) bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
	else if (Array.isArray(data)) bytes = Buffer.concat(data.map((d) => Buffer.from(d)));
	if (bytes === undefined || bytes.length > MAX_BODY) return undefined;
	return bytes.toString("base64");
}

function isCall(url) {
	return /\/(action|queue)\//.test(new URL(url).pathname);
}

const originalFetch = globalThis.fetch;
globalThis.fetch = async function capturingFetch(input, init) {
	let url;
	let encoding;
	try {
		const isRequest = typeof Request !== "undefined" && input instanceof Request;
		url = isRequest ? input.url : String(input);
		const method = (init?.method ?? (isRequest ? input.method : "GET")).toUpperCase();
		const headers = headerObject(init?.headers ?? (isRequest ? input.headers : undefined));
		encoding = headers["x-rivet-encoding"];
		record({ kind: "http", method, url, headers, body: base64(init?.body) });
	} catch {
		// An input the recorder does not understand is still sent.
	}
	const response = await originalFetch.call(this, input, init);
	if (url !== undefined && isCall(url)) {
		// A copy of the body is read on the side; the caller reads the response as usual.
		response
			.clone()
			.arrayBuffer()
			.then((body) => record({ kind: "http-response", url, status: response.status, encoding, body: base64(body) }))
			.catch(() => {});
	}
	return response;
};

// The client takes the global WebSocket when there is one (Node 22), else the `ws` package: the
// recorder wraps whichever it would have used, so the traffic is the same.
function baseWebSocket() {
	if (typeof globalThis.WebSocket !== "undefined") return globalThis.WebSocket;
	try {
		const require = createRequire(path.join(process.cwd(), "package.json"));
		return require("ws");
	} catch {
		return undefined;
	}
}

const Base = baseWebSocket();
if (Base) {
	globalThis.WebSocket = class CapturingWebSocket extends Base {
		constructor(url, protocols, ...rest) {
			const list = protocols === undefined ? [] : [].concat(protocols);
			record({ kind: "ws", url: String(url), protocols: list });
			super(url, protocols, ...rest);
			const where = String(url);
			const encoding = list.find((p) => p.startsWith("rivet_encoding."))?.slice("rivet_encoding.".length);
			this.rivetCapture = { url: where, encoding };
			this.addEventListener("message", (event) => {
				const data = event.data;
				const save = (bytes) => record({ kind: "ws-recv", url: where, encoding, body: base64(bytes) });
				if (typeof Blob !== "undefined" && data instanceof Blob) data.arrayBuffer().then(save, () => {});
				else save(data);
			});
		}

		send(data, ...rest) {
			const { url, encoding } = this.rivetCapture;
			record({ kind: "ws-send", url, encoding, body: base64(data) });
			return super.send(data, ...rest);
		}
	};
}
