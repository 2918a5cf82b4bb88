#pragma once
// Timing of real fsyncs. SQLite reaches the disk only through a VFS, so the way to see its fsyncs
// is a VFS of our own: "rivet-timed" is the default VFS with each file's xSync timed, registered
// once per process. A VFS is process-wide but metrics belong to one store, so the store names
// its Metrics in the URI it opens the database with (a token, see FsyncReporting); SQLite hands
// the same URI parameters to the database's WAL and journal files, which thereby report to the
// same Metrics.

#include <rivet/common/error.hpp>
#include <rivet/common/metrics.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace rivet::storage::detail {

/// The name of the timed VFS for sqlite3_open_v2, registering it on first use. Thread-safe.
[[nodiscard]] Result<const char*> timed_vfs();

/// While alive, files opened through the timed VFS with uri() report every xSync's duration to
/// `metrics` (Metrics::storage_fsync). A file keeps its Metrics alive until it closes. Thread-safe.
class FsyncReporting {
 public:
  explicit FsyncReporting(std::shared_ptr<Metrics> metrics);
  FsyncReporting(const FsyncReporting&) = delete;
  FsyncReporting& operator=(const FsyncReporting&) = delete;
  ~FsyncReporting();

  /// A URI for database file `path` (open it with SQLITE_OPEN_URI) that carries this
  /// registration.
  [[nodiscard]] std::string uri(const std::string& path) const;

 private:
  std::uint64_t token_;
};

}  // namespace rivet::storage::detail
