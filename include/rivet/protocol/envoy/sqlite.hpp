#pragma once
/// Envoy protocol v8: SQLite page storage and remote execution in the engine. RivetKit's own
/// runtime keeps actor state this way; we decode and encode it, the runtime does not use it.

#include <rivet/protocol/envoy/ids.hpp>

#include <optional>
#include <variant>

namespace rivet::protocol::envoy {

struct SqliteErrorResponse {
  std::string group;
  std::string code;
  std::string message;
  bool operator==(const SqliteErrorResponse&) const = default;
};

// -- pages -------------------------------------------------------------------------------------

struct SqliteDirtyPage {
  std::uint32_t pgno = 0;
  Bytes bytes;
  bool operator==(const SqliteDirtyPage&) const = default;
};
struct SqliteFetchedPage {
  std::uint32_t pgno = 0;
  std::optional<Bytes> bytes;
  bool operator==(const SqliteFetchedPage&) const = default;
};

struct SqliteGetPagesRequest {
  Id actor_id;
  std::vector<std::uint32_t> pgnos;
  std::optional<std::uint64_t> expected_generation;
  std::optional<std::uint64_t> expected_head_txid;
  bool operator==(const SqliteGetPagesRequest&) const = default;
};
struct SqliteGetPagesOk {
  std::vector<SqliteFetchedPage> pages;
  std::optional<std::uint64_t> head_txid;
  bool operator==(const SqliteGetPagesOk&) const = default;
};
using SqliteGetPagesResponse = std::variant<SqliteGetPagesOk, SqliteErrorResponse>;

struct SqliteCommitRequest {
  Id actor_id;
  std::vector<SqliteDirtyPage> dirty_pages;
  std::uint32_t db_size_pages = 0;
  std::int64_t now_ms = 0;
  std::optional<std::uint64_t> expected_generation;
  std::optional<std::uint64_t> expected_head_txid;
  bool operator==(const SqliteCommitRequest&) const = default;
};
struct SqliteCommitOk {
  std::optional<std::uint64_t> head_txid;
  bool operator==(const SqliteCommitOk&) const = default;
};
using SqliteCommitResponse = std::variant<SqliteCommitOk, SqliteErrorResponse>;

// A commit too large for one request: begin, one or more segments, finalize.
struct SqliteCommitStageBeginRequest {
  Id actor_id;
  std::optional<std::uint64_t> expected_generation;
  std::optional<std::uint64_t> expected_head_txid;
  bool operator==(const SqliteCommitStageBeginRequest&) const = default;
};
struct SqliteCommitStageBeginOk {
  std::uint64_t txid = 0;
  bool operator==(const SqliteCommitStageBeginOk&) const = default;
};
using SqliteCommitStageBeginResponse = std::variant<SqliteCommitStageBeginOk, SqliteErrorResponse>;

struct SqliteCommitStageSegmentRequest {
  Id actor_id;
  std::optional<std::uint64_t> expected_generation;
  std::uint64_t txid = 0;
  std::uint32_t first_pgno = 0;
  std::vector<SqliteDirtyPage> dirty_pages;
  bool operator==(const SqliteCommitStageSegmentRequest&) const = default;
};
struct SqliteCommitStageSegmentOk {
  std::uint64_t staged_bytes = 0;
  bool operator==(const SqliteCommitStageSegmentOk&) const = default;
};
using SqliteCommitStageSegmentResponse =
    std::variant<SqliteCommitStageSegmentOk, SqliteErrorResponse>;

struct SqliteCommitFinalizeRequest {
  Id actor_id;
  std::optional<std::uint64_t> expected_generation;
  std::uint64_t txid = 0;
  std::uint32_t new_db_size_pages = 0;
  std::int64_t now_ms = 0;
  std::vector<std::uint32_t> segment_first_pgnos;
  bool operator==(const SqliteCommitFinalizeRequest&) const = default;
};
struct SqliteCommitFinalizeOk {
  std::optional<std::uint64_t> head_txid;
  bool operator==(const SqliteCommitFinalizeOk&) const = default;
};
using SqliteCommitFinalizeResponse = std::variant<SqliteCommitFinalizeOk, SqliteErrorResponse>;

// -- remote execution --------------------------------------------------------------------------

struct SqliteValueNull {
  bool operator==(const SqliteValueNull&) const = default;
};
struct SqliteValueInteger {
  std::int64_t value = 0;
  bool operator==(const SqliteValueInteger&) const = default;
};
struct SqliteValueFloat {
  std::array<std::uint8_t, 8> value{};  // IEEE-754 bytes as sent, so NaN payloads survive
  bool operator==(const SqliteValueFloat&) const = default;
};
struct SqliteValueText {
  std::string value;
  bool operator==(const SqliteValueText&) const = default;
};
struct SqliteValueBlob {
  Bytes value;
  bool operator==(const SqliteValueBlob&) const = default;
};
/// Both SqliteBindParam and SqliteColumnValue of the schema: the same union.
using SqliteValue = std::variant<SqliteValueNull, SqliteValueInteger, SqliteValueFloat,
                                 SqliteValueText, SqliteValueBlob>;

struct SqliteQueryResult {
  std::vector<std::string> columns;
  std::vector<std::vector<SqliteValue>> rows;
  bool operator==(const SqliteQueryResult&) const = default;
};
struct SqliteExecuteResult {
  std::vector<std::string> columns;
  std::vector<std::vector<SqliteValue>> rows;
  std::int64_t changes = 0;
  std::optional<std::int64_t> last_insert_row_id;
  bool operator==(const SqliteExecuteResult&) const = default;
};

struct SqliteExecRequest {
  Id namespace_id;
  Id actor_id;
  std::uint64_t generation = 0;
  std::string sql;
  bool operator==(const SqliteExecRequest&) const = default;
};
struct SqliteExecuteRequest {
  Id namespace_id;
  Id actor_id;
  std::uint64_t generation = 0;
  std::string sql;
  std::optional<std::vector<SqliteValue>> params;
  bool operator==(const SqliteExecuteRequest&) const = default;
};
struct SqliteBatchStatement {
  std::string sql;
  std::optional<std::vector<SqliteValue>> params;
  bool operator==(const SqliteBatchStatement&) const = default;
};
struct SqliteExecuteBatchRequest {
  Id namespace_id;
  Id actor_id;
  std::uint64_t generation = 0;
  std::vector<SqliteBatchStatement> statements;
  bool operator==(const SqliteExecuteBatchRequest&) const = default;
};

struct SqliteExecOk {
  SqliteQueryResult result;
  bool operator==(const SqliteExecOk&) const = default;
};
struct SqliteExecuteOk {
  SqliteExecuteResult result;
  bool operator==(const SqliteExecuteOk&) const = default;
};
struct SqliteExecuteBatchOk {
  std::vector<SqliteExecuteResult> results;
  bool operator==(const SqliteExecuteBatchOk&) const = default;
};
using SqliteExecResponse = std::variant<SqliteExecOk, SqliteErrorResponse>;
using SqliteExecuteResponse = std::variant<SqliteExecuteOk, SqliteErrorResponse>;
using SqliteExecuteBatchResponse = std::variant<SqliteExecuteBatchOk, SqliteErrorResponse>;

}  // namespace rivet::protocol::envoy
