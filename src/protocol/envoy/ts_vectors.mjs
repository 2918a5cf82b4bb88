// Writes ts_vectors.inc: one message of every envoy protocol v8 type, encoded by the official
// TypeScript codec (npm @rivetkit/engine-envoy-protocol 2.3.19, installed with the wire tests).
// envoy_ts_vectors_test.cpp decodes each to the value written there and re-encodes it byte for
// byte. Values are distinct per field, so a field out of order shows. Regenerate with
//   (cd tests/wire && npm ci) && node src/protocol/envoy/ts_vectors.mjs > src/protocol/envoy/ts_vectors.inc
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const dir = path.join(root, "tests/wire/node_modules/@rivetkit/engine-envoy-protocol");
const p = await import(pathToFileURL(path.join(dir, "dist/index.js")).href);
const pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"));

const bytes = (...b) => new Uint8Array(b).buffer;
const text = (s) => new TextEncoder().encode(s).buffer;
const f64 = (v) => {
  const b = new ArrayBuffer(8);
  new DataView(b).setFloat64(0, v, true);
  return b;
};
const cp = (actorId, generation, index) => ({ actorId, generation, index: BigInt(index) });
const messageId = (messageIndex) => ({
  gatewayId: bytes(0x11, 0x22, 0x33, 0x44),
  requestId: bytes(0x55, 0x66, 0x77, 0x88),
  messageIndex,
});
const u = (tag, val = null) => ({ tag, val });

