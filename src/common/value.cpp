#include <rivet/common/value.hpp>

#include <limits>

namespace rivet {
namespace detail {

// Also used by adl_serializer<BigInt>, which lives outside this namespace.
bool is_decimal_text(std::string_view text) {
  if (!text.empty() && text.front() == '-') {
    text.remove_prefix(1);
  }
  if (text.empty()) {
    return false;
  }
  for (char c : text) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return true;
}

}  // namespace detail

namespace {

using json = nlohmann::json;
using detail::is_decimal_text;

constexpr std::string_view kTagBigInt = "$BigInt";
constexpr std::string_view kTagUndefined = "$Undefined";
constexpr std::string_view kTagUint8Array = "$Uint8Array";
constexpr std::string_view kTagArrayBuffer = "$ArrayBuffer";
constexpr std::string_view kTagSet = "$Set";

// Magnitude of a decimal (no sign) as uint64, nullopt on overflow.
std::optional<std::uint64_t> parse_magnitude(std::string_view digits) {
  std::uint64_t v = 0;
  constexpr auto kMax = std::numeric_limits<std::uint64_t>::max();
  for (char c : digits) {
    auto d = static_cast<std::uint64_t>(c - '0');
    if (v > (kMax - d) / 10) {
      return std::nullopt;
    }
    v = v * 10 + d;
  }
  return v;
}

// A two-element array whose first element is a "$"-string: the shape of every compat tag.
bool is_tag_shaped(const json& v) {
  if (!v.is_array() || v.size() != 2 || !v[0].is_string()) {
    return false;
  }
  const auto& s = v[0].get_ref<const std::string&>();
  return !s.empty() && s.front() == '$';
}

json make_tag(std::string_view tag, json payload) {
  json out = json::array();
  out.push_back(std::string(tag));
  out.push_back(std::move(payload));
  return out;
}

json bigint_from_decimal(const std::string& decimal) {
  BigInt b{decimal};
  if (auto i = b.to_int64()) {
    return *i;
  }
  if (auto u = b.to_uint64()) {
    return *u;
  }
  return json::binary(Bytes(decimal.begin(), decimal.end()), kBigIntBinarySubtype);
}

std::optional<json> decode_tag(const std::string& tag, const json& payload);

std::optional<json> decode_node(const json& v) {
  switch (v.type()) {
    case json::value_t::array: {
      if (is_tag_shaped(v)) {
        return decode_tag(v[0].get_ref<const std::string&>(), v[1]);
      }
      json out = json::array();
      for (const auto& item : v) {
        auto d = decode_node(item);
        if (!d) {
          return std::nullopt;
        }
        out.push_back(std::move(*d));
      }
      return out;
    }
    case json::value_t::object: {
      json out = json::object();
      for (const auto& [k, item] : v.items()) {
        auto d = decode_node(item);
        if (!d) {
          return std::nullopt;
        }
        out[k] = std::move(*d);
      }
      return out;
    }
    default:
      return v;
  }
}

std::optional<json> decode_tag(const std::string& tag, const json& payload) {
  if (tag.size() >= 2 && tag[1] == '$') {
    auto inner = decode_node(payload);
    if (!inner) {
      return std::nullopt;
    }
    return make_tag(std::string_view(tag).substr(1), std::move(*inner));
  }
  if (tag == kTagBigInt) {
    // JS BigInt() also takes numbers; accept integral ones for robustness.
    if (payload.is_number_integer()) {
      return payload;
    }
    if (!payload.is_string() || !is_decimal_text(payload.get_ref<const std::string&>())) {
      return std::nullopt;
    }
    return bigint_from_decimal(payload.get_ref<const std::string&>());
  }
  if (tag == kTagUndefined) {
    return json(nullptr);
  }
  if (tag == kTagUint8Array || tag == kTagArrayBuffer) {
    if (!payload.is_string()) {
      return std::nullopt;
    }
    auto bytes = base64_decode(payload.get_ref<const std::string&>());
    if (!bytes) {
      return std::nullopt;
    }
    return json::binary(std::move(*bytes));
  }
  if (tag == kTagSet) {
    if (!payload.is_array()) {
      return std::nullopt;
    }
    return decode_node(payload);
  }
  return std::nullopt;
}

Value encode_node(const json& v) {
  switch (v.type()) {
    case json::value_t::array: {
      Value out = Value::array();
      for (const auto& item : v) {
        out.push_back(encode_node(item));
      }
      if (is_tag_shaped(v)) {
        out[0] = "$" + v[0].get<std::string>();
      }
      return out;
    }
    case json::value_t::object: {
      Value out = Value::object();
      for (const auto& [k, item] : v.items()) {
        out[k] = encode_node(item);
      }
      return out;
    }
    case json::value_t::binary: {
      const auto& bin = v.get_binary();
      if (bin.has_subtype() && bin.subtype() == kBigIntBinarySubtype) {
        return make_tag(kTagBigInt, std::string(bin.begin(), bin.end()));
      }
      return make_tag(kTagUint8Array, base64_encode(bin.data(), bin.size()));
    }
    case json::value_t::number_integer: {
      auto i = v.get<std::int64_t>();
      if (i > kMaxSafeInteger || i < -kMaxSafeInteger) {
        return make_tag(kTagBigInt, std::to_string(i));
      }
      return v;
    }
    case json::value_t::number_unsigned: {
      auto u = v.get<std::uint64_t>();
      if (u > static_cast<std::uint64_t>(kMaxSafeInteger)) {
        return make_tag(kTagBigInt, std::to_string(u));
      }
      return v;
    }
    case json::value_t::discarded:
      return nullptr;
    default:
      return v;
  }
}

}  // namespace

std::optional<std::int64_t> BigInt::to_int64() const {
  if (!is_decimal_text(decimal)) {
    return std::nullopt;
  }
  bool negative = decimal.front() == '-';
  auto magnitude = parse_magnitude(std::string_view(decimal).substr(negative ? 1 : 0));
  if (!magnitude) {
    return std::nullopt;
  }
  constexpr auto kMaxPositive =
      static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (!negative) {
    if (*magnitude > kMaxPositive) {
      return std::nullopt;
    }
    return static_cast<std::int64_t>(*magnitude);
  }
  if (*magnitude > kMaxPositive + 1) {
    return std::nullopt;
  }
  if (*magnitude == kMaxPositive + 1) {
    return std::numeric_limits<std::int64_t>::min();
  }
  return -static_cast<std::int64_t>(*magnitude);
}

std::optional<std::uint64_t> BigInt::to_uint64() const {
  if (!is_decimal_text(decimal)) {
    return std::nullopt;
  }
  if (decimal.front() == '-') {
    auto magnitude = parse_magnitude(std::string_view(decimal).substr(1));
    if (magnitude && *magnitude == 0) {
      return 0;
    }
    return std::nullopt;
  }
  return parse_magnitude(decimal);
}

Value encode_compat(const nlohmann::json& plain) { return encode_node(plain); }

std::optional<nlohmann::json> decode_compat(const Value& compat) { return decode_node(compat); }

Value undefined_value() { return make_tag(kTagUndefined, 0); }

bool is_undefined(const Value& v) noexcept {
  return v.is_array() && v.size() == 2 && v[0].is_string() &&
         v[0].get_ref<const std::string&>() == kTagUndefined;
}

Value escape_list(Value list) {
  if (list.is_array() && list.size() == 2 && list[0].is_string()) {
    const auto& head = list[0].get_ref<const std::string&>();
    if (!head.empty() && head[0] == '$') {
      list[0] = "$" + head;
    }
  }
  return list;
}

Value unescape_list(Value list) {
  if (list.is_array() && list.size() == 2 && list[0].is_string()) {
    const auto& head = list[0].get_ref<const std::string&>();
    if (head.size() >= 2 && head[0] == '$' && head[1] == '$') {
      list[0] = head.substr(1);
    }
  }
  return list;
}

}  // namespace rivet

namespace nlohmann {

void adl_serializer<rivet::BigInt>::to_json(json& j, const rivet::BigInt& b) {
  j = json::binary(rivet::Bytes(b.decimal.begin(), b.decimal.end()), rivet::kBigIntBinarySubtype);
}

void adl_serializer<rivet::BigInt>::from_json(const json& j, rivet::BigInt& b) {
  std::string text;
  if (j.is_number_unsigned()) {
    text = std::to_string(j.get<std::uint64_t>());
  } else if (j.is_number_integer()) {
    text = std::to_string(j.get<std::int64_t>());
  } else if (j.is_binary()) {
    const auto& bin = j.get_binary();
    text.assign(bin.begin(), bin.end());
  } else if (j.is_string()) {
    text = j.get<std::string>();
  } else {
    throw json::type_error::create(
        302, std::string("type must be a bigint, but is ") + j.type_name(), &j);
  }
  if (!rivet::detail::is_decimal_text(text)) {
    throw json::type_error::create(302, "bigint is not a decimal integer: " + text, &j);
  }
  b.decimal = std::move(text);
}

}  // namespace nlohmann
