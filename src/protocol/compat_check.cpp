#include "protocol/compat_check.hpp"

namespace rivet::protocol {
namespace {

bool is_decimal(std::string_view s) {
  if (!s.empty() && s.front() == '-') {
    s.remove_prefix(1);
  }
  return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

bool valid_tag(const std::string& tag, const Value& payload) {
  if (tag.size() >= 2 && tag[1] == '$') {
    return is_valid_compat(payload);
  }
  if (tag == "$BigInt") {
    return payload.is_number_integer() ||
           (payload.is_string() && is_decimal(payload.get_ref<const std::string&>()));
  }
  if (tag == "$Undefined") {
    return true;
  }
  if (tag == "$Uint8Array" || tag == "$ArrayBuffer") {
    return payload.is_string() && base64_decode(payload.get_ref<const std::string&>()).has_value();
  }
  if (tag == "$Set") {
    return payload.is_array() && is_valid_compat(payload);
  }
  return false;
}

}  // namespace

bool is_valid_compat(const Value& v) {
  if (v.is_array()) {
    if (v.size() == 2 && v[0].is_string()) {
      const auto& first = v[0].get_ref<const std::string&>();
      if (!first.empty() && first.front() == '$') {
        return valid_tag(first, v[1]);
      }
    }
    for (const auto& item : v) {
      if (!is_valid_compat(item)) {
        return false;
      }
    }
    return true;
  }
  if (v.is_object()) {
    for (const auto& item : v) {
      if (!is_valid_compat(item)) {
        return false;
      }
    }
  }
  return true;
}

}  // namespace rivet::protocol
