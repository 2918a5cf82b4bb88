// One call through a Rivet Engine's gateway with the official rivetkit client, for
// scripts/envoy-engine-test.sh:  node call.mjs ENDPOINT ENCODING ACTOR KEY ACTION [JSON_ARG...]
// ACTION @fetch PATH does a raw HTTP request (handle.fetch), @send QUEUE BODY a queue send,
// @connect ACTION ARG EVENT an action over a connection and the event it broadcasts,
// @websocket PATH MESSAGE LAST a raw WebSocket (see below).
// Prints {"ok":result} or {"error":{group,code,message}} on one line; exits 0 either way, 1 on
// anything unexpected. The actor's input, when needed, comes from RIVET_TEST_INPUT (JSON).
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import path from "node:path";

// rivetkit lives in tests/wire/node_modules (installed by `make deps`).
const wire = path.join(path.dirname(fileURLToPath(import.meta.url)), "../wire/package.json");
const { createClient } = await import(createRequire(wire).resolve("rivetkit/client"));

const [endpoint, encoding, actorName, key, action, ...rawArgs] = process.argv.slice(2);
const client = createClient({
  endpoint,
  namespace: "default",
  poolName: "default",
  encoding,
  disableMetadataLookup: true,
});
const options = process.env.RIVET_TEST_INPUT
  ? { createWithInput: JSON.parse(process.env.RIVET_TEST_INPUT) }
  : undefined;
const handle = client[actorName].getOrCreate([key], options);
try {
  const args = rawArgs.map((a) => JSON.parse(a));
  let result;
  if (action === "@fetch") {
    // Raw HTTP (onRequest): {status, body}
    const res = await handle.fetch(args[0], args[1]);
    result = { status: res.status, body: await res.text() };
  } else if (action === "@connect") {
    // Over the actor connection (WebSocket): an action, and the event it broadcasts.
    // args: action name, its argument, the event to wait for
    const conn = handle.connect();
    const event = new Promise((resolve) => conn.on(args[2], (value) => resolve(value)));
    const output = await conn[args[0]](args[1]);
    result = { output, event: await event };
    await conn.dispose();
  } else if (action === "@websocket") {
    // A raw WebSocket (onWebSocket): the first frame, the reply to args[1], and the close that
    // follows sending args[2]. {first, reply, close: {code, reason}}
    const ws = await handle.webSocket(args[0]);
    ws.binaryType = "arraybuffer";
    const frames = [];
    const waiters = [];
    ws.addEventListener("message", (ev) => {
      frames.push(String(ev.data));
      waiters.splice(0).forEach((w) => w());
    });
    const closed = new Promise((resolve) =>
      ws.addEventListener("close", (ev) => resolve({ code: ev.code, reason: ev.reason })),
    );
    const frame = async (n) => {
      while (frames.length < n) await new Promise((r) => waiters.push(r));
      return frames[n - 1];
    };
    if (ws.readyState !== 1) await new Promise((r) => ws.addEventListener("open", r));
    const first = JSON.parse(await frame(1)).type;
    ws.send(args[1]);
    const reply = await frame(2);
    ws.send(args[2]);
    result = { first, reply, close: await closed };
  } else if (action === "@send") {
    // A queue send: the queue's name and the message body
    result = await handle.send(args[0], args[1]);
  } else {
    result = await handle[action](...args);
  }
  console.log(JSON.stringify({ ok: result ?? null }));
} catch (e) {
  if (e?.group === undefined) {
    console.error(e);
    process.exit(1);
  }
  console.log(JSON.stringify({ error: { group: e.group, code: e.code, message: e.message } }));
}
process.exit(0);
