// c.db(): the actor's own SQLite file, migrations at start, deletion on destroy.

#include <rivet/core/actor_context.hpp>
#include <rivet/core/database.hpp>
#include <rivet/storage/sql_database.hpp>

#include "core/actor_runtime.hpp"
#include "core/engine_core.hpp"
#include "core/user_code.hpp"

#include <filesystem>

namespace rivet {

namespace {

// SQL failures are internal errors for clients (the text may name tables or values); the
// runtime logs the original message.
void check(const Result<storage::SqlResult>& r) {
  if (!r) {
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

Database ActorContext::db() {
  auto* db = runtime().database();
  if (db == nullptr) {
    throw ErrorException(make_error(codes::kActorNoDatabase,
                                    "This actor has no database; declare it with database()."));
  }
  return Database(*db);
}

namespace detail {

std::string ActorRuntime::database_path() const {
  return (std::filesystem::path(engine_.options().data_dir) / "actors" /
          (record_.actor_id + ".sqlite"))
      .string();
}

Task<Result<void>> ActorRuntime::open_database(ActorContext& ctx) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(database_path()).parent_path(), ec);
  auto opened = storage::SqlDatabase::open(database_path());
  if (!opened) {
    co_return opened.error();
  }
  db_ = std::move(*opened);
  if (!def_.on_migrate) {
    co_return Result<void>{};
  }
  // One transaction around the whole migration: all of it or none of it.
  if (auto begun = db_->execute("SAVEPOINT rivet_migrate"); !begun) {
    co_return begun.error();
  }
  auto migrated = co_await run_hook(def_.on_migrate(ctx), "onMigrate", def_.options.hook_timeout);
  if (!migrated) {
    (void)db_->execute("ROLLBACK TO rivet_migrate");
    (void)db_->execute("RELEASE rivet_migrate");
    co_return migrated;
  }
  if (auto done = db_->execute("RELEASE rivet_migrate"); !done) {
    co_return done.error();
  }
  co_return Result<void>{};
}

}  // namespace detail
}  // namespace rivet
