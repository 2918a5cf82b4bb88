// A counting TCP proxy: listens on 127.0.0.1:0, forwards every connection to the
// real server, and records what crosses it at a coarse level:
//   - each TCP connection opened,
//   - each HTTP request (method + path) the client sends, by parsing request heads
//     and skipping bodies (Content-Length or chunked),
//   - after a WebSocket upgrade (101), each frame in each direction, with its opcode,
//     payload size and, for client-protocol messages, the message kind.
// It is only used for the counting passes; the timed passes talk to the server directly.

import net from "node:net";

const CRLFCRLF = Buffer.from("\r\n\r\n");

const TO_SERVER_TAGS = ["ActionRequest", "SubscriptionRequest"];
const TO_CLIENT_TAGS = ["Init", "Error", "ActionResponse", "Event"];
const KNOWN_KINDS = ["ActionRequest", "SubscriptionRequest", "Init", "Error", "ActionResponse", "Event"];

/** Names a client-protocol WebSocket message (bare: vbare version u16 + union tag; json/cbor: the tag text). */
function messageKind(dir, opcode, payload) {
	if (opcode === 8) return "close";
	if (opcode === 9) return "ping";
	if (opcode === 10) return "pong";
	if (payload.length === 0) return "empty";
	const text = payload.toString("latin1");
	if (payload.length >= 3 && payload[0] === 4 && payload[1] === 0) {
		const tags = dir === "c2s" ? TO_SERVER_TAGS : TO_CLIENT_TAGS;
		if (payload[2] < tags.length) return tags[payload[2]];
	}
	for (const k of KNOWN_KINDS) {
		if (text.includes(k)) return k;
	}
	if (opcode === 1) return `text "${text.slice(0, 24)}"`;
	return `binary ${payload.length} B`;
}

/** Parses WebSocket frames out of a byte stream; calls onFrame(opcode, payload). */
class FrameParser {
	constructor(onFrame) {
		this.buf = Buffer.alloc(0);
		this.onFrame = onFrame;
	}
	push(chunk) {
		this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
		for (;;) {
			const b = this.buf;
			if (b.length < 2) return;
			const opcode = b[0] & 0x0f;
			const masked = (b[1] & 0x80) !== 0;
			let len = b[1] & 0x7f;
			let off = 2;
			if (len === 126) {
				if (b.length < 4) return;
				len = b.readUInt16BE(2);
				off = 4;
			} else if (len === 127) {
				if (b.length < 10) return;
				len = Number(b.readBigUInt64BE(2));
				off = 10;
			}
			const maskOff = off;
			if (masked) off += 4;
			if (b.length < off + len) return;
			let payload = Buffer.from(b.subarray(off, off + len));
			if (masked) {
				for (let i = 0; i < payload.length; i++) payload[i] ^= b[maskOff + (i & 3)];
			}
			this.buf = b.subarray(off + len);
			this.onFrame(opcode, payload);
		}
	}
}

/** Parses HTTP/1.1 request heads out of the client's byte stream, skipping bodies. */
class RequestParser {
	constructor(onRequest, onUpgrade) {
		this.buf = Buffer.alloc(0);
		this.skip = 0; // body bytes still to skip
		this.chunked = false;
		this.onRequest = onRequest;
		this.onUpgrade = onUpgrade; // called with the bytes after the upgrade request's head
	}
	push(chunk) {
		this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
		for (;;) {
			if (this.skip > 0) {
				const n = Math.min(this.skip, this.buf.length);
				this.skip -= n;
				this.buf = this.buf.subarray(n);
				if (this.skip > 0) return;
			}
			if (this.chunked) {
				// chunk-size CRLF data CRLF ... 0 CRLF CRLF (no trailers expected)
				const eol = this.buf.indexOf("\r\n");
				if (eol < 0) return;
				const size = parseInt(this.buf.subarray(0, eol).toString("latin1"), 16);
				if (size === 0) {
					if (this.buf.length < eol + 4) return;
					this.buf = this.buf.subarray(eol + 4);
					this.chunked = false;
					continue;
				}
				if (this.buf.length < eol + 2 + size + 2) return;
				this.buf = this.buf.subarray(eol + 2 + size + 2);
				continue;
			}
			const end = this.buf.indexOf(CRLFCRLF);
			if (end < 0) return;
			const head = this.buf.subarray(0, end).toString("latin1");
			this.buf = this.buf.subarray(end + 4);
			const [requestLine, ...lines] = head.split("\r\n");
			const [method, target] = requestLine.split(" ");
			const headers = {};
			for (const l of lines) {
				const i = l.indexOf(":");
				if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
			}
			const upgrade = (headers.upgrade || "").toLowerCase() === "websocket";
			this.onRequest({ method, target, headers, upgrade });
			if (upgrade) {
				const rest = this.buf;
				this.buf = Buffer.alloc(0);
				this.onUpgrade(rest);
				return;
			}
			if (/chunked/i.test(headers["transfer-encoding"] || "")) this.chunked = true;
			else this.skip = Number(headers["content-length"] || 0);
		}
	}
}

