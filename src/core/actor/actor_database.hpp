#pragma once
// An actor's own SQLite database (actors that declare `database()`): opened on start with the
// migration hook in one transaction, closed on stop, its files removed on destroy.
//
// Strand-affine: used only on the actor's strand.

#include <rivet/common/error.hpp>
#include <rivet/common/task.hpp>
#include <rivet/storage/sql_database.hpp>

#include <memory>
#include <string>

namespace rivet {
class ActorContext;
}  // namespace rivet

namespace rivet::detail {

class ActorInstance;

class ActorDatabase {
 public:
  /// Opens <data_dir>/actors/<id>.sqlite and runs onMigrate (all of it or none of it).
  Task<Result<void>> open(ActorInstance& rt, ActorContext& ctx);
  void close(const ActorInstance& rt, bool remove_files);
  /// Null when the actor has no database (or it is closed).
  [[nodiscard]] storage::SqlDatabase* get() noexcept { return db_.get(); }

 private:
  [[nodiscard]] static std::string path(const ActorInstance& rt);

  std::unique_ptr<storage::SqlDatabase> db_;
};

}  // namespace rivet::detail
