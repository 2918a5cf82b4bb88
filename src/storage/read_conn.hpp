#pragma once
// One read connection with its prepared queries. Not thread-safe: the ReadPool hands each
// connection to one thread at a time.

#include <rivet/storage/store.hpp>

#include "storage/sqlite_handle.hpp"
#include "storage/vfs.hpp"

namespace rivet::storage::detail {

class ReadConn {
 public:
  /// Opens a read-only connection of its own to a database file.
  [[nodiscard]] static Result<std::unique_ptr<ReadConn>> open(const OpenTarget& target);
  /// Prepares the queries on a connection owned by someone else (the writer's, for ":memory:");
  /// that connection must outlive this object.
  [[nodiscard]] static Result<std::unique_ptr<ReadConn>> borrow(sqlite3* db);

  [[nodiscard]] Result<std::optional<ActorRecord>> find_actor(std::string_view actor_id);
  [[nodiscard]] Result<std::optional<ActorRecord>> find_actor_by_key(std::string_view name,
                                                                     std::string_view key);
  [[nodiscard]] Result<std::vector<ActorRecord>> list_actors(
      const std::optional<std::string>& name, std::size_t limit,
      std::optional<std::int64_t> after_create_ts);
  [[nodiscard]] Result<std::uint64_t> count_actors(const std::optional<std::string>& name);

  [[nodiscard]] Result<std::optional<Bytes>> kv_get(std::string_view actor_id, const Bytes& key);
  [[nodiscard]] Result<std::vector<KvEntry>> kv_range(std::string_view actor_id, const Bytes& start,
                                                      const Bytes& end, std::size_t limit);
  /// Rows of every live actor with keys in [start, end) (empty end: unbounded), by actor then key.
  [[nodiscard]] Result<std::vector<Store::ActorKvEntry>> kv_range_all_actors(const Bytes& start,
                                                                             const Bytes& end);

  /// The scan kv_range_all_actors runs for a range under kv_resumable (tests read its plan).
  [[nodiscard]] static std::string resumable_scan_sql();

 private:
  ReadConn() = default;
  [[nodiscard]] Result<void> prepare_all();
  [[nodiscard]] Result<std::optional<ActorRecord>> one_actor(sqlite3_stmt* stmt);

  DbPtr owned_;  // null when borrowing
  sqlite3* db_ = nullptr;
  StmtPtr find_actor_;
  StmtPtr find_by_key_;
  StmtPtr list_all_;
  StmtPtr list_by_name_;
  StmtPtr count_all_;
  StmtPtr count_by_name_;
  StmtPtr kv_get_;
  StmtPtr kv_range_;
  StmtPtr kv_range_open_;  // no upper bound
  StmtPtr kv_all_range_;
  StmtPtr kv_all_range_open_;
  StmtPtr kv_resumable_range_;  // ranges under the partial index kv_resumable
};

/// The column list every actor query selects, in the order ReadConn reads them back.
inline constexpr const char* kActorColumns =
    "actor_id, name, key, create_ts, destroy_ts, crash_policy, input, generation";

}  // namespace rivet::storage::detail
