// Upstream RivetKit 2.3.19, serving a subset of the conformance fixtures
// (../../../../shared/spec/conformance-fixtures.md) as a runner of a local Rivet Engine. The C++ client's
// conformance test (tests/client) runs against this and against our own fixture server, so it
// shows the client speaks the protocol and not only our dialect. Started by
// scripts/client-conformance.sh with RIVET_ENDPOINT pointing at the engine.
import { actor, queue, setup, UserError } from "rivetkit";

const counter = actor({
  state: { count: 0 },
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
    getIdentity: (c) => ({ name: "counter", key: c.key, actorId: c.actorId }),
  },
});

const withInput = actor({
  createState: (_c, input) => ({
    input: input ?? null,
    label: typeof input?.label === "string" ? input.label : "none",
    count: typeof input?.start === "number" ? input.start : 0,
    onCreateInput: null,
  }),
  onCreate: (c, input) => {
    c.state.onCreateInput = input ?? null;
  },
  actions: {
    getState: (c) => c.state,
    increment: (c, amount) => {
      c.state.count += amount;
      return c.state.count;
    },
  },
});

const chatRoom = actor({
  state: { log: [] },
  onBeforeConnect: (_c, params) => {
    if (params?.secret === "wrong") {
      throw new UserError("Invalid secret", {
        code: "invalid_secret",
        metadata: { hint: "ask the room owner" },
      });
    }
  },
  createConnState: (_c, params) => ({
    name: typeof params?.name === "string" ? params.name : "anonymous",
    role: typeof params?.role === "string" ? params.role : "member",
    counter: 0,
  }),
  onConnect: (c, conn) => {
    c.state.log.push(`connect:${conn.state.name}`);
    c.broadcast("joined", conn.state.name);
  },
  onDisconnect: (c, conn) => {
    c.state.log.push(`disconnect:${conn.state.name}`);
    c.broadcast("left", conn.state.name);
  },
  actions: {
    whoAmI: (c) => ({ name: c.conn.state.name, role: c.conn.state.role, counter: c.conn.state.counter }),
    bump: (c) => ++c.conn.state.counter,
    listNames: (c) => [...c.conns.values()].map((conn) => conn.state.name).sort(),
    say: (c, text) => {
      c.broadcast("message", { from: c.conn.state.name, text });
      return true;
    },
    announce: (c, first, second) => {
      c.broadcast("announce", first, second);
      return true;
    },
    getLog: (c) => c.state.log,
  },
});

const errors = actor({
  state: { calls: 0 },
  actions: {
    throwSimple: () => {
      throw new UserError("Something went wrong");
    },
    throwDetailed: () => {
      throw new UserError("Out of stock", {
        code: "out_of_stock",
        metadata: { sku: "widget-7", available: 0, tags: ["a", "b"] },
      });
    },
    throwInternal: () => {
      throw new Error("database password is hunter2");
    },
    ok: (c) => {
      c.state.calls += 1;
      return "ok";
    },
  },
});

const payloads = actor({
  state: {},
  actions: {
    echo: (_c, value) => value,
    echoArgs: (_c, ...args) => args,
    size: (_c, text) => text.length,
    make: (_c, length) => "x".repeat(length),
    nothing: () => {},
  },
});

const worker = actor({
  state: { processed: [], notes: [] },
  queues: { jobs: queue(), notes: queue() },
  run: async (c) => {
    for await (const msg of c.queue.iter({ completable: true })) {
      if (msg.name === "jobs") {
        c.state.processed.push(msg.body.n);
        await msg.complete({ doubled: msg.body.n * 2, seq: c.state.processed.length });
      } else {
        c.state.notes.push(msg.body);
        await msg.complete();
      }
    }
  },
  actions: {
    getProcessed: (c) => c.state.processed,
    getNotes: (c) => c.state.notes,
  },
});

const rawHttp = actor({
  state: { requestCount: 0 },
  onRequest: async (c, request) => {
    c.state.requestCount += 1;
    const url = new URL(request.url);
    const path = url.pathname.replace(/^\/request/, "") || "/";
    if (request.method === "GET" && path === "/hello") {
      return new Response("hello from rawHttp", {
        headers: { "content-type": "text/plain; charset=utf-8" },
      });
    }
    if (path === "/echo") {
      const body = new Uint8Array(await request.arrayBuffer());
      return new Response(body, {
        headers: {
          "content-type": request.headers.get("content-type") ?? "application/octet-stream",
          "x-echo-method": request.method,
          "x-echo-length": String(body.length),
        },
      });
    }
    if (path === "/inspect") {
      return Response.json({
        method: request.method,
        path: "/inspect",
        query: Object.fromEntries(url.searchParams),
        custom: request.headers.get("x-custom-header"),
      });
    }
    const status = /^\/status\/(\d{3})$/.exec(path);
    if (status) {
      const code = Number(status[1]);
      return new Response(code === 204 || code === 304 ? null : `status ${code}`, { status: code });
    }
    return new Response("not found", { status: 404 });
  },
  actions: {
    getRequestCount: (c) => c.state.requestCount,
  },
});

const rawSocket = actor({
  state: { opened: 0, closed: 0, messages: 0 },
  onWebSocket: (c, websocket) => {
    c.state.opened += 1;
    const url = new URL(c.request?.url ?? "http://actor/websocket");
    websocket.send(
      JSON.stringify({
        type: "welcome",
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        opened: c.state.opened,
      }),
    );
    websocket.addEventListener("message", (event) => {
      c.state.messages += 1;
      if (typeof event.data !== "string") {
        const bytes = new Uint8Array(event.data);
        websocket.send(bytes.slice().reverse());
      } else if (event.data === "ping") {
        websocket.send("pong");
      } else if (event.data === "bye") {
        websocket.close(4001, "requested");
      } else {
        websocket.send(`echo:${event.data}`);
      }
    });
    websocket.addEventListener("close", () => {
      c.state.closed += 1;
    });
  },
  actions: {
    getStats: (c) => ({ opened: c.state.opened, closed: c.state.closed, messages: c.state.messages }),
  },
});

const registry = setup({
  use: { counter, withInput, chatRoom, errors, payloads, worker, rawHttp, rawSocket },
});
registry.start();
