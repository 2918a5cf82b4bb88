#pragma once
/// The actor's own SQLite database (c.db()), declared with ActorBuilder::database(...).
///
/// Calls are synchronous (the file is local) and each statement outside a transaction is durable
/// when it returns. Failures throw std::runtime_error with SQLite's message; clients see the masked
/// error (core.internal_error), except a full disk, thrown as ErrorException(storage.disk_full).
/// transaction() nests (savepoints) and rolls back when its function throws.
/// Strand-affine: use only inside the actor's actions and hooks.

#include <rivet/common/value.hpp>

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

namespace rivet {

namespace storage {
class SqlDatabase;
}

class Database {
 public:
  explicit Database(storage::SqlDatabase& db) noexcept : db_(&db) {}

  /// Runs `sql` with positional parameters; returns the rows as an array of objects.
  template <class... A>
  Value execute(std::string_view sql, const A&... params) {
    Value list = Value::array();
    (list.push_back(to_value(params)), ...);
    return execute_values(sql, list);
  }
  /// Parameters as one Value: an array (positional) or an object (named: `:tag` <- {"tag": ..}).
  Value execute_values(std::string_view sql, const Value& params);

  [[nodiscard]] std::int64_t last_insert_rowid() const noexcept { return last_insert_rowid_; }
  [[nodiscard]] std::int64_t changes() const noexcept { return changes_; }

  /// Runs `fn` atomically: committed if it returns, rolled back (and rethrown) if it throws.
  void transaction(const std::function<void()>& fn);

  /// PRAGMA user_version.
  [[nodiscard]] std::int64_t user_version();
  /// Applies the steps not yet applied: step i moves user_version from i to i+1, each in its own
  /// transaction together with the version bump.
  void migrate(const std::vector<std::function<void(Database&)>>& steps);

 private:
  storage::SqlDatabase* db_;
  std::int64_t last_insert_rowid_ = 0;
  std::int64_t changes_ = 0;
};

}  // namespace rivet