/**
 * startCountingProxy(upstreamPort) → { port, events, reset(), summary(), close() }.
 * events: { kind: "conn" } | { kind: "chunk", dir, bytes } (one TCP read) | { kind: "http", method, path, upgrade } |
 *         { kind: "ws", dir: "c2s"|"s2c", opcode, bytes, what }.
 */
export async function startCountingProxy(upstreamPort) {
	let events = [];
	const sockets = new Set();
	const record = (e) => events.push(e);

	const server = net.createServer((client) => {
		client.setNoDelay(true);
		const upstream = net.connect({ host: "127.0.0.1", port: upstreamPort });
		upstream.setNoDelay(true);
		sockets.add(client);
		sockets.add(upstream);
		record({ kind: "conn" });

		let upgraded = false;
		const c2sFrames = new FrameParser((opcode, payload) =>
			record({ kind: "ws", dir: "c2s", opcode, bytes: payload.length, what: messageKind("c2s", opcode, payload) }),
		);
		const s2cFrames = new FrameParser((opcode, payload) =>
			record({ kind: "ws", dir: "s2c", opcode, bytes: payload.length, what: messageKind("s2c", opcode, payload) }),
		);
		const requests = new RequestParser(
			({ method, target, upgrade }) => {
				record({ kind: "http", method, path: target, upgrade });
			},
			(rest) => {
				upgraded = true;
				if (rest.length) c2sFrames.push(rest);
			},
		);
		// Server → client: after an upgrade request, wait for the 101 head, then frames.
		let s2cHead = Buffer.alloc(0);
		let s2cWs = false;
		const fromServer = (chunk) => {
			if (s2cWs) return s2cFrames.push(chunk);
			if (!upgraded) return;
			s2cHead = Buffer.concat([s2cHead, chunk]);
			const end = s2cHead.indexOf(CRLFCRLF);
			if (end < 0) return;
			const status = s2cHead.subarray(0, end).toString("latin1").split(" ")[1];
			const rest = s2cHead.subarray(end + 4);
			s2cHead = Buffer.alloc(0);
			if (status === "101") {
				s2cWs = true;
				if (rest.length) s2cFrames.push(rest);
			}
		};
		const fromClient = (chunk) => {
			if (upgraded) c2sFrames.push(chunk);
			else requests.push(chunk);
		};

		client.on("data", (chunk) => {
			record({ kind: "chunk", dir: "c2s", bytes: chunk.length });
			try {
				fromClient(chunk);
			} catch {}
			upstream.write(chunk);
		});
		upstream.on("data", (chunk) => {
			record({ kind: "chunk", dir: "s2c", bytes: chunk.length });
			try {
				fromServer(chunk);
			} catch {}
			client.write(chunk);
		});
		const end = () => {
			client.destroy();
			upstream.destroy();
			sockets.delete(client);
			sockets.delete(upstream);
		};
		client.on("close", end);
		upstream.on("close", end);
		client.on("error", end);
		upstream.on("error", end);
	});
	await new Promise((resolve, reject) => {
		server.once("error", reject);
		server.listen(0, "127.0.0.1", resolve);
	});
	return {
		port: server.address().port,
		get events() {
			return events;
		},
		reset() {
			events = [];
		},
		async close() {
			for (const s of sockets) s.destroy();
			await new Promise((r) => server.close(() => r()));
		},
	};
}

/** One line per event; long paths are shortened. */
export function describeEvent(e) {
	if (e.kind === "conn") return "TCP connect";
	if (e.kind === "chunk") return `TCP read ${e.dir === "c2s" ? "client→server" : "server→client"} ${e.bytes} B`;
	if (e.kind === "http") {
		const p = e.path.length > 110 ? `${e.path.slice(0, 107)}...` : e.path;
		return `${e.method} ${p}${e.upgrade ? " (upgrade: websocket)" : ""}`;
	}
	return `WS ${e.dir === "c2s" ? "client→server" : "server→client"} ${e.what} (${e.bytes} B)`;
}

/** Counts of a list of events. chunks*: TCP reads by the proxy (a coarse view of segments). */
export function countEvents(events) {
	const c = { conns: 0, http: 0, wsC2S: 0, wsS2C: 0, chunksC2S: 0, chunksS2C: 0 };
	for (const e of events) {
		if (e.kind === "chunk") {
			if (e.dir === "c2s") c.chunksC2S++;
			else c.chunksS2C++;
		} else if (e.kind === "conn") c.conns++;
		else if (e.kind === "http") c.http++;
		else if (e.dir === "c2s") c.wsC2S++;
		else c.wsS2C++;
	}
	return c;
}
