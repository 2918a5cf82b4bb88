#pragma once
/// Per-actor options. Defaults follow the reference limits.

#include <chrono>
#include <cstddef>
#include <string>

namespace rivet {

struct ActorOptions {
  /// Idle time without requests, connections or running work before the actor sleeps.
  std::chrono::milliseconds sleep_timeout{30'000};
  /// Longest an action may run before it fails with actor.action_timed_out.
  std::chrono::milliseconds action_timeout{60'000};
  /// Bound for createState/onCreate/onWake/onSleep/onDestroy/connect hooks.
  std::chrono::milliseconds hook_timeout{5'000};
  /// Largest incoming client message (HTTP body or WebSocket frame), bytes.
  std::size_t max_incoming_message_size = 65'536;
  /// Largest encoded outgoing message (response or event), bytes.
  std::size_t max_outgoing_message_size = 1'048'576;
  /// Messages that may wait in the actor's queues.
  std::size_t max_queue_size = 1'000;
  /// Spans the inspector keeps per actor (the latest; docs/inspector.md, "Traces"). 0 records
  /// none, and an actor then holds no trace memory (about 150 B per awake actor that ran code).
  std::size_t max_traces = 256;
  /// A state whose compat-CBOR is at least this many bytes is stored as content-defined chunks
  /// plus a manifest, so a change rewrites only the chunks near it (docs/storage-format.md,
  /// "Chunked state"). 0: always one row. RIVET_STATE_CHUNKING=0 turns it off for every actor.
  std::size_t state_chunk_threshold = 32 * 1024;
  /// Display name and icon (dashboard metadata).
  std::string display_name;
  std::string icon;
};

}  // namespace rivet
