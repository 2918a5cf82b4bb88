#pragma once
/// One actor's own SQLite database file (c.db()).
///
/// Values cross as compat Values: INTEGER -> number, REAL -> number, TEXT -> string,
/// BLOB -> ["$Uint8Array", b64], NULL -> null; parameters the other way round (booleans bind as
/// 0/1, ["$BigInt", ..] as INTEGER). Parameters are positional (a Value array) or named (a Value
/// object whose keys match `:name`, `@name` or `$name`, with or without the sigil).
///
/// Thread-safety: none; owned and used by one actor on its strand. Durability: WAL with
/// synchronous=FULL, so a statement outside a transaction is durable when execute() returns.

#include <rivet/common/error.hpp>
#include <rivet/common/value.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

struct sqlite3;

namespace rivet::storage {

class FaultPlan;
namespace detail {
class VfsRegistration;
}  // namespace detail

struct SqlResult {
  Value rows = Value::array();  // array of objects, columns in select order
  std::int64_t changes = 0;
  std::int64_t last_insert_rowid = 0;
};

class SqlDatabase {
 public:
  /// Opens (creating) the file at `path`. With `faults` (tests), its files go through the fault
  /// VFS (rivet/storage/fault_plan.hpp).
  [[nodiscard]] static Result<std::unique_ptr<SqlDatabase>> open(
      const std::string& path, std::shared_ptr<FaultPlan> faults = nullptr);
  ~SqlDatabase();
  SqlDatabase(const SqlDatabase&) = delete;
  SqlDatabase& operator=(const SqlDatabase&) = delete;

  /// Runs one statement (or, with no parameters, a script of several). Errors come back as
  /// sql.error with SQLite's message (masked for clients, logged by the runtime).
  [[nodiscard]] Result<SqlResult> execute(std::string_view sql,
                                          const Value& params = Value::array());

  [[nodiscard]] bool in_transaction() const noexcept;
  [[nodiscard]] const std::string& path() const noexcept { return path_; }

  /// Closes the file and deletes it with its -wal and -shm companions.
  static void remove_files(const std::string& path);

 private:
  SqlDatabase(sqlite3* db, std::string path, std::unique_ptr<detail::VfsRegistration> vfs);
  // Before db_'s close (in the destructor): the files look their plan up while open.
  std::unique_ptr<detail::VfsRegistration> vfs_;
  sqlite3* db_;
  std::string path_;
};

}  // namespace rivet::storage
