#pragma once
/// The node's store: the actor index and every actor's KV rows. This interface is the seam
/// between the core and a storage engine; two implement it:
///  - Store::open: one SQLite database (WAL), durable. Writes go through a single writer thread
///    that commits the batches of many callers in one transaction and one fsync (group commit).
///  - open_memory_store (rivet/storage/memory_store.hpp): the same semantics in memory, for tests
///    and harnesses; "durable" there means "visible to readers".
/// Reads see committed data.
///
/// Thread-safety: every method may be called from any thread.
/// Lifetime: close() (or the destructor) drains pending commits; no callback runs after it returns.

#include <rivet/common/error.hpp>
#include <rivet/common/metrics.hpp>
#include <rivet/common/value.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace rivet::storage {

class FaultPlan;

struct ActorRecord {
  std::string actor_id;
  std::string name;
  std::string key;  // serialized key (protocol/keys.hpp)
  std::int64_t create_ts = 0;  // ms since epoch
  std::optional<std::int64_t> destroy_ts;
  std::string crash_policy = "sleep";
  std::optional<Bytes> input;  // compat-CBOR of the creation input, absent when none
  std::uint64_t generation = 1;
  bool operator==(const ActorRecord&) const = default;
};

struct KvEntry {
  Bytes key;
  Bytes value;
  bool operator==(const KvEntry&) const = default;
};

/// One caller's writes; applied atomically (all or nothing) inside the group transaction.
struct WriteBatch {
  struct Put {
    std::string actor_id;
    Bytes key;
    Bytes value;
  };
  struct Delete {
    std::string actor_id;
    Bytes key;
  };
  /// Deletes keys in [start, end) ; an empty end means "to the end of the actor's key space".
  struct DeleteRange {
    std::string actor_id;
    Bytes start;
    Bytes end;
  };
  /// Fails the batch with actor.duplicate_key when a live actor has the same name and key.
  struct InsertActor {
    ActorRecord record;
  };
  /// Sets destroy_ts and deletes all of the actor's KV rows. Destroying an already destroyed
  /// actor keeps its first destroy_ts; an unknown actor id fails the batch with actor.not_found.
  struct DestroyActor {
    std::string actor_id;
    std::int64_t destroy_ts = 0;
  };
  using Op = std::variant<Put, Delete, DeleteRange, InsertActor, DestroyActor>;
  std::vector<Op> ops;
  /// Batches that share a non-zero fence depend on the ones queued before them (one actor
  /// instance's commits: a later state write carries the changes of the earlier ones). Once a
  /// fenced batch fails with its whole group (I/O error, disk full), every later batch with that
  /// fence, empty ones too, fails with the same error without being applied, until a batch with
  /// `release_fence` set reaches the writer. A batch refused on its own (actor.duplicate_key)
  /// does not poison its fence. 0: no fence.
  std::uint64_t fence = 0;
  /// Clears a poisoned `fence` once every batch queued before this one has failed.
  bool release_fence = false;

  [[nodiscard]] bool empty() const noexcept { return ops.empty(); }
};

struct StoreOptions {
  /// Database file path; ":memory:" for tests (still goes through the writer thread; reads then
  /// share the writer's connection and wait for its transaction). The directory must exist.
  std::string path;
  /// PRAGMA synchronous: true = FULL (fsync on every commit, the default: durable on ack).
  bool sync = true;
  /// Upper bound of batches merged into one transaction.
  std::size_t max_batches_per_commit = 4096;
  /// Where group commits (duration, batches, rows) and, for a database file, fsyncs are counted.
  /// Null: nothing is counted.
  std::shared_ptr<Metrics> metrics;
  /// Tests only: faults to inject into the database's files (rivet/storage/fault_plan.hpp). Null
  /// (the default): the files are SQLite's own, with nothing in between.
  std::shared_ptr<FaultPlan> faults;
};

struct StoreStats {
  std::uint64_t transactions = 0;  // group commits performed
  std::uint64_t batches = 0;       // caller batches committed
  std::uint64_t rows = 0;          // ops applied
};

class Store {
 public:
  using Callback = std::function<void(Result<void>)>;

  /// Opens (creating if needed) the database and starts the writer thread.
  [[nodiscard]] static Result<std::unique_ptr<Store>> open(const StoreOptions& options);

  virtual ~Store() = default;

  // -- actor index ---------------------------------------------------------------------------
  [[nodiscard]] virtual Result<std::optional<ActorRecord>> find_actor(std::string_view actor_id) = 0;
  /// Live (not destroyed) actor with this name and serialized key.
  [[nodiscard]] virtual Result<std::optional<ActorRecord>> find_actor_by_key(std::string_view name,
                                                                             std::string_view key) = 0;
  /// Live actors, optionally of one name, ordered by create_ts then id; `after_create_ts` pages
  /// (strictly greater, so actors sharing the last create_ts of a full page are skipped).
  [[nodiscard]] virtual Result<std::vector<ActorRecord>> list_actors(
      std::optional<std::string> name, std::size_t limit,
      std::optional<std::int64_t> after_create_ts) = 0;
  /// How many live (not destroyed) actors there are, optionally of one name. The default lists
  /// them all; implementations count without reading the records.
  [[nodiscard]] virtual Result<std::uint64_t> count_actors(std::optional<std::string> name);

  // -- KV ------------------------------------------------------------------------------------
  [[nodiscard]] virtual Result<std::optional<Bytes>> kv_get(std::string_view actor_id,
                                                            const Bytes& key) = 0;
  /// One answer per key, in the order of `keys` (nullopt for a missing key). The default calls
  /// kv_get once per key; implementations may read them together.
  [[nodiscard]] virtual Result<std::vector<std::optional<Bytes>>> kv_get_many(
      std::string_view actor_id, const std::vector<Bytes>& keys);
  /// Keys in [start, end) in byte order; empty end = unbounded. At most `limit` entries.
  [[nodiscard]] virtual Result<std::vector<KvEntry>> kv_range(std::string_view actor_id,
                                                              const Bytes& start, const Bytes& end,
                                                              std::size_t limit) = 0;
  [[nodiscard]] virtual Result<std::vector<KvEntry>> kv_prefix(std::string_view actor_id,
                                                               const Bytes& prefix,
                                                               std::size_t limit) = 0;

  struct ActorKvEntry {
    std::string actor_id;
    KvEntry entry;
  };
  /// Rows whose key starts with `prefix`, across all live actors (start-up scans, e.g. alarms),
  /// ordered by actor id, then key.
  [[nodiscard]] virtual Result<std::vector<ActorKvEntry>> kv_prefix_all_actors(
      const Bytes& prefix) = 0;

  // -- writes --------------------------------------------------------------------------------
  /// Queues the batch for the next group commit. `done` runs on the writer thread after the
  /// transaction is durable (or failed); it must not block, and must not call commit_sync() or
  /// close(). An empty batch completes at once after every batch queued before it. After close()
  /// `done` runs at once, on the calling thread, with storage.failure. A failing batch (e.g.
  /// actor.duplicate_key) leaves no trace and does not affect the other batches of its group.
  virtual void commit(WriteBatch batch, Callback done) = 0;
  /// Blocking convenience for start-up and tests. Must not be called from a commit callback.
  [[nodiscard]] virtual Result<void> commit_sync(WriteBatch batch) = 0;

  [[nodiscard]] virtual StoreStats stats() const = 0;
  /// Drains the writer and closes the database. Idempotent. Reads and commits after it fail
  /// with storage.failure.
  virtual void close() = 0;
};

}  // namespace rivet::storage
