#pragma once
// Thin RAII and binding helpers over the SQLite C API, shared by the read and write paths.

#include <rivet/common/error.hpp>
#include <rivet/common/value.hpp>

#include <sqlite3.h>

#include <memory>
#include <string>
#include <string_view>

namespace rivet::storage::detail {

struct DbCloser {
  void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
using DbPtr = std::unique_ptr<sqlite3, DbCloser>;

struct StmtFinalizer {
  void operator()(sqlite3_stmt* stmt) const noexcept { sqlite3_finalize(stmt); }
};
using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

/// How long a connection waits on a lock held by another connection before giving up.
inline constexpr int kBusyTimeoutMs = 5000;

/// storage.failure carrying `what` and SQLite's last message for `db`.
[[nodiscard]] Error sqlite_error(sqlite3* db, std::string_view what);

/// Opens a connection (NOMUTEX: each connection is used by one thread at a time; the callers
/// guarantee that) with extended result codes and a busy timeout, through VFS `vfs` (null: the
/// default one).
[[nodiscard]] Result<DbPtr> open_db(const std::string& path, int flags,
                                    const char* vfs = nullptr);
[[nodiscard]] Result<void> exec(sqlite3* db, const char* sql);
/// Prepares a statement that is kept for the connection's lifetime.
[[nodiscard]] Result<StmtPtr> prepare(sqlite3* db, std::string_view sql);
/// Runs a statement that returns no rows (or whose rows are ignored) and resets it.
[[nodiscard]] int step_done(sqlite3_stmt* stmt) noexcept;

/// Resets a statement when a query ends, which also releases its read snapshot so WAL
/// checkpoints are not held back by an idle reader.
class StmtScope {
 public:
  explicit StmtScope(sqlite3_stmt* stmt) noexcept : stmt_(stmt) {}
  StmtScope(const StmtScope&) = delete;
  StmtScope& operator=(const StmtScope&) = delete;
  ~StmtScope() { sqlite3_reset(stmt_); }

 private:
  sqlite3_stmt* stmt_;
};

// Binding never copies (SQLITE_STATIC): the bound data must stay alive until the statement is
// reset. Each returns true on success.
[[nodiscard]] bool bind_text(sqlite3_stmt* stmt, int index, std::string_view text) noexcept;
/// Binds a blob; an empty one is a zero-length blob, never NULL.
[[nodiscard]] bool bind_blob(sqlite3_stmt* stmt, int index, const std::uint8_t* data,
                             std::size_t size) noexcept;
[[nodiscard]] inline bool bind_blob(sqlite3_stmt* stmt, int index, const Bytes& bytes) noexcept {
  return bind_blob(stmt, index, bytes.data(), bytes.size());
}
[[nodiscard]] inline bool bind_blob(sqlite3_stmt* stmt, int index, std::string_view text) noexcept {
  return bind_blob(stmt, index, reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
}
[[nodiscard]] bool bind_int(sqlite3_stmt* stmt, int index, std::int64_t value) noexcept;

[[nodiscard]] Bytes column_bytes(sqlite3_stmt* stmt, int col);
/// Reads a TEXT or BLOB column as raw bytes in a string (keeps embedded NULs).
[[nodiscard]] std::string column_string(sqlite3_stmt* stmt, int col);

}  // namespace rivet::storage::detail
