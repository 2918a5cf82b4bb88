#include "server/input_limits.hpp"

#include <algorithm>
#include <string>

namespace rivet::server {

Result<void> check_conn_params_size(std::size_t bytes) {
  if (bytes <= kMaxConnParamsBytes) {
    return {};
  }
  return make_error(
      codes::kMessageIncomingTooLong,
      "Connection parameters are larger than " + std::to_string(kMaxConnParamsBytes) + " bytes.",
      Value{{"limit", kMaxConnParamsBytes}});
}

Result<void> check_input_size(std::size_t bytes) {
  if (bytes <= kMaxInputBytes) {
    return {};
  }
  return make_error(codes::kMessageIncomingTooLong,
                    "Actor input is larger than " + std::to_string(kMaxInputBytes) + " bytes.",
                    Value{{"limit", kMaxInputBytes}});
}

Result<void> check_key_components(const protocol::ActorKey& key) {
  const bool fits = std::all_of(key.begin(), key.end(), [](const std::string& component) {
    return component.size() <= kMaxKeyComponentBytes;
  });
  if (fits) {
    return {};
  }
  return make_error(
      codes::kActorKeyTooLarge,
      "Actor key component is too large (max " + std::to_string(kMaxKeyComponentBytes) + " bytes).",
      Value{{"limit", kMaxKeyComponentBytes}});
}

}  // namespace rivet::server
