#pragma once
// The "rivet" SQLite VFS. SQLite reaches the disk only through a VFS, so a VFS of our own is
// where a database's file operations can be watched and changed: this one is the default VFS
// with a wrapper in front of each file, registered once per process, and serves two things:
//  - timing of real fsyncs (StoreOptions::metrics, Metrics::storage_fsync);
//  - fault injection in tests (StoreOptions::faults, rivet/storage/fault_plan.hpp).
// A VFS is process-wide but both belong to one database, so its owner opens it with a URI that
// names a registration (a token, see VfsRegistration); SQLite hands the same URI parameters to
// the database's WAL and journal files, which thereby reach the same registration. A file
// without a fault plan gets a method table whose reads and writes are plain forwards (only xSync
// is timed), and a database with neither metrics nor faults is not opened through this VFS at
// all: production pays nothing for the fault layer.

#include <rivet/common/error.hpp>
#include <rivet/common/metrics.hpp>
#include <rivet/storage/fault_plan.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace rivet::storage::detail {

/// The name of the rivet VFS for sqlite3_open_v2, registering it on first use. Thread-safe.
[[nodiscard]] Result<const char*> rivet_vfs();

/// While alive, files opened through the rivet VFS with uri() report every xSync's duration to
/// `metrics` (when set) and consult `faults` before each read, write, sync and truncate (when
/// set). A file keeps both alive until it closes. Thread-safe.
class VfsRegistration {
 public:
  VfsRegistration(std::shared_ptr<Metrics> metrics, std::shared_ptr<FaultPlan> faults);
  VfsRegistration(const VfsRegistration&) = delete;
  VfsRegistration& operator=(const VfsRegistration&) = delete;
  ~VfsRegistration();

  /// A URI for database file `path` (open it with SQLITE_OPEN_URI and rivet_vfs()) that carries
  /// this registration.
  [[nodiscard]] std::string uri(const std::string& path) const;
  /// Whether files opened with uri() are under a fault plan.
  [[nodiscard]] bool has_faults() const noexcept { return has_faults_; }

 private:
  std::uint64_t token_;
  bool has_faults_;
};

/// How to open one database file: a plain path, or the rivet VFS with a registration's URI.
struct OpenTarget {
  std::string name;
  int flags = 0;              // SQLITE_OPEN_URI when name is a URI
  const char* vfs = nullptr;  // null: SQLite's default VFS
};

/// `path` through `registration` when there is one (and the path is a file), else as it is.
[[nodiscard]] Result<OpenTarget> open_target(const std::string& path,
                                             const VfsRegistration* registration);

}  // namespace rivet::storage::detail
