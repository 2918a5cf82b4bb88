// Public value codecs: compat CBOR, raw CBOR, JSON; and the encoding names.
#include <rivet/protocol/encoding.hpp>

#include "protocol/cbor.hpp"
#include "protocol/json_text.hpp"

namespace rivet::protocol {
namespace {

// Depth check on JSON text before nlohmann parses it (its parser and destructor recurse).
bool json_depth_ok(ByteView bytes) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (std::uint8_t c : bytes) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > cbor::kMaxDepth) {
        return false;
      }
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return true;
}

}  // namespace

std::optional<Encoding> parse_encoding(std::string_view text) noexcept {
  if (text == "json") {
    return Encoding::Json;
  }
  if (text == "cbor") {
    return Encoding::Cbor;
  }
  if (text == "bare") {
    return Encoding::Bare;
  }
  return std::nullopt;
}

std::string_view encoding_name(Encoding e) noexcept {
  switch (e) {
    case Encoding::Json:
      return "json";
    case Encoding::Cbor:
      return "cbor";
    case Encoding::Bare:
      return "bare";
  }
  return "json";
}

std::string_view content_type(Encoding e) noexcept {
  return e == Encoding::Json ? "application/json" : "application/octet-stream";
}

Result<Value> decode_compat_cbor(ByteView bytes) { return cbor::decode(bytes, cbor::Mode::Compat); }

Bytes encode_compat_cbor(const Value& value) {
  Bytes out;
  append_compat_cbor(out, value);
  return out;
}

void append_compat_cbor(Bytes& out, const Value& value) {
  cbor::append(out, value, cbor::Mode::Compat);
}

Result<Value> decode_raw_cbor(ByteView bytes) { return cbor::decode(bytes, cbor::Mode::Raw); }

Bytes encode_raw_cbor(const Value& value) {
  Bytes out;
  cbor::append(out, value, cbor::Mode::Raw);
  return out;
}

Result<Value> decode_json(ByteView bytes) {
  if (!json_depth_ok(bytes)) {
    return errors::invalid_request("invalid JSON: nesting too deep");
  }
  Value v = Value::parse(bytes.begin(), bytes.end(), nullptr, /*allow_exceptions=*/false);
  if (v.is_discarded()) {
    return errors::invalid_request("invalid JSON");
  }
  return v;
}

std::string encode_json(const Value& value) {
  return value.dump(-1, ' ', false, Value::error_handler_t::replace);
}

namespace json_text {

void append_value(std::string& out, const Value& v) { out += encode_json(v); }

void append_string(std::string& out, std::string_view s) {
  out += Value(std::string(s)).dump(-1, ' ', false, Value::error_handler_t::replace);
}

void append_bigint(std::string& out, std::uint64_t v) {
  out += R"(["$BigInt",")";
  out += std::to_string(v);
  out += "\"]";
}

}  // namespace json_text
}  // namespace rivet::protocol
