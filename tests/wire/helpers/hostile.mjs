// Raw-socket tools for hostile.test.mjs: hand-made HTTP requests, WebSocket frames and protocol
// messages (CBOR, BARE) that the official client would never send.

import net from "node:net";
import http from "node:http";
import { readFileSync } from "node:fs";
import WebSocket from "ws";

/** Resident set size of a process, in bytes. */
export function rss(pid) {
	const status = readFileSync(`/proc/${pid}/status`, "utf8");
	return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? "0") * 1024;
}

/** Samples rss(pid) every 25 ms until stop() is called; stop() resolves the highest value. */
export function sampleRss(pid) {
	let peak = rss(pid);
	const timer = setInterval(() => {
		try {
			peak = Math.max(peak, rss(pid));
		} catch {}
	}, 25);
	return {
		stop() {
			clearInterval(timer);
			return Math.max(peak, rss(pid));
		},
	};
}

/** Parses the first HTTP response in `text` (latin1): { status, headers, body, json }. */
export function parseResponse(text) {
	const end = text.indexOf("\r\n\r\n");
	if (!text.startsWith("HTTP/1.1 ") || end < 0) return null;
	const lines = text.slice(0, end).split("\r\n");
	const status = Number(lines[0].split(" ")[1]);
	const headers = {};
	for (const line of lines.slice(1)) {
		const i = line.indexOf(":");
		headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
	}
	const length = Number(headers["content-length"] ?? "0");
	const body = Buffer.from(text.slice(end + 4), "latin1").subarray(0, length).toString("utf8");
	let json;
	try {
		json = JSON.parse(body);
	} catch {}
	return { status, headers, body, json };
}

/**
 * Opens a TCP connection, writes `chunks` (strings/Buffers, or a function (socket) => void that
 * writes itself) and collects what comes back until the server closes or `wait` ms pass.
 * Resolves { response, raw, closedBy: "server" | "timeout" | "error", ms }.
 */
export function rawExchange(port, chunks, { wait = 5_000 } = {}) {
	return new Promise((resolve) => {
		const started = Date.now();
		const socket = net.connect(port, "127.0.0.1");
		const parts = [];
		let done = false;
		const finish = (closedBy) => {
			if (done) return;
			done = true;
			clearTimeout(timer);
			socket.destroy();
			const raw = Buffer.concat(parts).toString("latin1");
			resolve({ response: parseResponse(raw), raw, closedBy, ms: Date.now() - started });
		};
		socket.on("data", (d) => parts.push(d));
		socket.on("end", () => finish("server"));
		socket.on("close", () => finish("server"));
		socket.on("error", () => finish("error"));
		const timer = setTimeout(() => finish("timeout"), wait);
		socket.on("connect", () => {
			if (typeof chunks === "function") chunks(socket);
			else for (const c of chunks) socket.write(c);
		});
	});
}

/**
 * A slow-loris client: writes `head` at once, then one byte of `trickle` every `every` ms.
 * Resolves like rawExchange when the server closes (or after `wait` ms).
 */
export function trickle(port, head, trickleText, { every = 100, wait = 10_000 } = {}) {
	let timer;
	const result = rawExchange(
		port,
		(socket) => {
			socket.write(head);
			let i = 0;
			timer = setInterval(() => {
				if (socket.destroyed) return clearInterval(timer);
				socket.write(trickleText[i % trickleText.length]);
				i += 1;
			}, every);
		},
		{ wait },
	);
	return result.finally(() => clearInterval(timer));
}

/** One HTTP request on a fresh connection (no keep-alive pool): { status, headers, body, json }. */
export function request(port, { method = "GET", path = "/", headers = {}, body } = {}) {
	return new Promise((resolve, reject) => {
		const req = http.request(
			{ host: "127.0.0.1", port, method, path, headers, agent: false },
			(res) => {
				const parts = [];
				res.on("data", (d) => parts.push(d));
				res.on("end", () => {
					const text = Buffer.concat(parts).toString("utf8");
					let json;
					try {
						json = JSON.parse(text);
					} catch {}
					resolve({ status: res.statusCode, headers: res.headers, body: text, json });
				});
				res.on("error", reject);
			},
		);
		req.on("error", reject);
		req.setTimeout(15_000, () => req.destroy(new Error(`${method} ${path}: no answer in 15 s`)));
		if (body !== undefined) req.write(body);
		req.end();
	});
}

