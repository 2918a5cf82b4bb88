#!/usr/bin/env node
// A deliberately small stand-in for rivet-fixtures, written only to check the
// wire tests themselves: it serves the `counter`, `withInput`, `errors` and
// `payloads` fixtures in all three encodings, with the same command line
// (--port, --data-dir) and the same durability promise (state is fsynced
// before a reply). It is not a reference for the C++ server.
//
//   RIVET_FIXTURES=tools/mock-fixtures.mjs node --test counter.test.mjs

import http from "node:http";
import { randomUUID } from "node:crypto";
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import path from "node:path";
import { Decoder, Encoder } from "cbor-x";
import { WebSocketServer } from "ws";

const args = process.argv.slice(2);
const flag = (name, dflt) => {
	const i = args.indexOf(name);
	return i >= 0 ? args[i + 1] : dflt;
};
const PORT = Number(flag("--port", "6420"));
const DATA_DIR = flag("--data-dir", "./.rivet-mock");
const MAX_IN = 65_536;
const MAX_OUT = 1_048_576;

const cbor = new Encoder({ useRecords: false });
const cborDec = new Decoder({ useRecords: false });

// ---------------------------------------------------------------- storage

mkdirSync(DATA_DIR, { recursive: true });
const DB_FILE = path.join(DATA_DIR, "mock.cbor");
let db = { actors: {}, byKey: {} };
if (existsSync(DB_FILE)) db = cborDec.decode(readFileSync(DB_FILE));
function persist() {
	const tmp = `${DB_FILE}.tmp`;
	const fd = openSync(tmp, "w");
	writeSync(fd, cbor.encode(db));
	fsyncSync(fd);
	closeSync(fd);
	renameSync(tmp, DB_FILE);
}

// ---------------------------------------------------------------- keys

