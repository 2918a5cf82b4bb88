#pragma once
// The node's store in engine mode: actor KV lives in the engine (spec §6.3, §7.4), reached through
// the engine link; the actor index holds the actors the engine started here (the engine owns
// the real index). A commit completes only after the engine acknowledged every request of its
// batch, so an action's reply still leaves only after its state is durable.
//
// Batches are applied one after the other, in the order commit() was called, each as a sequence
// of requests (puts, deletes, range deletes, drops). Unlike the SQLite store a batch is not
// atomic: a failure part-way leaves its earlier requests applied (the engine has no multi-request
// transaction). Reads block the calling actor strand until the engine answers (at most
// `read_timeout`): the link runs on its own thread, so this cannot deadlock.
//
// Thread-safety: every method may be called from any thread.

#include "server/envoy/engine_link.hpp"
#include "server/envoy/kv_requests.hpp"

#include <rivet/storage/store.hpp>

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <utility>
#include <vector>

namespace rivet::server::envoy {

class EngineStore final : public storage::Store {
 public:
  explicit EngineStore(std::chrono::milliseconds read_timeout = std::chrono::seconds(30));
  ~EngineStore() override;

  /// Set once, before any read or commit.
  void set_link(std::shared_ptr<EngineLink> link);
  /// The engine started `record` here: find_actor sees it from now on (replacing an older
  /// generation's record).
  void register_actor(storage::ActorRecord record);

  Result<std::optional<storage::ActorRecord>> find_actor(std::string_view actor_id) override;
  Result<std::optional<storage::ActorRecord>> find_actor_by_key(std::string_view name,
                                                                std::string_view key) override;
  Result<std::vector<storage::ActorRecord>> list_actors(
      std::optional<std::string> name, std::size_t limit,
      std::optional<std::int64_t> after_create_ts) override;

  Result<std::optional<Bytes>> kv_get(std::string_view actor_id, const Bytes& key) override;
  Result<std::vector<std::optional<Bytes>>> kv_get_many(std::string_view actor_id,
                                                        const std::vector<Bytes>& keys) override;
  Result<std::vector<storage::KvEntry>> kv_range(std::string_view actor_id, const Bytes& start,
                                                 const Bytes& end, std::size_t limit) override;
  Result<std::vector<storage::KvEntry>> kv_prefix(std::string_view actor_id, const Bytes& prefix,
                                                  std::size_t limit) override;
  /// Empty: a start-up scan across actors has no engine request; alarms belong to the engine.
  Result<std::vector<ActorKvEntry>> kv_prefix_all_actors(const Bytes& prefix) override;

  void commit(storage::WriteBatch batch, Callback done) override;
  Result<void> commit_sync(storage::WriteBatch batch) override;
  [[nodiscard]] storage::StoreStats stats() const override;
  void close() override;

 private:
  struct Queued {
    std::vector<KvCall> calls;
    std::vector<std::string> destroyed;
    std::uint64_t fence = 0;
    bool release_fence = false;
    Callback done;
  };

  // Callbacks to run once mutex_ is released (a callback may commit again).
  using Completions = std::vector<std::pair<Callback, Result<void>>>;

  Result<wire::KvResponseData> request(std::string actor_id, wire::KvRequestData data);
  // With mutex_ held: starts the head batch when none runs.
  void advance(Completions& completions);
  // With mutex_ held: sends the head batch's request `index`.
  void issue(std::size_t index);
  // With mutex_ held: pops the head batch with its outcome.
  void finish_head(Result<void> outcome, Completions& completions);
  static void run(Completions& completions);

  std::chrono::milliseconds read_timeout_;
  std::shared_ptr<EngineLink> link_;
  mutable std::mutex mutex_;
  std::map<std::string, storage::ActorRecord, std::less<>> actors_;
  std::deque<Queued> queue_;
  bool running_ = false;
  bool closed_ = false;
  std::set<std::uint64_t> poisoned_;
  storage::StoreStats stats_;
};

}  // namespace rivet::server::envoy
