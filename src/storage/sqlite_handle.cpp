#include "storage/sqlite_handle.hpp"

#include <limits>

namespace rivet::storage::detail {

namespace {
// A non-null pointer for zero-length blobs: sqlite3_bind_blob64 with nullptr would bind NULL.
constexpr std::uint8_t kEmptyBlob = 0;
}  // namespace

Error sqlite_error(sqlite3* db, std::string_view what) {
  std::string message(what);
  if (db != nullptr) {
    message += ": ";
    message += sqlite3_errmsg(db);
    // ENOSPC (or the file's size limit): the write was refused whole, and may succeed once
    // space is freed; everything else is an I/O or internal failure.
    if ((sqlite3_extended_errcode(db) & 0xff) == SQLITE_FULL) {
      return errors::disk_full(std::move(message));
    }
  }
  return errors::storage(std::move(message));
}

Result<DbPtr> open_db(const std::string& path, int flags, const char* vfs) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, vfs);
  DbPtr db(raw);  // sqlite3_open_v2 may hand back a handle even on failure
  if (rc != SQLITE_OK) {
    return sqlite_error(db.get(), "cannot open database '" + path + "'");
  }
  sqlite3_extended_result_codes(db.get(), 1);
  sqlite3_busy_timeout(db.get(), kBusyTimeoutMs);
  return db;
}

Result<void> exec(sqlite3* db, const char* sql) {
  if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
    return sqlite_error(db, std::string("cannot execute '") + sql + "'");
  }
  return {};
}

Result<StmtPtr> prepare(sqlite3* db, std::string_view sql) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
  StmtPtr stmt(raw);
  if (rc != SQLITE_OK) {
    return sqlite_error(db, "cannot prepare '" + std::string(sql) + "'");
  }
  return stmt;
}

int step_done(sqlite3_stmt* stmt) noexcept {
  int rc = sqlite3_step(stmt);
  sqlite3_reset(stmt);
  return rc == SQLITE_ROW ? SQLITE_DONE : rc;
}

bool bind_text(sqlite3_stmt* stmt, int index, std::string_view text) noexcept {
  const char* data = text.empty() ? "" : text.data();
  return sqlite3_bind_text64(stmt, index, data, text.size(), SQLITE_STATIC, SQLITE_UTF8) ==
         SQLITE_OK;
}

bool bind_blob(sqlite3_stmt* stmt, int index, const std::uint8_t* data, std::size_t size) noexcept {
  const void* ptr = size == 0 ? &kEmptyBlob : data;
  return sqlite3_bind_blob64(stmt, index, ptr, size, SQLITE_STATIC) == SQLITE_OK;
}

bool bind_int(sqlite3_stmt* stmt, int index, std::int64_t value) noexcept {
  return sqlite3_bind_int64(stmt, index, value) == SQLITE_OK;
}

Bytes column_bytes(sqlite3_stmt* stmt, int col) {
  const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt, col));
  const int size = sqlite3_column_bytes(stmt, col);  // after column_blob, as SQLite requires
  if (data == nullptr || size <= 0) {
    return {};
  }
  return Bytes(data, data + size);
}

std::string column_string(sqlite3_stmt* stmt, int col) {
  const auto* data = static_cast<const char*>(sqlite3_column_blob(stmt, col));
  const int size = sqlite3_column_bytes(stmt, col);
  if (data == nullptr || size <= 0) {
    return {};
  }
  return std::string(data, static_cast<std::size_t>(size));
}

}  // namespace rivet::storage::detail
