// c.db(): the actor's own SQLite file, migrations at start, deletion on destroy.

#include <rivet/core/actor_context.hpp>
#include <rivet/core/database.hpp>
#include <rivet/storage/sql_database.hpp>

#include "core/actor/actor_instance.hpp"
#include "core/runtime/runtime_core.hpp"
#include "core/actor/user_code.hpp"

#include <filesystem>

namespace rivet {

namespace {

// SQL failures are internal errors for clients (the text may name tables or values); the
// runtime logs the original message. A full disk is the node's condition, not the query's: it
// keeps its code (storage.disk_full, masked like every storage error), so that a client knows to
// retry later.
void check(const Result<storage::SqlResult>& r) {
  if (!r) {
    if (r.error().is(codes::kStorageDiskFull)) {
      throw ErrorException(r.error());
    }
    throw std::runtime_error(r.error().message);
  }
}

}  // namespace

Value Database::execute_values(std::string_view sql, const Value& params) {
  auto result = db_->execute(sql, params);
  check(result);
  last_insert_rowid_ = result->last_insert_rowid;
  changes_ = result->changes;
  return std::move(result->rows);
}

void Database::transaction(const std::function<void()>& fn) {
  check(db_->execute("SAVEPOINT rivet_tx"));
  try {
    fn();
  } catch (...) {
    (void)db_->execute("ROLLBACK TO rivet_tx");
    (void)db_->execute("RELEASE rivet_tx");
    throw;
  }
  check(db_->execute("RELEASE rivet_tx"));
}

std::int64_t Database::user_version() {
  auto rows = execute_values("PRAGMA user_version", Value::array());
  return rows.empty() ? 0 : rows[0]["user_version"].get<std::int64_t>();
}

void Database::migrate(const std::vector<std::function<void(Database&)>>& steps) {
  for (auto version = user_version(); version < static_cast<std::int64_t>(steps.size());
       ++version) {
    transaction([&] {
      steps[static_cast<std::size_t>(version)](*this);
      execute_values("PRAGMA user_version = " + std::to_string(version + 1), Value::array());
    });
  }
}

}  // namespace rivet
