// c.db(): the actor's own SQLite file, migrations at start, deletion on destroy.

#include <rivet/core/actor_context.hpp>
#include <rivet/core/database.hpp>
#include <rivet/storage/sql_database.hpp>

#include "core/actor_database.hpp"

#include "core/actor_instance.hpp"
#include "core/runtime_core.hpp"
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

namespace detail {

std::string ActorDatabase::path(const ActorInstance& rt) {
  return (std::filesystem::path(rt.runtime().options().data_dir) / "actors" /
          (rt.record().actor_id + ".sqlite"))
      .string();
}

void ActorDatabase::close(const ActorInstance& rt, bool remove_files) {
  if (!db_) {
    return;
  }
  db_.reset();
  if (remove_files) {
    storage::SqlDatabase::remove_files(path(rt));
  }
}

Task<Result<void>> ActorDatabase::open(ActorInstance& rt, ActorContext& ctx) {
  const auto& def = rt.definition();
  const auto file = path(rt);
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(file).parent_path(), ec);
  auto opened = storage::SqlDatabase::open(file);
  if (!opened) {
    co_return opened.error();
  }
  db_ = std::move(*opened);
  if (!def.on_migrate) {
    co_return Result<void>{};
  }
  // One transaction around the whole migration: all of it or none of it.
  if (auto begun = db_->execute("SAVEPOINT rivet_migrate"); !begun) {
    co_return begun.error();
  }
  auto migrated =
      co_await rt.run_hook(def.on_migrate(ctx), "onMigrate", def.options.hook_timeout);
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
