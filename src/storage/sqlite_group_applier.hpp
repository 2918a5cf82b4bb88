#pragma once
// SQLite's side of group commit: one transaction per group, each batch inside its own savepoint
// so one caller's failure does not sink the others, one commit (one fsync) for all of them.

#include "storage/group_writer.hpp"
#include "storage/read_pool.hpp"
#include "storage/write_conn.hpp"

namespace rivet::storage::detail {

class SqliteGroupApplier final : public GroupApplier {
 public:
  /// `shared` is the pool to lease the connection from around each transaction when readers
  /// share the write connection (":memory:"); null otherwise. It must outlive this object.
  SqliteGroupApplier(std::unique_ptr<WriteConn> conn, ReadPool* shared)
      : conn_(std::move(conn)), shared_(shared) {}

  [[nodiscard]] bool apply_group(std::span<const QueuedBatch> group,
                                 std::span<Result<void>> results) override;

 private:
  [[nodiscard]] Result<void> apply_batch(const WriteBatch& batch);

  std::unique_ptr<WriteConn> conn_;
  ReadPool* shared_;
  bool savepoint_broken_ = false;
};

}  // namespace rivet::storage::detail
