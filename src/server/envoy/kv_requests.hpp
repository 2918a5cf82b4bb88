#pragma once
// Turns the store's write batches and reads into the engine's KV requests (engine protocol spec
// §6.3, §7.4), within the engine's limits. Pure functions, no I/O.

#include <rivet/common/error.hpp>
#include <rivet/protocol/envoy/kv.hpp>
#include <rivet/storage/store.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace rivet::server::envoy {

namespace wire = rivet::protocol::envoy;

/// The engine's KV limits (spec §7.4). A stored key carries the runtime's one-byte prefix, so
/// a user key at c.kv()'s own 2048-byte limit is already beyond the engine's.
struct KvLimits {
  std::size_t max_key_bytes = 2046;
  std::size_t max_value_bytes = 128 * 1024;
  std::size_t max_keys_per_request = 128;
  std::size_t max_put_payload_bytes = 976 * 1024;  // keys plus values of one put
  std::size_t max_list_entries = 16384;            // the engine's default list limit
};

/// One KV request for one actor.
struct KvCall {
  std::string actor_id;
  wire::KvRequestData data;
};

/// The requests that apply `batch`, in its order: runs of puts and of deletes become one request
/// each (split at the limits), a range delete one request, a destroyed actor a drop. Fails with
/// kv.key_too_large or kv.value_too_large (metadata: the limit and the size) before anything is
/// sent, and refuses InsertActor: in engine mode the engine creates actors.
[[nodiscard]] Result<std::vector<KvCall>> plan_writes(const storage::WriteBatch& batch,
                                                      const KvLimits& limits = {});

/// Appends the requests of a later batch to `into` so that applying `into` gives what applying
/// both in turn would: a put or delete that follows one of the same kind and actor joins it
/// while the limits allow (a key put again keeps its later value). Two actor commits that
/// waited behind each other then cost one engine round trip.
void append_calls(std::vector<KvCall>& into, std::vector<KvCall> more, const KvLimits& limits = {});

/// The Get requests for `keys`, at most max_keys_per_request keys each.
[[nodiscard]] std::vector<wire::KvGetRequest> plan_gets(const std::vector<Bytes>& keys,
                                                        const KvLimits& limits = {});

/// The exclusive upper bound of every key that starts with `prefix`; empty when there is none
/// (the prefix is all 0xff), meaning "to the end".
[[nodiscard]] Bytes prefix_end(const Bytes& prefix);

/// A key above every key the engine accepts: the inclusive end of an unbounded range.
[[nodiscard]] Bytes unbounded_end(const KvLimits& limits = {});

}  // namespace rivet::server::envoy
