// Every request the dashboard makes, same origin: the management API for the actor list and the
// inspector tokens, and each actor's inspector routes behind the gateway (docs/inspector.md).

export const NAMESPACE = "default";

const SERVER_TOKEN_KEY = "rivet.dashboard.serverToken";
const INSPECTOR_TOKEN_KEY = "rivet.dashboard.inspectorToken";

function readSetting(key) {
	try {
		return localStorage.getItem(key) || "";
	} catch {
		return "";
	}
}

function writeSetting(key, value) {
	try {
		if (value) localStorage.setItem(key, value);
		else localStorage.removeItem(key);
	} catch {
		// Storage can be disabled; the value then lasts as long as the page.
	}
}

/**
 * Tokens kept in localStorage: the server's RIVET_TOKEN (management calls) and, optionally, the
 * server-wide RIVET_INSPECTOR_TOKEN (used instead of each actor's own inspector token).
 */
export const settings = {
	get serverToken() {
		return readSetting(SERVER_TOKEN_KEY);
	},
	get inspectorToken() {
		return readSetting(INSPECTOR_TOKEN_KEY);
	},
	save({ serverToken, inspectorToken }) {
		writeSetting(SERVER_TOKEN_KEY, serverToken.trim());
		writeSetting(INSPECTOR_TOKEN_KEY, inspectorToken.trim());
		actorTokens.clear();
	},
};

/** A failed request: HTTP status plus the server's structured error {group, code, message, metadata}. */
export class ApiError extends Error {
	constructor(status, body) {
		const b = body && typeof body === "object" ? body : {};
		super(b.message || b.error || (typeof body === "string" && body) || `HTTP ${status}`);
		this.name = "ApiError";
		this.status = status;
		this.group = b.group || null;
		this.code = b.code || null;
		this.metadata = b.metadata ?? null;
		this.body = body;
	}

	get qualifiedCode() {
		return this.group && this.code ? `${this.group}.${this.code}` : null;
	}
}

async function request(path, { method = "GET", body, token, signal } = {}) {
	const headers = { accept: "application/json" };
	if (token) headers.authorization = `Bearer ${token}`;
	if (body !== undefined) headers["content-type"] = "application/json";
	let res;
	try {
		res = await fetch(path, {
			method,
			headers,
			body: body === undefined ? undefined : JSON.stringify(body),
			signal,
			cache: "no-store",
		});
	} catch (err) {
		if (err?.name === "AbortError") throw err;
		throw new ApiError(0, {
			group: "dashboard",
			code: "unreachable",
			message: `The server did not answer: ${err?.message || err}`,
		});
	}
	const text = await res.text();
	let json = null;
	if (text) {
		try {
			json = JSON.parse(text);
		} catch {
			json = null;
		}
	}
	if (!res.ok) throw new ApiError(res.status, json ?? text);
	return json;
}

function query(params) {
	const q = new URLSearchParams();
	for (const [k, v] of Object.entries(params)) {
		if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
	}
	return q.toString();
}

// -- management API ----------------------------------------------------------------------------

/** The actor names of the registry: [{name, displayName, icon}]. */
export async function listNames({ signal } = {}) {
	const res = await request(`/actors/names?${query({ namespace: NAMESPACE })}`, { signal });
	return Object.entries(res?.names || {})
		.map(([name, info]) => ({
			name,
			displayName: info?.metadata?.name || "",
			icon: info?.metadata?.icon || "",
		}))
		.sort((a, b) => a.name.localeCompare(b.name));
}

/** One page of actors (oldest first), destroyed ones included. */
export async function listActors({ name, limit = 100, signal } = {}) {
	const res = await request(
		`/actors?${query({ namespace: NAMESPACE, name, limit, include_destroyed: "true" })}`,
		{ signal },
	);
	return { actors: res?.actors || [], cursor: res?.pagination?.cursor ?? null };
}

/** One actor's record, or null when there is no such actor. */
export async function getActor(actorId, { signal } = {}) {
	const res = await request(
		`/actors?${query({ namespace: NAMESPACE, actor_ids: actorId, include_destroyed: "true" })}`,
		{ signal },
	);
	return res?.actors?.[0] ?? null;
}

function decodeBase64Text(b64) {
	const binary = atob(b64);
	const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
	return new TextDecoder().decode(bytes);
}

// actorId -> Promise<string>: each actor's inspector token, read once.
const actorTokens = new Map();

async function fetchActorToken(actorId) {
	// The token is the actor's KV value under the reserved key [0x03] ("Aw==" in base64).
	const res = await request(
		`/actors/${encodeURIComponent(actorId)}/kv/keys/Aw==?${query({ namespace: NAMESPACE })}`,
		{ token: settings.serverToken },
	);
	if (!res?.value) throw new ApiError(404, { message: "The actor has no inspector token yet" });
	return decodeBase64Text(res.value);
}

function actorToken(actorId, refresh) {
	const override = settings.inspectorToken;
	if (override) return Promise.resolve(override);
	let token = refresh ? undefined : actorTokens.get(actorId);
	if (!token) {
		token = fetchActorToken(actorId);
		actorTokens.set(actorId, token);
		token.catch(() => actorTokens.delete(actorId));
	}
	return token;
}

// -- inspector ---------------------------------------------------------------------------------

/**
 * One inspector request for `actorId` (path relative to /inspector/). A rejected token is read
 * again once: an actor created by an older build gets its token when it next wakes.
 */
export async function inspect(actorId, path, { method = "GET", body, signal } = {}) {
	const url = `/gateway/${encodeURIComponent(actorId)}/inspector/${path}`;
	const token = await actorToken(actorId, false);
	try {
		return await request(url, { method, body, token, signal });
	} catch (err) {
		const rejected = err instanceof ApiError && (err.status === 401 || err.status === 403);
		if (!rejected || settings.inspectorToken) throw err;
		const fresh = await actorToken(actorId, true);
		if (fresh === token) throw err;
		return request(url, { method, body, token: fresh, signal });
	}
}

export const inspector = {
	summary: (id, o) => inspect(id, "summary", o),
	state: (id, o) => inspect(id, "state", o),
	patchState: (id, state) => inspect(id, "state", { method: "PATCH", body: { state } }),
	connections: (id, o) => inspect(id, "connections", o),
	rpcs: (id, o) => inspect(id, "rpcs", o),
	callAction: (id, name, args) =>
		inspect(id, `action/${encodeURIComponent(name)}`, { method: "POST", body: { args } }),
	queue: (id, limit, o) => inspect(id, `queue?${query({ limit })}`, o),
	events: (id, limit, o) => inspect(id, `events?${query({ limit })}`, o),
	traces: (id, { startMs, endMs, limit }, o) =>
		inspect(id, `traces?${query({ startMs, endMs, limit })}`, o),
	workflowHistory: (id, o) => inspect(id, "workflow-history", o),
	databaseSchema: (id, o) => inspect(id, "database/schema", o),
	databaseRows: (id, { table, limit, offset }, o) =>
		inspect(id, `database/rows?${query({ table, limit, offset })}`, o),
};