/** Query string of a path-gateway getOrCreate (or get) of `key` (array). */
export function gatewayQuery(key, method = "getOrCreate") {
	const q = { "rvt-namespace": "default", "rvt-method": method, "rvt-key": key.join(",") };
	if (method === "getOrCreate") {
		q["rvt-runner"] = "default";
		q["rvt-crash-policy"] = "sleep";
	}
	return new URLSearchParams(q).toString();
}

/**
 * Opens a `ws` WebSocket and records what happens: { ws, messages, opened, closed }, where
 * `opened` resolves on open (or rejects with the server's HTTP status on a refused upgrade) and
 * `closed` resolves { code, reason }.
 */
export function openWs(url, protocols) {
	const ws = new WebSocket(url, protocols);
	const messages = [];
	const state = { ws, messages };
	state.opened = new Promise((resolve, reject) => {
		ws.on("open", resolve);
		ws.on("unexpected-response", (_req, res) => {
			const parts = [];
			res.on("data", (d) => parts.push(d));
			res.on("end", () => {
				const err = new Error(`upgrade refused: ${res.statusCode}`);
				err.status = res.statusCode;
				err.body = Buffer.concat(parts).toString("utf8");
				reject(err);
				ws.terminate();
			});
		});
		ws.on("error", reject);
	});
	state.opened.catch(() => {});
	state.closed = new Promise((resolve) => {
		ws.on("close", (code, reason) => resolve({ code, reason: String(reason) }));
	});
	ws.on("message", (data, isBinary) => messages.push(isBinary ? Buffer.from(data) : String(data)));
	return state;
}

// -- WebSocket frames by hand ------------------------------------------------------------------

/** A client frame: `opcode`, `payload` (Buffer); options fin, rsv (bits 4-6), mask (default on). */
export function frame(opcode, payload = Buffer.alloc(0), { fin = true, rsv = 0, mask = true, length } = {}) {
	const len = length ?? payload.length;
	const head = [((fin ? 0x80 : 0) | (rsv << 4) | opcode) & 0xff];
	const m = mask ? 0x80 : 0;
	let ext = Buffer.alloc(0);
	if (len < 126) head.push(m | len);
	else if (len < 65536) {
		head.push(m | 126);
		ext = Buffer.alloc(2);
		ext.writeUInt16BE(len);
	} else {
		head.push(m | 127);
		ext = Buffer.alloc(8);
		ext.writeBigUInt64BE(BigInt(len));
	}
	if (!mask) return Buffer.concat([Buffer.from(head), ext, payload]);
	const key = Buffer.from([0x12, 0x34, 0x56, 0x78]);
	const masked = Buffer.from(payload);
	for (let i = 0; i < masked.length; i++) masked[i] ^= key[i % 4];
	return Buffer.concat([Buffer.from(head), ext, key, masked]);
}

/** Parses server frames (unmasked) from `buf`: [{ opcode, payload }]; stops at a partial frame. */
export function parseFrames(buf) {
	const out = [];
	let i = 0;
	while (i + 2 <= buf.length) {
		const opcode = buf[i] & 0x0f;
		let len = buf[i + 1] & 0x7f;
		let p = i + 2;
		if (len === 126) {
			if (p + 2 > buf.length) break;
			len = buf.readUInt16BE(p);
			p += 2;
		} else if (len === 127) {
			if (p + 8 > buf.length) break;
			len = Number(buf.readBigUInt64BE(p));
			p += 8;
		}
		if (p + len > buf.length) break;
		out.push({ opcode, payload: buf.subarray(p, p + len) });
		i = p + len;
	}
	return out;
}

/**
 * Upgrades a raw TCP connection to a WebSocket on `path` (subprotocols `protocols`), writes
 * `bytes` after the 101, and collects the server's frames until it closes (or `wait` ms).
 * Resolves { status, frames, close: { code, reason } | null, closedBy }.
 */
