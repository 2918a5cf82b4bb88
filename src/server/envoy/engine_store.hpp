#pragma once
// The node's store in engine mode: actor KV lives in the engine (spec §6.3, §7.4), reached through
// the engine link; the actor index holds the actors the engine started here (the engine owns
// the real index). A commit completes only after the engine acknowledged every request of its
// batch, so an action's reply still leaves only after its state is durable.
//
// A batch is applied as a sequence of requests (puts, deletes, range deletes, drops), and batches
// that touch the same actor (or share a fence) are applied in the order commit() was called, one
// at a time: a batch starts once every earlier batch it shares an actor or a fence with has
// finished. Batches of different actors run side by side, up to kMaxRunning at once, since each
// costs the engine a round trip of milliseconds. Batches of one actor that wait behind a running
// one leave together as one batch when they start (append_calls), the way the SQLite store commits
// many batches in one transaction. Unlike the SQLite store a batch is not atomic: a failure
// part-way leaves its earlier requests applied (the engine has no multi-request transaction).
// A batch with no request and no fence waits for every batch committed before it. Reads block the
// calling actor strand until the engine answers (at most `read_timeout`): the link runs on its own
// thread, so this cannot deadlock.
//
// Thread-safety: every method may be called from any thread.

#include "server/envoy/engine_link.hpp"
#include "server/envoy/kv_requests.hpp"

#include <rivet/storage/store.hpp>

#include <chrono>
#include <list>
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
  /// Batches running at once: enough to keep the engine busy, few enough that a burst of
  /// commits does not flood its socket.
  static constexpr std::size_t kMaxRunning = 64;
  /// Batches of one actor joined into one when it starts.
  static constexpr std::size_t kMaxJoined = 64;

  struct Queued {
    std::vector<KvCall> calls;
    std::vector<std::string> actors;  // distinct actor ids of `calls`
    std::vector<std::string> destroyed;
    std::uint64_t fence = 0;
    bool release_fence = false;
    bool running = false;
    std::size_t batches = 1;  // caller batches joined in here
    std::size_t rows = 0;
    std::vector<Callback> done;  // one per caller batch, in commit order
  };
  using Entry = std::list<Queued>::iterator;

  // Callbacks to run once mutex_ is released (a callback may commit again).
  using Completions = std::vector<std::pair<Callback, Result<void>>>;

  Result<wire::KvResponseData> request(std::string actor_id, wire::KvRequestData data);
  // With mutex_ held: starts every waiting batch whose turn has come.
  void advance(Completions& completions);
  // With mutex_ held: joins the later waiting batches of `entry`'s one actor into it.
  void join_followers(Entry entry);
  // With mutex_ held: sends `entry`'s request `index`.
  void issue(Entry entry, std::size_t index);
  // With mutex_ held: removes `entry` with its outcome.
  void finish(Entry entry, Result<void> outcome, Completions& completions);
  static void run(Completions& completions);

  std::chrono::milliseconds read_timeout_;
  std::shared_ptr<EngineLink> link_;
  mutable std::mutex mutex_;
  std::map<std::string, storage::ActorRecord, std::less<>> actors_;
  std::list<Queued> queue_;  // in commit order; running and waiting batches
  std::size_t running_ = 0;
  bool closed_ = false;
  std::set<std::uint64_t> poisoned_;
  storage::StoreStats stats_;
};

}  // namespace rivet::server::envoy
