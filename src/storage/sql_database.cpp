#include <rivet/storage/sql_database.hpp>

#include "storage/vfs.hpp"

#include <sqlite3.h>

#include <filesystem>

namespace rivet::storage {

namespace {

Error sql_error(sqlite3* db, std::string_view what) {
  std::string message = std::string(what) + ": " + sqlite3_errmsg(db);
  // A full disk is the node's condition, not the query's: say so (retry after backoff).
  if ((sqlite3_extended_errcode(db) & 0xff) == SQLITE_FULL) {
    return errors::disk_full(std::move(message));
  }
  return make_error(codes::kSqlError, std::move(message));
}

Result<void> bind_one(sqlite3* db, sqlite3_stmt* stmt, int index, const Value& v) {
  int rc = SQLITE_OK;
  if (v.is_null()) {
    rc = sqlite3_bind_null(stmt, index);
  } else if (v.is_boolean()) {
    rc = sqlite3_bind_int(stmt, index, v.get<bool>() ? 1 : 0);
  } else if (v.is_number_integer() || v.is_number_unsigned()) {
    rc = sqlite3_bind_int64(stmt, index, v.get<std::int64_t>());
  } else if (v.is_number_float()) {
    rc = sqlite3_bind_double(stmt, index, v.get<double>());
  } else if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    rc = sqlite3_bind_text(stmt, index, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
  } else {
    auto plain = decode_compat(v);
    if (!plain) {
      return make_error(codes::kSqlInvalidParameter, "unknown compat tag in a parameter");
    }
    if (plain->is_binary()) {
      const auto& b = plain->get_binary();
      rc = sqlite3_bind_blob(stmt, index, b.data(), static_cast<int>(b.size()), SQLITE_TRANSIENT);
    } else if (plain->is_number_integer() || plain->is_number_unsigned()) {
      rc = sqlite3_bind_int64(stmt, index, plain->get<std::int64_t>());
    } else if (plain->is_null()) {
      rc = sqlite3_bind_null(stmt, index);
    } else {
      const auto text = plain->dump();
      rc = sqlite3_bind_text(stmt, index, text.data(), static_cast<int>(text.size()),
                             SQLITE_TRANSIENT);
    }
  }
  if (rc != SQLITE_OK) {
    return sql_error(db, "binding a parameter");
  }
  return Result<void>{};
}

Result<void> bind_all(sqlite3* db, sqlite3_stmt* stmt, const Value& params) {
  const int count = sqlite3_bind_parameter_count(stmt);
  for (int i = 1; i <= count; ++i) {
    const char* raw_name = sqlite3_bind_parameter_name(stmt, i);
    const Value* value = nullptr;
    Value missing;
    if (params.is_object()) {
      if (raw_name == nullptr) {
        return make_error(codes::kSqlInvalidParameter, "positional parameter with named values");
      }
      std::string name(raw_name);
      auto it = params.find(name);
      if (it == params.end()) {
        it = params.find(name.substr(1));
      }
      value = it == params.end() ? &missing : &*it;
    } else if (params.is_array()) {
      const auto index = static_cast<std::size_t>(i - 1);
      value = index < params.size() ? &params[index] : &missing;
    } else {
      value = &missing;
    }
    if (auto bound = bind_one(db, stmt, i, *value); !bound) {
      return bound;
    }
  }
  return Result<void>{};
}

Value column_value(sqlite3_stmt* stmt, int col) {
  switch (sqlite3_column_type(stmt, col)) {
    case SQLITE_INTEGER:
      return to_value(static_cast<std::int64_t>(sqlite3_column_int64(stmt, col)));
    case SQLITE_FLOAT:
      return sqlite3_column_double(stmt, col);
    case SQLITE_TEXT: {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, col));
      return std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(stmt, col)));
    }
    case SQLITE_BLOB: {
      const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt, col));
      const auto size = static_cast<std::size_t>(sqlite3_column_bytes(stmt, col));
      return to_value(Blob{Bytes(data, data + size)});
    }
    default:
      return nullptr;
  }
}

}  // namespace

Result<std::unique_ptr<SqlDatabase>> SqlDatabase::open(const std::string& path,
                                                      std::shared_ptr<FaultPlan> faults) {
  std::unique_ptr<detail::VfsRegistration> vfs;
  if (faults) {
    vfs = std::make_unique<detail::VfsRegistration>(nullptr, std::move(faults));
  }
  auto target = detail::open_target(path, vfs.get());
  if (!target) {
    return make_error(codes::kSqlOpenFailed, target.error().message);
  }
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(
      target->name.c_str(), &db,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | target->flags,
      target->vfs);
  if (rc != SQLITE_OK) {
    auto err = make_error(codes::kSqlOpenFailed, std::string("cannot open ") + path + ": " +
                                                     (db ? sqlite3_errmsg(db) : "out of memory"));
    sqlite3_close(db);
    return err;
  }
  sqlite3_busy_timeout(db, 5000);
  sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;",
               nullptr, nullptr, nullptr);
  return std::unique_ptr<SqlDatabase>(new SqlDatabase(db, path, std::move(vfs)));
}

SqlDatabase::SqlDatabase(sqlite3* db, std::string path,
                         std::unique_ptr<detail::VfsRegistration> vfs)
    : vfs_(std::move(vfs)), db_(db), path_(std::move(path)) {}

SqlDatabase::~SqlDatabase() {
  sqlite3_close_v2(db_);
}

bool SqlDatabase::in_transaction() const noexcept {
  return sqlite3_get_autocommit(db_) == 0;
}

Result<SqlResult> SqlDatabase::execute(std::string_view sql, const Value& params) {
  SqlResult result;
  const char* tail = sql.data();
  const char* end = sql.data() + sql.size();
  const bool has_params = (params.is_array() && !params.empty()) || params.is_object();
  while (tail < end) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, tail, static_cast<int>(end - tail), &stmt, &tail) != SQLITE_OK) {
      return sql_error(db_, "preparing a statement");
    }
    if (stmt == nullptr) {
      break;  // only whitespace or comments left
    }
    std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> guard(stmt, sqlite3_finalize);
    if (auto bound = bind_all(db_, stmt, params); !bound) {
      return bound.error();
    }
    result.rows = Value::array();
    const int columns = sqlite3_column_count(stmt);
    for (;;) {
      const int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) {
        break;
      }
      if (rc != SQLITE_ROW) {
        return sql_error(db_, "running a statement");
      }
      Value row = Value::object();
      for (int col = 0; col < columns; ++col) {
        row[sqlite3_column_name(stmt, col)] = column_value(stmt, col);
      }
      result.rows.push_back(std::move(row));
    }
    if (has_params) {
      break;  // parameters belong to one statement
    }
  }
  result.changes = sqlite3_changes64(db_);
  result.last_insert_rowid = sqlite3_last_insert_rowid(db_);
  return result;
}

void SqlDatabase::remove_files(const std::string& path) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    std::filesystem::remove(path + suffix, ec);
  }
}

}  // namespace rivet::storage
