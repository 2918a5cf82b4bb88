#include "server/error_mapping.hpp"

#include <rivet/protocol/encoding.hpp>

namespace rivet::server {
namespace {

constexpr unsigned kBadRequest = 400;
constexpr unsigned kInternal = 500;

codes::Surfaces surface_flag(ErrorSurface surface) noexcept {
  switch (surface) {
    case ErrorSurface::Gateway:
      return codes::kGateway;
    case ErrorSurface::Framework:
      return codes::kFramework;
    case ErrorSurface::Management:
      return codes::kManagement;
  }
  return codes::kNoSurface;
}

// Status of an error the surface does not answer with the code's own status: user-defined codes,
// and catalogue codes that belong to another surface. The actor routes treat the unknown as a
// server fault, except whole groups that are the client's fault (a queue refusing a message, a
// request we cannot decode); the gateway and the management API blame the request.
unsigned default_status(const Error& e, ErrorSurface surface) noexcept {
  if (surface != ErrorSurface::Framework) {
    return kBadRequest;
  }
  if (e.group == codes::kQueueGroup || e.group == codes::kProtocolGroup) {
    return kBadRequest;
  }
  return kInternal;
}

}  // namespace

bool is_internal_error(const Error& e) noexcept {
  return e.group == codes::kCoreGroup || e.group == codes::kStorageGroup;
}

// Statuses come from the catalogue (include/rivet/common/error_codes.hpp); this only decides
// which surface answers a code with its own status.
unsigned error_status(const Error& e, ErrorSurface surface) noexcept {
  if (is_internal_error(e)) {
    return kInternal;
  }
  const codes::Code* entry = codes::find(e.group, e.code);
  if (entry != nullptr && (entry->surfaces & surface_flag(surface)) != 0) {
    return entry->http_status;
  }
  return default_status(e, surface);
}

Error api_visible_error(Error e) {
  if (is_internal_error(e)) {
    return rivet::errors::internal();
  }
  return e;
}

std::string error_json_body(const Error& e) {
  Value body = Value::object();
  body["group"] = e.group;
  body["code"] = e.code;
  body["message"] = e.message;
  if (!e.metadata.is_null()) {
    body["metadata"] = e.metadata;
  }
  return protocol::encode_json(body);
}

std::string truncate_utf8(std::string text, std::size_t max) {
  if (text.size() <= max) {
    return text;
  }
  std::size_t cut = max;
  // Step back over continuation bytes so a multi-byte sequence is never split.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
    --cut;
  }
  text.resize(cut);
  return text;
}

std::string close_reason(const Error& e, std::optional<std::string_view> ray_id) {
  std::string reason = e.qualified();
  if (ray_id) {
    reason.push_back('#');
    reason.append(*ray_id);
  }
  return truncate_utf8(std::move(reason), kMaxCloseReason);
}

}  // namespace rivet::server
