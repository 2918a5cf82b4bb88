#pragma once
/// Storage fault injection, for tests. A FaultPlan is handed to a store (StoreOptions::faults) or
/// to an actor's database (RuntimeOptions::database_faults); its files are then opened through
/// the "rivet" SQLite VFS, which asks the plan before every read, write, sync and truncate and
/// fails the ones it names: an I/O error (EIO), a full disk (ENOSPC), a torn write, or a crash
/// after which nothing reaches the disk any more. docs/faults.md says what each one does to a
/// client. Without a plan nothing of this runs: the files are SQLite's own.
///
/// Thread-safety: every member may be called from any thread (the store's writer and readers
/// consult the plan while a test arms it).

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

namespace rivet::storage {

/// The files of one SQLite database a fault can hit.
enum class FaultFile : std::uint8_t {
  Any,
  Database,  // the database file itself (page reads; checkpoints write and sync it)
  Wal,       // its write-ahead log (every commit writes and syncs it)
  Other,     // journals and temporary files
};

/// The file operations a fault can fail.
enum class FaultOp : std::uint8_t { Read, Write, Sync, Truncate };

/// What a failing operation reports to SQLite.
enum class FaultError : std::uint8_t {
  Io,        // EIO: SQLITE_IOERR_READ, _WRITE, _FSYNC or _TRUNCATE
  DiskFull,  // ENOSPC: SQLITE_FULL (a read or sync never reports it: those get Io)
};

/// `times` for a fault that keeps failing until FaultPlan::clear().
inline constexpr std::uint64_t kUntilCleared = ~std::uint64_t{0};

struct Fault {
  FaultOp op = FaultOp::Write;
  FaultFile file = FaultFile::Any;
  FaultError error = FaultError::Io;
  /// Matching operations that pass before the fault fires: 0 fails the next one, N-1 the Nth.
  std::uint64_t skip = 0;
  /// How many matching operations fail once it fires (kUntilCleared: all of them).
  std::uint64_t times = 1;
  /// Writes only: the first this many bytes of the failing write reach the file before it fails
  /// (a torn write). Unset: nothing of it is written.
  std::optional<std::size_t> tear_after;
  /// Once it fires, the disk is gone: every later write, sync and truncate of every file of the
  /// plan fails with an I/O error until clear(), as if the machine had stopped at that point.
  /// Reopening the database after clear() then shows what a restart after the crash would see.
  bool crash = false;
};

class FaultPlan {
 public:
  /// What the VFS does with one operation.
  struct Verdict {
    FaultError error = FaultError::Io;
    std::optional<std::size_t> tear_after;  // writes: bytes to write before failing
  };
  /// Operations seen through the plan's files since it was made, and faults fired.
  struct Counts {
    std::uint64_t reads = 0;
    std::uint64_t writes = 0;
    std::uint64_t syncs = 0;
    std::uint64_t truncates = 0;
    std::uint64_t fired = 0;
    /// Bytes that reached the write-ahead log (what a commit costs the disk before any
    /// checkpoint); tests compare write paths with it.
    std::uint64_t wal_bytes = 0;
  };

  /// Adds a fault. Faults are consulted in the order they were armed; a skip counts the
  /// operations that fault matched, from the moment it was armed.
  void arm(Fault fault);
  /// Removes every fault and ends a crash: from now on every operation reaches the disk.
  void clear();
  [[nodiscard]] Counts counts() const;
  /// True while a crash fault has fired and clear() has not run.
  [[nodiscard]] bool crashed() const;

  // -- shorthands ------------------------------------------------------------------------------
  /// The nth sync (1-based, counted from now) of `file` fails with an I/O error, once.
  void fail_sync(std::uint64_t nth = 1, FaultFile file = FaultFile::Any);
  /// Every write fails with SQLITE_FULL until clear().
  void disk_full();
  /// Every `op` on `file` fails with an I/O error until clear().
  void io_errors(FaultOp op, FaultFile file = FaultFile::Any);
  /// The nth write (1-based, from now) to `file` writes its first `keep` bytes and fails, and
  /// the disk is gone from then on (a crash in the middle of that write).
  void tear_write(std::uint64_t nth, std::size_t keep, FaultFile file = FaultFile::Wal);

  /// Called by the VFS before each operation on one of the plan's files: nullopt lets it
  /// through.
  [[nodiscard]] std::optional<Verdict> check(FaultOp op, FaultFile file);
  /// Called by the VFS after a write of `bytes` to `file` went through.
  void wrote(FaultFile file, std::size_t bytes);

 private:
  mutable std::mutex mutex_;
  std::vector<Fault> faults_;  // guarded by mutex_; skip and times count down in place
  bool crashed_ = false;       // guarded by mutex_
  Counts counts_;              // guarded by mutex_
};

}  // namespace rivet::storage
