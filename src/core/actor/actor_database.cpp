#include "core/actor/actor_database.hpp"

#include <rivet/core/actor_context.hpp>

#include "core/actor/actor_instance.hpp"
#include "core/runtime/runtime_core.hpp"

#include <filesystem>

namespace rivet::detail {

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
  auto opened = storage::SqlDatabase::open(file, rt.runtime().options().database_faults);
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

}  // namespace rivet::detail
