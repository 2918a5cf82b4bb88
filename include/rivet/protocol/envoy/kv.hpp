#pragma once
/// Envoy protocol v8: requests to the actor's KV store in the engine, and their responses.

#include <rivet/protocol/envoy/ids.hpp>

#include <optional>
#include <variant>

namespace rivet::protocol::envoy {

struct KvMetadata {
  Bytes version;  // the writer's version text, e.g. "2.3.19"
  std::int64_t update_ts = 0;
  bool operator==(const KvMetadata&) const = default;
};

// -- list queries ------------------------------------------------------------------------------

struct KvListAllQuery {
  bool operator==(const KvListAllQuery&) const = default;
};
struct KvListRangeQuery {
  Bytes start;
  Bytes end;
  bool exclusive = false;  // end excluded when true
  bool operator==(const KvListRangeQuery&) const = default;
};
struct KvListPrefixQuery {
  Bytes key;
  bool operator==(const KvListPrefixQuery&) const = default;
};
using KvListQuery = std::variant<KvListAllQuery, KvListRangeQuery, KvListPrefixQuery>;

// -- requests ----------------------------------------------------------------------------------

struct KvGetRequest {
  std::vector<Bytes> keys;
  bool operator==(const KvGetRequest&) const = default;
};
struct KvListRequest {
  KvListQuery query;
  std::optional<bool> reverse;
  std::optional<std::uint64_t> limit;
  bool operator==(const KvListRequest&) const = default;
};
struct KvPutRequest {
  std::vector<Bytes> keys;
  std::vector<Bytes> values;  // same length as keys
  bool operator==(const KvPutRequest&) const = default;
};
struct KvDeleteRequest {
  std::vector<Bytes> keys;
  bool operator==(const KvDeleteRequest&) const = default;
};
struct KvDeleteRangeRequest {
  Bytes start;
  Bytes end;
  bool operator==(const KvDeleteRangeRequest&) const = default;
};
struct KvDropRequest {
  bool operator==(const KvDropRequest&) const = default;
};
using KvRequestData = std::variant<KvGetRequest, KvListRequest, KvPutRequest, KvDeleteRequest,
                                   KvDeleteRangeRequest, KvDropRequest>;

// -- responses ---------------------------------------------------------------------------------

struct KvErrorResponse {
  std::string message;
  bool operator==(const KvErrorResponse&) const = default;
};
struct KvGetResponse {
  std::vector<Bytes> keys;  // only the keys that exist
  std::vector<Bytes> values;
  std::vector<KvMetadata> metadata;
  bool operator==(const KvGetResponse&) const = default;
};
struct KvListResponse {
  std::vector<Bytes> keys;
  std::vector<Bytes> values;
  std::vector<KvMetadata> metadata;
  bool operator==(const KvListResponse&) const = default;
};
struct KvPutResponse {
  bool operator==(const KvPutResponse&) const = default;
};
/// Also the answer to KvDeleteRangeRequest.
struct KvDeleteResponse {
  bool operator==(const KvDeleteResponse&) const = default;
};
struct KvDropResponse {
  bool operator==(const KvDropResponse&) const = default;
};
using KvResponseData = std::variant<KvErrorResponse, KvGetResponse, KvListResponse, KvPutResponse,
                                    KvDeleteResponse, KvDropResponse>;

}  // namespace rivet::protocol::envoy
