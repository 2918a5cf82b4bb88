#pragma once
// The database schema and its migrations, keyed by PRAGMA user_version.

#include <rivet/common/error.hpp>

#include <sqlite3.h>

namespace rivet::storage::detail {

/// The schema version this build writes. Bump it and append a migration step to change it.
inline constexpr int kSchemaVersion = 1;

/// Brings the database (opened read-write, not inside a transaction) up to kSchemaVersion.
/// Fails on a database written by a newer build instead of guessing at its layout.
[[nodiscard]] Result<void> migrate(sqlite3* db);

}  // namespace rivet::storage::detail