export function rawWebSocket(port, path, protocols, bytes, { wait = 5_000 } = {}) {
	return new Promise((resolve) => {
		const socket = net.connect(port, "127.0.0.1");
		let buf = Buffer.alloc(0);
		let upgraded = false;
		let status = 0;
		let done = false;
		const finish = (closedBy) => {
			if (done) return;
			done = true;
			clearTimeout(timer);
			socket.destroy();
			const frames = parseFrames(buf);
			const c = frames.find((f) => f.opcode === 0x8);
			const close = c
				? { code: c.payload.length >= 2 ? c.payload.readUInt16BE(0) : 1005, reason: c.payload.subarray(2).toString("utf8") }
				: null;
			resolve({ status, frames, close, closedBy });
		};
		const timer = setTimeout(() => finish("timeout"), wait);
		socket.on("error", () => finish("error"));
		socket.on("close", () => finish("server"));
		let answered = false;
		socket.on("data", (d) => {
			buf = Buffer.concat([buf, d]);
			if (upgraded) {
				// Complete the closing handshake as a well-behaved peer would.
				if (!answered && parseFrames(buf).some((f) => f.opcode === 0x8)) {
					answered = true;
					socket.end(frame(0x8, Buffer.from([0x03, 0xe8])));
				}
				return;
			}
			const end = buf.indexOf("\r\n\r\n");
			if (end < 0) return;
			status = Number(buf.subarray(0, end).toString("latin1").split(" ")[1]);
			buf = buf.subarray(end + 4);
			upgraded = true;
			if (status !== 101) return finish("refused");
			for (const b of [].concat(bytes)) socket.write(b);
		});
		socket.on("connect", () => {
			socket.write(
				`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
					"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
					`Sec-WebSocket-Protocol: ${protocols.join(", ")}\r\n\r\n`,
			);
		});
	});
}

// -- CBOR and BARE by hand -----------------------------------------------------------------------

function cborHead(major, n) {
	if (n < 24) return Buffer.from([(major << 5) | n]);
	if (n < 256) return Buffer.from([(major << 5) | 24, n]);
	if (n < 65536) {
		const b = Buffer.alloc(3);
		b[0] = (major << 5) | 25;
		b.writeUInt16BE(n, 1);
		return b;
	}
	const b = Buffer.alloc(5);
	b[0] = (major << 5) | 26;
	b.writeUInt32BE(n, 1);
	return b;
}

/**
 * A small CBOR encoder: numbers (unsigned), strings, Buffers (text strings of these raw bytes
 * when wrapped as { text: Buffer }), arrays, plain objects, and { raw: Buffer } spliced as is.
 */
export function cbor(v) {
	if (typeof v === "number") return cborHead(0, v);
	if (typeof v === "string") {
		const b = Buffer.from(v, "utf8");
		return Buffer.concat([cborHead(3, b.length), b]);
	}
	if (Buffer.isBuffer(v)) return Buffer.concat([cborHead(2, v.length), v]);
	if (v?.raw) return v.raw;
	if (v?.text) return Buffer.concat([cborHead(3, v.text.length), v.text]);
	if (Array.isArray(v)) return Buffer.concat([cborHead(4, v.length), ...v.map(cbor)]);
	const entries = Object.entries(v);
	return Buffer.concat([cborHead(5, entries.length), ...entries.flatMap(([k, x]) => [cbor(k), cbor(x)])]);
}

/** `depth` nested one-element CBOR arrays around 0. */
export function deepCbor(depth) {
	return Buffer.concat([Buffer.alloc(depth, 0x81), Buffer.from([0x00])]);
}

/** `depth` nested JSON arrays around 0. */
export function deepJson(depth) {
	return `${"[".repeat(depth)}0${"]".repeat(depth)}`;
}

function bareUint(n) {
	const out = [];
	let v = BigInt(n);
	do {
		let byte = Number(v & 0x7fn);
		v >>= 7n;
		if (v > 0n) byte |= 0x80;
		out.push(byte);
	} while (v > 0n);
	return Buffer.from(out);
}

function bareData(b) {
	return Buffer.concat([bareUint(b.length), b]);
}

/** A BARE ToServer ActionRequest (protocol version 4): name as raw bytes, args as CBOR bytes. */
export function bareAction(id, nameBytes, argsCbor) {
	return Buffer.concat([Buffer.from([0x04, 0x00, 0x00]), bareUint(id), bareData(nameBytes), bareData(argsCbor)]);
}

/** A CBOR ToServer ActionRequest: name as a string or { text: Buffer }, args spliced as CBOR. */
export function cborAction(id, name, argsCbor) {
	return cbor({ body: { tag: "ActionRequest", val: { id, name, args: { raw: argsCbor } } } });
}

/** A JSON ToServer ActionRequest (text). */
export function jsonAction(id, name, argsJson) {
	return `{"body":{"tag":"ActionRequest","val":{"id":["$BigInt","${id}"],"name":${JSON.stringify(name)},"args":${argsJson}}}}`;
}