const toRivet = {
  rivet_metadata: u("ToRivetMetadata", {
    prepopulateActorNames: new Map([
      ["counter", { metadata: '{"icon":"x"}' }],
      ["chat", { metadata: "{}" }],
    ]),
    metadata: '{"rivetkit":{}}',
  }),
  rivet_metadata_empty: u("ToRivetMetadata", { prepopulateActorNames: null, metadata: null }),
  rivet_events: u("ToRivetEvents", [
    { checkpoint: cp("a1", 7, 9), inner: u("EventActorIntent", { intent: u("ActorIntentSleep") }) },
    { checkpoint: cp("a1", 7, 10), inner: u("EventActorIntent", { intent: u("ActorIntentStop") }) },
    { checkpoint: cp("a2", 8, 11), inner: u("EventActorStateUpdate", { state: u("ActorStateRunning") }) },
    {
      checkpoint: cp("a2", 8, 12),
      inner: u("EventActorStateUpdate", {
        state: u("ActorStateStopped", { code: p.StopCode.Error, message: "boom" }),
      }),
    },
    {
      checkpoint: cp("a2", 8, 13),
      inner: u("EventActorStateUpdate", {
        state: u("ActorStateStopped", { code: p.StopCode.Ok, message: null }),
      }),
    },
    { checkpoint: cp("a3", 9, 14), inner: u("EventActorSetAlarm", { alarmTs: 123456789n }) },
    { checkpoint: cp("a3", 9, 15), inner: u("EventActorSetAlarm", { alarmTs: null }) },
  ]),
  rivet_ack_commands: u("ToRivetAckCommands", {
    lastCommandCheckpoints: [cp("a1", 3, 4), cp("a2", 5, -1)],
  }),
  rivet_stopping: u("ToRivetStopping"),
  rivet_pong: u("ToRivetPong", { ts: -2n }),
  rivet_kv_get: u("ToRivetKvRequest", {
    actorId: "a1",
    requestId: 1,
    data: u("KvGetRequest", { keys: [bytes(1), bytes(2, 3)] }),
  }),
  rivet_kv_list_all: u("ToRivetKvRequest", {
    actorId: "a1",
    requestId: 2,
    data: u("KvListRequest", { query: u("KvListAllQuery"), reverse: null, limit: null }),
  }),
  rivet_kv_list_range: u("ToRivetKvRequest", {
    actorId: "a1",
    requestId: 3,
    data: u("KvListRequest", {
      query: u("KvListRangeQuery", { start: bytes(1), end: bytes(2), exclusive: true }),
      reverse: true,
      limit: 10n,
    }),
  }),
  rivet_kv_list_prefix: u("ToRivetKvRequest", {
    actorId: "a1",
    requestId: 4,
    data: u("KvListRequest", {
      query: u("KvListPrefixQuery", { key: bytes(0x0a) }),
      reverse: false,
      limit: null,
    }),
  }),
  rivet_kv_put: u("ToRivetKvRequest", {
    actorId: "a1",
    requestId: 5,
    data: u("KvPutRequest", { keys: [bytes(1), bytes(2)], values: [bytes(0xaa), bytes(0xbb, 0xcc)] }),
  }),
  rivet_kv_delete: u("ToRivetKvRequest", {
    actorId: "a1",
    requestId: 6,
    data: u("KvDeleteRequest", { keys: [bytes(1)] }),
  }),
  rivet_kv_delete_range: u("ToRivetKvRequest", {
    actorId: "a1",
    requestId: 7,
    data: u("KvDeleteRangeRequest", { start: bytes(1), end: bytes(9) }),
  }),
  rivet_kv_drop: u("ToRivetKvRequest", { actorId: "a1", requestId: 8, data: u("KvDropRequest") }),
  rivet_response_start: u("ToRivetTunnelMessage", {
    messageId: messageId(258),
    messageKind: u("ToRivetResponseStart", {
      status: 200,
      headers: new Map([
        ["content-type", "text/plain"],
        ["x-a", "b"],
      ]),
      body: text("hi"),
      stream: false,
    }),
  }),
  rivet_response_start_stream: u("ToRivetTunnelMessage", {
    messageId: messageId(0),
    messageKind: u("ToRivetResponseStart", { status: 404, headers: new Map(), body: null, stream: true }),
  }),
  rivet_response_chunk: u("ToRivetTunnelMessage", {
    messageId: messageId(1),
    messageKind: u("ToRivetResponseChunk", { body: text("abc"), finish: true }),
  }),
  rivet_response_abort: u("ToRivetTunnelMessage", {
    messageId: messageId(2),
    messageKind: u("ToRivetResponseAbort", {
      reason: { kind: p.HttpStreamAbortReasonKind.HandlerError, detail: "oops" },
    }),
  }),
  rivet_request_body_window_update: u("ToRivetTunnelMessage", {
    messageId: messageId(3),
    messageKind: u("ToRivetRequestBodyWindowUpdate", { consumedBytes: 65536n }),
  }),
  rivet_request_body_cancel: u("ToRivetTunnelMessage", {
    messageId: messageId(4),
    messageKind: u("ToRivetRequestBodyCancel"),
  }),
  rivet_websocket_open: u("ToRivetTunnelMessage", {
    messageId: messageId(0),
    messageKind: u("ToRivetWebSocketOpen", { canHibernate: false }),
  }),
  rivet_websocket_message: u("ToRivetTunnelMessage", {
    messageId: messageId(5),
    messageKind: u("ToRivetWebSocketMessage", { data: bytes(1, 2, 3), binary: true }),
  }),
  rivet_websocket_message_ack: u("ToRivetTunnelMessage", {
    messageId: messageId(65535),
    messageKind: u("ToRivetWebSocketMessageAck", { index: 65535 }),
  }),
  rivet_websocket_close: u("ToRivetTunnelMessage", {
    messageId: messageId(6),
    messageKind: u("ToRivetWebSocketClose", { code: 1011, reason: "bye", hibernate: true }),
  }),
  rivet_websocket_close_empty: u("ToRivetTunnelMessage", {
    messageId: messageId(7),
    messageKind: u("ToRivetWebSocketClose", { code: null, reason: null, hibernate: false }),
  }),
  rivet_sqlite_get_pages: u("ToRivetSqliteGetPagesRequest", {
    requestId: 11,
    data: { actorId: "a1", pgnos: [1, 2, 128], expectedGeneration: 3n, expectedHeadTxid: null },
  }),
  rivet_sqlite_commit: u("ToRivetSqliteCommitRequest", {
    requestId: 12,
    data: {
      actorId: "a1",
      dirtyPages: [{ pgno: 1, bytes: bytes(1, 2) }],
      dbSizePages: 10,
      nowMs: 1700000000000n,
      expectedGeneration: null,
      expectedHeadTxid: 42n,
    },
  }),
  rivet_sqlite_commit_stage_begin: u("ToRivetSqliteCommitStageBeginRequest", {
    requestId: 13,
    data: { actorId: "a1", expectedGeneration: 3n, expectedHeadTxid: 4n },
  }),
  rivet_sqlite_commit_stage_segment: u("ToRivetSqliteCommitStageSegmentRequest", {
    requestId: 14,
    data: {
      actorId: "a1",
      expectedGeneration: null,
      txid: 5n,
      firstPgno: 64,
      dirtyPages: [{ pgno: 65, bytes: bytes(0xff) }],
    },
  }),
  rivet_sqlite_commit_finalize: u("ToRivetSqliteCommitFinalizeRequest", {
    requestId: 15,
    data: {
      actorId: "a1",
      expectedGeneration: 3n,
      txid: 5n,
      newDbSizePages: 70,
      nowMs: 1n,
      segmentFirstPgnos: new Uint32Array([1, 64]),
    },
  }),
  rivet_sqlite_exec: u("ToRivetSqliteExecRequest", {
    requestId: 16,
    data: { namespaceId: "ns1", actorId: "a1", generation: 2n, sql: "select 1" },
  }),
  rivet_sqlite_execute: u("ToRivetSqliteExecuteRequest", {
    requestId: 17,
    data: {
      namespaceId: "ns1",
      actorId: "a1",
      generation: 2n,
      sql: "insert ?",
      params: [
        u("SqliteValueNull"),
        u("SqliteValueInteger", { value: -5n }),
        u("SqliteValueFloat", { value: f64(1.5) }),
        u("SqliteValueText", { value: "t" }),
        u("SqliteValueBlob", { value: bytes(0, 0xff) }),
      ],
    },
  }),
  rivet_sqlite_execute_no_params: u("ToRivetSqliteExecuteRequest", {
    requestId: 18,
    data: { namespaceId: "ns1", actorId: "a1", generation: 2n, sql: "select 2", params: null },
  }),
  rivet_sqlite_execute_batch: u("ToRivetSqliteExecuteBatchRequest", {
    requestId: 19,
    data: {
      namespaceId: "ns1",
      actorId: "a1",
      generation: 2n,
      statements: [
        { sql: "a", params: null },
        { sql: "b", params: [u("SqliteValueInteger", { value: 1n })] },
      ],
    },
  }),
};

