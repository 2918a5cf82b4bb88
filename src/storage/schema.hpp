#pragma once
// The database schema and its migrations, keyed by PRAGMA user_version.

#include <rivet/common/error.hpp>
#include <rivet/common/value.hpp>

#include <sqlite3.h>

namespace rivet::storage::detail {

/// The schema version this build writes. Bump it and append a migration step to change it.
inline constexpr int kSchemaVersion = 2;

/// The KV rows the runtime reads across every actor when it starts (schedules 0x02, queue
/// messages 0x05, workflow history 0x06: core/state_keys.hpp), as the WHERE of the partial index
/// `kv_resumable` (step v1 -> v2). SQLite uses a partial index only for a query whose WHERE repeats
/// it term for term, so the scan in read_conn.cpp is built from this text.
inline constexpr const char* kResumableKeys =
    "(key >= x'02' AND key < x'03' OR key >= x'05' AND key < x'07')";
/// True when every key in [start, end) is under kResumableKeys (an empty `end` is unbounded).
[[nodiscard]] inline bool resumable_range(const Bytes& start, const Bytes& end) {
  // end <= {limit}, byte by byte (vector's <=> trips GCC 12's -Wstringop-overread here).
  auto at_most = [&end](std::uint8_t limit) {
    return !end.empty() && (end[0] < limit || (end[0] == limit && end.size() == 1));
  };
  return !start.empty() && ((start[0] == 0x02 && at_most(0x03)) ||
                            ((start[0] == 0x05 || start[0] == 0x06) && at_most(0x07)));
}

/// Brings the database (opened read-write, not inside a transaction) up to kSchemaVersion.
/// Fails on a database written by a newer build instead of guessing at its layout.
[[nodiscard]] Result<void> migrate(sqlite3* db);

}  // namespace rivet::storage::detail
