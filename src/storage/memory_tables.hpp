#pragma once
// The memory store's data: the actor index and every actor's KV rows, as ordered maps that give
// the same orders as the SQLite tables (unsigned byte order for keys and ids). A batch is applied
// with an undo log, so a failing batch leaves no trace.
//
// Not thread-safe: MemoryStore guards it with a reader-writer lock.

#include <rivet/storage/store.hpp>

#include <map>
#include <utility>

namespace rivet::storage::detail {

class MemoryTables {
 public:
  [[nodiscard]] std::optional<ActorRecord> find_actor(std::string_view actor_id) const;
  [[nodiscard]] std::optional<ActorRecord> find_actor_by_key(std::string_view name,
                                                             std::string_view key) const;
  [[nodiscard]] std::vector<ActorRecord> list_actors(const std::optional<std::string>& name,
                                                     std::size_t limit,
                                                     std::optional<std::int64_t> after) const;
  [[nodiscard]] std::uint64_t count_actors(const std::optional<std::string>& name) const;

  [[nodiscard]] std::optional<Bytes> kv_get(std::string_view actor_id, const Bytes& key) const;
  /// Keys in [start, end) (empty end: unbounded), at most `limit`.
  [[nodiscard]] std::vector<KvEntry> kv_range(std::string_view actor_id, const Bytes& start,
                                              const Bytes& end, std::size_t limit) const;
  /// Rows of every live actor with keys in [start, end), by actor then key.
  [[nodiscard]] std::vector<Store::ActorKvEntry> kv_range_all_actors(const Bytes& start,
                                                                     const Bytes& end) const;

  /// Applies the batch's ops in order; when one fails, undoes those already applied.
  [[nodiscard]] Result<void> apply(const WriteBatch& batch);

 private:
  using Rows = std::map<Bytes, Bytes>;
  // (name, key) of a live actor.
  using LiveKey = std::pair<std::string, std::string>;

  struct RowUndo {
    std::string actor_id;
    Bytes key;
    std::optional<Bytes> previous;
  };
  struct ActorUndo {
    std::string actor_id;
    std::optional<ActorRecord> previous;
  };
  using Undo = std::variant<RowUndo, ActorUndo>;

  [[nodiscard]] Result<void> apply_op(const WriteBatch::Op& op);
  [[nodiscard]] Result<void> insert_actor(const ActorRecord& record);
  [[nodiscard]] Result<void> destroy_actor(const WriteBatch::DestroyActor& op);
  /// Deletes the actor's rows in [start, end) (empty end: unbounded), logging each.
  void erase_rows(const std::string& actor_id, const Bytes& start, const Bytes& end);

  // Logged writes (undone if the batch fails) and the raw writes beneath them.
  void set_row(const std::string& actor_id, const Bytes& key, std::optional<Bytes> value);
  void set_actor(const std::string& actor_id, std::optional<ActorRecord> record);
  std::optional<Bytes> write_row(const std::string& actor_id, const Bytes& key,
                                 std::optional<Bytes> value);
  std::optional<ActorRecord> write_actor(const std::string& actor_id,
                                         std::optional<ActorRecord> record);
  void undo_batch();

  [[nodiscard]] bool is_live(std::string_view actor_id) const;

  std::map<std::string, ActorRecord, std::less<>> actors_;
  std::map<LiveKey, std::string> live_by_key_;  // -> actor_id
  std::map<std::string, Rows, std::less<>> rows_;  // an actor without rows has no entry
  std::vector<Undo> undo_;  // the batch being applied; reused
};

}  // namespace rivet::storage::detail