const sqliteError = u("SqliteErrorResponse", {
  group: "depot",
  code: "database_not_found",
  message: "no db",
});
const toEnvoy = {
  envoy_init: u("ToEnvoyInit", {
    metadata: { envoyLostThreshold: 15000n, actorStopThreshold: 1800000n, maxResponsePayloadSize: 20971520n },
  }),
  envoy_commands: u("ToEnvoyCommands", [
    {
      checkpoint: cp("a1", 1, 1),
      inner: u("CommandStartActor", {
        config: { name: "counter", key: "k", createTs: 5n, input: bytes(1, 2) },
        hibernatingRequests: [{ gatewayId: bytes(1, 2, 3, 4), requestId: bytes(5, 6, 7, 8) }],
        preloadedKv: {
          entries: [{ key: bytes(1), value: bytes(2), metadata: { version: text("2.3.19"), updateTs: 9n } }],
          requestedGetKeys: [bytes(3)],
          requestedPrefixes: [bytes(0x0a)],
        },
      }),
    },
    { checkpoint: cp("a1", 1, 2), inner: u("CommandStopActor", { reason: p.StopActorReason.GoingAway }) },
    { checkpoint: cp("a2", 2, 3), inner: u("CommandStopActor", { reason: p.StopActorReason.Lost }) },
  ]),
  envoy_commands_minimal: u("ToEnvoyCommands", [
    {
      checkpoint: cp("a3", 4, 0),
      inner: u("CommandStartActor", {
        config: { name: "c", key: null, createTs: 0n, input: null },
        hibernatingRequests: [],
        preloadedKv: null,
      }),
    },
  ]),
  envoy_ack_events: u("ToEnvoyAckEvents", { lastEventCheckpoints: [cp("a1", 6, 250)] }),
  envoy_kv_error: u("ToEnvoyKvResponse", { requestId: 1, data: u("KvErrorResponse", { message: "too big" }) }),
  envoy_kv_get: u("ToEnvoyKvResponse", {
    requestId: 2,
    data: u("KvGetResponse", {
      keys: [bytes(1)],
      values: [bytes(2)],
      metadata: [{ version: text("v"), updateTs: 1n }],
    }),
  }),
  envoy_kv_list: u("ToEnvoyKvResponse", {
    requestId: 3,
    data: u("KvListResponse", {
      keys: [bytes(1), bytes(3)],
      values: [bytes(2), bytes(4)],
      metadata: [
        { version: text("v"), updateTs: 1n },
        { version: text("w"), updateTs: 2n },
      ],
    }),
  }),
  envoy_kv_put: u("ToEnvoyKvResponse", { requestId: 4, data: u("KvPutResponse") }),
  envoy_kv_delete: u("ToEnvoyKvResponse", { requestId: 5, data: u("KvDeleteResponse") }),
  envoy_kv_drop: u("ToEnvoyKvResponse", { requestId: 6, data: u("KvDropResponse") }),
  envoy_request_start: u("ToEnvoyTunnelMessage", {
    messageId: messageId(0),
    messageKind: u("ToEnvoyRequestStart", {
      actorId: "a1",
      actorGeneration: 4,
      method: "POST",
      path: "/action/x?y=1",
      headers: new Map([
        ["b", "2"],
        ["a", "1"],
      ]),
      body: text("{}"),
      stream: false,
      responseStream: true,
    }),
  }),
  envoy_request_start_minimal: u("ToEnvoyTunnelMessage", {
    messageId: messageId(0),
    messageKind: u("ToEnvoyRequestStart", {
      actorId: "a2",
      actorGeneration: null,
      method: "GET",
      path: "/",
      headers: new Map(),
      body: null,
      stream: true,
      responseStream: false,
    }),
  }),
  envoy_request_chunk: u("ToEnvoyTunnelMessage", {
    messageId: messageId(1),
    messageKind: u("ToEnvoyRequestChunk", { body: text("xyz"), finish: false }),
  }),
  envoy_request_abort: u("ToEnvoyTunnelMessage", {
    messageId: messageId(2),
    messageKind: u("ToEnvoyRequestAbort", {
      actorId: "a1",
      actorGeneration: 4,
      reason: { kind: p.HttpStreamAbortReasonKind.Cancelled, detail: null },
    }),
  }),
  envoy_request_abort_empty: u("ToEnvoyTunnelMessage", {
    messageId: messageId(3),
    messageKind: u("ToEnvoyRequestAbort", {
      actorId: null,
      actorGeneration: null,
      reason: { kind: p.HttpStreamAbortReasonKind.InternalError, detail: "x" },
    }),
  }),
  envoy_request_body_cancel: u("ToEnvoyTunnelMessage", {
    messageId: messageId(4),
    messageKind: u("ToEnvoyRequestBodyCancel"),
  }),
  envoy_response_body_window_update: u("ToEnvoyTunnelMessage", {
    messageId: messageId(5),
    messageKind: u("ToEnvoyResponseBodyWindowUpdate", { consumedBytes: 4096n }),
  }),
  envoy_websocket_open: u("ToEnvoyTunnelMessage", {
    messageId: messageId(0),
    messageKind: u("ToEnvoyWebSocketOpen", {
      actorId: "a1",
      actorGeneration: null,
      path: "/websocket",
      headers: new Map([["sec-websocket-protocol", "rivet"]]),
    }),
  }),
  envoy_websocket_message: u("ToEnvoyTunnelMessage", {
    messageId: messageId(1),
    messageKind: u("ToEnvoyWebSocketMessage", { data: text("hello"), binary: false }),
  }),
  envoy_websocket_close: u("ToEnvoyTunnelMessage", {
    messageId: messageId(2),
    messageKind: u("ToEnvoyWebSocketClose", { code: 1000, reason: "Disposed" }),
  }),
  envoy_websocket_close_empty: u("ToEnvoyTunnelMessage", {
    messageId: messageId(3),
    messageKind: u("ToEnvoyWebSocketClose", { code: null, reason: null }),
  }),
  envoy_ping: u("ToEnvoyPing", { ts: 1795495145366n }),
  envoy_sqlite_get_pages: u("ToEnvoySqliteGetPagesResponse", {
    requestId: 21,
    data: u("SqliteGetPagesOk", {
      pages: [
        { pgno: 1, bytes: bytes(1, 2) },
        { pgno: 2, bytes: null },
      ],
      headTxid: 8n,
    }),
  }),
  envoy_sqlite_get_pages_error: u("ToEnvoySqliteGetPagesResponse", { requestId: 22, data: sqliteError }),
  envoy_sqlite_commit: u("ToEnvoySqliteCommitResponse", {
    requestId: 23,
    data: u("SqliteCommitOk", { headTxid: null }),
  }),
  envoy_sqlite_commit_stage_begin: u("ToEnvoySqliteCommitStageBeginResponse", {
    requestId: 24,
    data: u("SqliteCommitStageBeginOk", { txid: 6n }),
  }),
  envoy_sqlite_commit_stage_segment: u("ToEnvoySqliteCommitStageSegmentResponse", {
    requestId: 25,
    data: u("SqliteCommitStageSegmentOk", { stagedBytes: 4096n }),
  }),
  envoy_sqlite_commit_finalize: u("ToEnvoySqliteCommitFinalizeResponse", {
    requestId: 26,
    data: u("SqliteCommitFinalizeOk", { headTxid: 6n }),
  }),
  envoy_sqlite_exec: u("ToEnvoySqliteExecResponse", {
    requestId: 27,
    data: u("SqliteExecOk", {
      result: {
        columns: ["a", "b"],
        rows: [
          [u("SqliteValueInteger", { value: 1n }), u("SqliteValueText", { value: "x" })],
          [u("SqliteValueNull"), u("SqliteValueBlob", { value: bytes(0) })],
        ],
      },
    }),
  }),
  envoy_sqlite_exec_error: u("ToEnvoySqliteExecResponse", { requestId: 28, data: sqliteError }),
  envoy_sqlite_execute: u("ToEnvoySqliteExecuteResponse", {
    requestId: 29,
    data: u("SqliteExecuteOk", {
      result: {
        columns: ["id"],
        rows: [[u("SqliteValueFloat", { value: f64(2.5) })]],
        changes: 1n,
        lastInsertRowId: 7n,
      },
    }),
  }),
  envoy_sqlite_execute_batch: u("ToEnvoySqliteExecuteBatchResponse", {
    requestId: 30,
    data: u("SqliteExecuteBatchOk", {
      results: [
        { columns: [], rows: [], changes: 0n, lastInsertRowId: null },
        { columns: ["n"], rows: [], changes: 2n, lastInsertRowId: -1n },
      ],
    }),
  }),
};

const hex = (u8) => Buffer.from(u8).toString("hex");
const lines = [
  `// Generated by ts_vectors.mjs from ${pkg.name} ${pkg.version}; do not edit.`,
  "// clang-format off",
];
for (const [name, msg] of Object.entries(toRivet)) {
  const encoded = p.encodeToRivet(msg);
  p.decodeToRivet(encoded);
  lines.push(`RIVET_TS_VECTOR(${name}, "${hex(encoded)}")`);
}
for (const [name, msg] of Object.entries(toEnvoy)) {
  const encoded = p.encodeToEnvoy(msg);
  p.decodeToEnvoy(encoded);
  lines.push(`RIVET_TS_VECTOR(${name}, "${hex(encoded)}")`);
}
lines.push("// clang-format on");
console.log(lines.join("\n"));
