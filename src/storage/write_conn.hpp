#pragma once
// The one read-write connection and the statements that apply WriteBatch ops. Used only by the
// writer thread (and by Store::open before that thread starts).

#include <rivet/storage/store.hpp>

#include "storage/sqlite_handle.hpp"
#include "storage/vfs.hpp"

#include <optional>

namespace rivet::storage::detail {

class WriteConn {
 public:
  /// Opens (creating) the database, sets WAL and the sync level, migrates the schema and
  /// prepares every statement. With a registration (metrics or faults), a database file is
  /// opened through the rivet VFS (storage/vfs.hpp), so its fsyncs and its WAL's are counted and
  /// its faults injected; the registration must outlive the connection.
  [[nodiscard]] static Result<std::unique_ptr<WriteConn>> open(
      const StoreOptions& options, const VfsRegistration* registration);

  [[nodiscard]] sqlite3* handle() const noexcept { return db_.get(); }

  [[nodiscard]] Result<void> begin();
  /// The durable point: with synchronous=FULL this is the group's one WAL fsync.
  [[nodiscard]] Result<void> commit();
  void rollback() noexcept;
  [[nodiscard]] Result<void> savepoint();
  [[nodiscard]] Result<void> release_savepoint();
  [[nodiscard]] Result<void> rollback_to_savepoint();
  /// False when SQLite rolled the whole transaction back on its own (e.g. disk full, I/O error);
  /// everything applied since begin() is then gone.
  [[nodiscard]] bool in_transaction() const noexcept;

  /// Applies one op inside the open transaction. Constraint failures come back as the matching
  /// public error (actor.duplicate_key); anything else as storage.failure.
  [[nodiscard]] Result<void> apply(const WriteBatch::Op& op);

 private:
  WriteConn() = default;
  [[nodiscard]] Result<void> prepare_all();
  [[nodiscard]] Result<void> run(sqlite3_stmt* stmt, const char* what);
  [[nodiscard]] Result<void> put(const WriteBatch::Put& op);
  [[nodiscard]] Result<void> del(const WriteBatch::Delete& op);
  [[nodiscard]] Result<void> delete_range(const WriteBatch::DeleteRange& op);
  [[nodiscard]] Result<void> insert_actor(const WriteBatch::InsertActor& op);
  [[nodiscard]] Result<void> destroy_actor(const WriteBatch::DestroyActor& op);
  [[nodiscard]] Error insert_conflict(const ActorRecord& record);

  DbPtr db_;
  StmtPtr begin_;
  StmtPtr commit_;
  StmtPtr rollback_;
  StmtPtr savepoint_;
  StmtPtr release_;
  StmtPtr rollback_to_;
  StmtPtr put_;
  StmtPtr delete_;
  StmtPtr delete_range_;
  StmtPtr delete_range_open_;  // no upper bound
  StmtPtr delete_all_kv_;
  StmtPtr insert_actor_;
  StmtPtr find_live_by_key_;
  StmtPtr mark_destroyed_;
  StmtPtr actor_exists_;
};

}  // namespace rivet::storage::detail