function serializeKey(key) {
	if (key.length === 0) return "/";
	return key.map((p) => (p === "" ? "\\0" : p.replace(/\\/g, "\\\\").replace(/\//g, "\\/"))).join("/");
}
function deserializeKey(s) {
	if (s == null || s === "/") return [];
	const out = [];
	let cur = "";
	let emptyMark = false;
	for (let i = 0; i < s.length; i++) {
		const ch = s[i];
		if (ch === "\\") {
			if (i + 1 >= s.length) {
				cur += ch;
				continue;
			}
			const nx = s[++i];
			if (nx === "0") emptyMark = true;
			else cur += nx;
		} else if (ch === "/") {
			out.push(emptyMark && cur === "" ? "" : cur);
			cur = "";
			emptyMark = false;
		} else cur += ch;
	}
	out.push(cur);
	return out;
}

// ---------------------------------------------------------------- errors

class RErr extends Error {
	constructor(group, code, message, metadata) {
		super(message);
		this.group = group;
		this.code = code;
		this.metadata = metadata;
	}
}
function publicError(err) {
	if (err instanceof RErr) return err;
	return new RErr("core", "internal_error", "An internal error occurred");
}
function statusFor(e) {
	const gc = `${e.group}.${e.code}`;
	if (gc === "actor.action_not_found" || gc === "actor.not_found") return 404;
	if (e.group === "message" || e.group === "queue") return 400;
	if (gc === "actor.duplicate_key") return 400;
	return 500;
}

// ---------------------------------------------------------------- actors

const FIXTURES = {
	counter: {
		createState: () => ({ count: 0 }),
		actions: {
			increment: (c, amount) => {
				c.state.count += amount;
				c.broadcast("newCount", c.state.count);
				return c.state.count;
			},
			setCount: (c, value) => {
				c.state.count = value;
				c.broadcast("newCount", c.state.count);
				return c.state.count;
			},
			getCount: (c) => c.state.count,
			getKey: (c) => c.key,
			getIdentity: (c) => ({ name: c.name, key: c.key, actorId: c.actorId }),
		},
	},
	withInput: {
		createState: (input) => {
			const given = input === undefined ? null : input;
			const o = given && typeof given === "object" && !Array.isArray(given) ? given : {};
			return {
				input: given,
				label: typeof o.label === "string" ? o.label : "none",
				count: typeof o.start === "number" ? o.start : 0,
				onCreateInput: null,
			};
		},
		onCreate: (state, input) => {
			state.onCreateInput = input === undefined ? null : input;
		},
		actions: {
			getState: (c) => c.state,
			increment: (c, n) => {
				c.state.count += n;
				return c.state.count;
			},
		},
	},
	errors: {
		createState: () => ({ calls: 0 }),
		actions: {
			throwSimple: () => {
				throw new RErr("user", "user_error", "Something went wrong");
			},
			throwDetailed: () => {
				throw new RErr("user", "out_of_stock", "Out of stock", { sku: "widget-7", available: 0, tags: ["a", "b"] });
			},
			throwInternal: () => {
				throw new Error("database password is hunter2");
			},
			ok: (c) => {
				c.state.calls += 1;
				return "ok";
			},
		},
	},
	payloads: {
		createState: () => ({}),
		actions: {
			echo: (c, v) => v,
			echoArgs: (c, ...a) => a,
			size: (c, t) => t.length,
			make: (c, n) => "x".repeat(n),
			nothing: () => null,
		},
	},
};

let nextId = 1;
for (const id of Object.keys(db.actors)) nextId = Math.max(nextId, Number(id.split("-")[1] ?? 0) + 1);

function actorJson(a) {
	return {
		actor_id: a.id,
		name: a.name,
		key: serializeKey(a.key),
		namespace_id: "default",
		datacenter: "local",
		runner_name_selector: "default",
		crash_policy: "sleep",
		create_ts: a.createTs,
		start_ts: a.createTs,
		pending_allocation_ts: null,
		connectable_ts: a.createTs,
		sleep_ts: null,
		reschedule_ts: null,
		destroy_ts: null,
	};
}

function createActor(name, key, input) {
	const def = FIXTURES[name];
	if (!def) throw new RErr("actor", "not_found", `No actor named ${name}`);
	const k = `${name}\n${serializeKey(key)}`;
	if (db.byKey[k]) {
		const id = db.byKey[k];
		throw new RErr("actor", "duplicate_key", `Actor key '${serializeKey(key)}' already in use for actor '${id}'`, {
			key: serializeKey(key),
			existing_actor_id: id,
		});
	}
	const id = `mock-${nextId++}-${randomUUID().slice(0, 8)}`;
	const state = def.createState(input);
	def.onCreate?.(state, input);
	const a = { id, name, key, state, createTs: Date.now() };
	db.actors[id] = a;
	db.byKey[k] = id;
	persist();
	return a;
}
function lookup(name, key) {
	const id = db.byKey[`${name}\n${serializeKey(key)}`];
	return id ? db.actors[id] : undefined;
}
function getOrCreate(name, key, input) {
	return lookup(name, key) ?? [createActor(name, key, input)][0];
}

const conns = new Map(); // actorId -> Set<conn>

function runAction(actor, name, args) {
	const def = FIXTURES[actor.name];
	const fn = def.actions[name];
	if (!fn) throw new RErr("actor", "action_not_found", `Action \`${name}\` was not found.`);
	const events = [];
	const ctx = {
		state: actor.state,
		key: actor.key,
		name: actor.name,
		actorId: actor.id,
		broadcast: (ev, ...a) => events.push([ev, a]),
	};
	const out = fn(ctx, ...args);
	persist();
	for (const [ev, a] of events) {
		for (const c of conns.get(actor.id) ?? []) if (c.subs.has(ev)) c.sendEvent(ev, a);
	}
	return out;
}

// ---------------------------------------------------------------- values

// Internal values are "compat" values: tags kept as arrays; bigints and bytes
// may also be native (from CBOR).
function rawToCompat(v) {
	if (Array.isArray(v)) {
		const m = v.map(rawToCompat);
		if (m.length === 2 && typeof m[0] === "string" && m[0].startsWith("$")) return [`$${m[0]}`, m[1]];
		return m;
	}
	if (v && typeof v === "object" && !(v instanceof Uint8Array)) {
		const o = {};
		for (const [k, x] of Object.entries(v)) o[k] = rawToCompat(x);
		return o;
	}
	if (v === undefined) return ["$Undefined", 0];
	return v;
}
function jsonText(v) {
	return JSON.stringify(v, (_, x) => {
		if (typeof x === "bigint") return ["$BigInt", x.toString()];
		if (x && typeof x === "object" && x.type === "Buffer" && Array.isArray(x.data))
			return ["$Uint8Array", Buffer.from(x.data).toString("base64")];
		if (x instanceof Uint8Array) return ["$Uint8Array", Buffer.from(x).toString("base64")];
		return x;
	});
}

// ---------------------------------------------------------------- BARE

class W {
	constructor() {
		this.parts = [];
	}
	u8(n) {
		this.parts.push(Buffer.from([n]));
	}
	uint(n) {
		let v = BigInt(n);
		const b = [];
		do {
			let byte = Number(v & 0x7fn);
			v >>= 7n;
			if (v) byte |= 0x80;
			b.push(byte);
		} while (v);
		this.parts.push(Buffer.from(b));
	}
	data(buf) {
		this.uint(buf.length);
		this.parts.push(Buffer.from(buf));
	}
	str(s) {
		this.data(Buffer.from(s, "utf8"));
	}
	done() {
		return Buffer.concat([Buffer.from([4, 0]), ...this.parts]);
	}
}
class R {
	constructor(buf) {
		this.b = buf;
		this.i = 2;
	}
	u8() {
		return this.b[this.i++];
	}
	uint() {
		let r = 0n;
		let s = 0n;
		for (;;) {
			const x = this.b[this.i++];
			r |= BigInt(x & 0x7f) << s;
			s += 7n;
			if (!(x & 0x80)) return r;
		}
	}
	data() {
		const n = Number(this.uint());
		const out = this.b.subarray(this.i, this.i + n);
		this.i += n;
		return out;
	}
	str() {
		return this.data().toString("utf8");
	}
}

// ---------------------------------------------------------------- HTTP

function decodeArgs(enc, body) {
	if (enc === "json") {
		const m = JSON.parse(body.toString("utf8"));
		return m.args ?? [];
	}
	if (enc === "cbor") return rawToCompat(cborDec.decode(body).args ?? []);
	return cborDec.decode(new R(body).data());
}
function encodeOutput(enc, v) {
	if (enc === "json") return Buffer.from(jsonText({ output: v ?? null }));
	if (enc === "cbor") return cbor.encode({ output: v ?? null });
	const w = new W();
	w.data(cbor.encode(v ?? null));
	return w.done();
}
function encodeHttpError(enc, e) {
	const body = { group: e.group, code: e.code, message: e.message };
	if (e.metadata !== undefined) body.metadata = e.metadata;
	if (enc === "json") return Buffer.from(jsonText(body));
	if (enc === "cbor") return cbor.encode(body);
	const w = new W();
	w.str(e.group);
	w.str(e.code);
	w.str(e.message);
	if (e.metadata !== undefined) {
		w.u8(1);
		w.data(cbor.encode(e.metadata));
	} else w.u8(0);
	w.u8(0);
	return w.done();
}

function send(res, status, body, type) {
	res.writeHead(status, { "content-type": type, "content-length": body.length });
	res.end(body);
}
function sendJson(res, status, v) {
	send(res, status, Buffer.from(JSON.stringify(v)), "application/json");
}
function sendApiError(res, e) {
	const body = { group: e.group, code: e.code, message: e.message };
	if (e.metadata !== undefined) body.metadata = e.metadata;
	sendJson(res, e.code === "not_found" ? 404 : 400, body);
}

function readBody(req) {
	return new Promise((resolve, reject) => {
		const parts = [];
		req.on("data", (c) => parts.push(c));
		req.on("end", () => resolve(Buffer.concat(parts)));
		req.on("error", reject);
	});
}

function decodeInputB64(s, url) {
	if (!s) return undefined;
	const b = Buffer.from(s, url ? "base64url" : "base64");
	return cborDec.decode(b);
}

/** Resolves /gateway/<target>/<rest> to { actor, rest } or throws. */
function resolveGateway(u) {
	const m = u.pathname.match(/^\/gateway\/([^/]+)(\/.*)?$/);
	if (!m) return null;
	const target = decodeURIComponent(m[1]);
	const rest = m[2] ?? "/";
	const q = u.searchParams;
	if ([...q.keys()].some((k) => k.startsWith("rvt-"))) {
		const rawKey = q.get("rvt-key");
		const key = rawKey ? rawKey.split(",") : [];
		const method = q.get("rvt-method");
		if (method === "get") {
			const a = lookup(target, key);
			if (!a) throw new RErr("actor", "not_found", "The actor does not exist or was destroyed.");
			return { actor: a, rest };
		}
		return { actor: getOrCreate(target, key, decodeInputB64(q.get("rvt-input"), true)), rest };
	}
	const id = target.split("@")[0];
	const a = db.actors[id];
	if (!a) throw new RErr("actor", "not_found", "The actor does not exist or was destroyed.");
	return { actor: a, rest };
}

const server = http.createServer(async (req, res) => {
	try {
		const u = new URL(req.url, "http://x");
		const body = await readBody(req);
		if (u.pathname === "/metadata") return sendJson(res, 200, { runtime: "mock", version: "0" });
		if (u.pathname === "/actors") {
			try {
				if (req.method === "GET") {
					const ids = u.searchParams.get("actor_ids");
					if (ids) {
						return sendJson(res, 200, {
							actors: ids
								.split(",")
								.map((id) => db.actors[id])
								.filter(Boolean)
								.map(actorJson),
							pagination: { cursor: null },
						});
					}
					const a = lookup(u.searchParams.get("name"), deserializeKey(u.searchParams.get("key")));
					return sendJson(res, 200, { actors: a ? [actorJson(a)] : [], pagination: { cursor: null } });
				}
				const b = JSON.parse(body.toString("utf8"));
				const key = deserializeKey(b.key);
				const input = decodeInputB64(b.input, false);
				if (req.method === "PUT") {
					const existing = lookup(b.name, key);
					if (existing) return sendJson(res, 200, { actor: actorJson(existing), created: false });
					return sendJson(res, 200, { actor: actorJson(createActor(b.name, key, input)), created: true });
				}
				if (req.method === "POST") return sendJson(res, 200, { actor: actorJson(createActor(b.name, key, input)) });
			} catch (err) {
				return sendApiError(res, publicError(err));
			}
		}
		const enc = ["json", "cbor", "bare"].includes(req.headers["x-rivet-encoding"]) ? req.headers["x-rivet-encoding"] : "json";
		const ctype = enc === "json" ? "application/json" : "application/octet-stream";
		try {
			const g = resolveGateway(u);
			if (!g) throw new RErr("guard", "no_route", "no route");
			const am = g.rest.match(/^\/action\/([^/]+)$/);
			if (!am || req.method !== "POST") throw new RErr("actor", "not_found", "route not found");
			if (body.length > MAX_IN) throw new RErr("message", "incoming_too_long", "Incoming message too long");
			const out = runAction(g.actor, decodeURIComponent(am[1]), decodeArgs(enc, body));
			const encoded = encodeOutput(enc, out);
			if (encoded.length > MAX_OUT) throw new RErr("message", "outgoing_too_long", "Outgoing message too long");
			return send(res, 200, encoded, ctype);
		} catch (err) {
			const e = publicError(err);
			return send(res, statusFor(e), encodeHttpError(enc, e), ctype);
		}
	} catch (err) {
		res.writeHead(500);
		res.end(String(err));
	}
});

// ---------------------------------------------------------------- WebSocket

const wss = new WebSocketServer({
	noServer: true,
	maxPayload: 64 << 20,
	handleProtocols: () => "rivet",
});

server.on("upgrade", (req, socket, head) => {
	wss.handleUpgrade(req, socket, head, (ws) => {
		const protos = (req.headers["sec-websocket-protocol"] ?? "").split(",").map((s) => s.trim());
		const encP = protos.find((p) => p.startsWith("rivet_encoding."));
		const enc = encP ? encP.slice("rivet_encoding.".length) : "json";
		let g;
		try {
			g = resolveGateway(new URL(req.url, "http://x"));
		} catch (err) {
			const e = publicError(err);
			ws.close(1011, `${e.group}.${e.code}`);
			return;
		}
		const actor = g.actor;
		const connId = randomUUID();
		const sendMsg = (tag, val) => {
			if (ws.readyState !== ws.OPEN) return;
			if (enc === "json") ws.send(jsonText({ body: { tag, val } }));
			else if (enc === "cbor") ws.send(cbor.encode({ body: { tag, val } }));
			else {
				const w = new W();
				if (tag === "Init") {
					w.u8(0);
					w.str(val.actorId);
					w.str(val.connectionId);
				} else if (tag === "Error") {
					w.u8(1);
					w.str(val.group);
					w.str(val.code);
					w.str(val.message);
					if (val.metadata !== undefined) {
						w.u8(1);
						w.data(cbor.encode(val.metadata));
					} else w.u8(0);
					if (val.actionId !== null) {
						w.u8(1);
						w.uint(val.actionId);
					} else w.u8(0);
					w.u8(0);
				} else if (tag === "ActionResponse") {
					w.u8(2);
					w.uint(val.id);
					w.data(cbor.encode(val.output ?? null));
				} else {
					w.u8(3);
					w.str(val.name);
					w.data(cbor.encode(val.args));
				}
				ws.send(w.done());
			}
		};
		const conn = {
			subs: new Set(),
			sendEvent: (name, a) => sendMsg("Event", { name, args: a }),
		};
		if (!conns.has(actor.id)) conns.set(actor.id, new Set());
		conns.get(actor.id).add(conn);
		ws.on("close", () => conns.get(actor.id)?.delete(conn));
		sendMsg("Init", { actorId: actor.id, connectionId: connId });
		ws.on("message", (data, isBinary) => {
			const buf = Buffer.isBuffer(data) ? data : Buffer.concat(data);
			if (buf.length > MAX_IN) {
				ws.close(1011, "message.incoming_too_long");
				return;
			}
			let tag;
			let val;
			if (enc === "json") {
				const m = JSON.parse(buf.toString("utf8"));
				tag = m.body.tag;
				val = m.body.val;
				if (tag === "ActionRequest") val.id = BigInt(Array.isArray(val.id) ? val.id[1] : val.id);
			} else if (enc === "cbor") {
				const m = cborDec.decode(buf);
				tag = m.body.tag;
				val = m.body.val;
				if (tag === "ActionRequest") {
					val.id = BigInt(val.id);
					val.args = rawToCompat(val.args);
				}
			} else {
				const r = new R(buf);
				const t = r.u8();
				if (t === 0) {
					tag = "ActionRequest";
					val = { id: r.uint(), name: r.str(), args: cborDec.decode(r.data()) };
				} else {
					tag = "SubscriptionRequest";
					val = { eventName: r.str(), subscribe: r.u8() === 1 };
				}
			}
			if (tag === "SubscriptionRequest") {
				if (val.subscribe) conn.subs.add(val.eventName);
				else conn.subs.delete(val.eventName);
				return;
			}
			try {
				const out = runAction(actor, val.name, val.args ?? []);
				const probe = enc === "json" ? Buffer.byteLength(jsonText(out ?? null)) : cbor.encode(out ?? null).length;
				if (probe > MAX_OUT) throw new RErr("message", "outgoing_too_long", "Outgoing message too long");
				sendMsg("ActionResponse", { id: val.id, output: out ?? null });
			} catch (err) {
				const e = publicError(err);
				const v = { group: e.group, code: e.code, message: e.message, actionId: val.id };
				if (e.metadata !== undefined) v.metadata = e.metadata;
				sendMsg("Error", v);
			}
		});
	});
});

server.listen(PORT, "127.0.0.1", () => {
	console.log(`mock fixtures listening on http://127.0.0.1:${server.address().port}`);
});
process.on("SIGTERM", () => {
	for (const c of wss.clients) c.terminate();
	server.close(() => process.exit(0));
	setTimeout(() => process.exit(0), 1000).unref();
});
