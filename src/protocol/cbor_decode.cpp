// CBOR -> compat Value, for both compat and raw payloads. Never throws; every length is checked
// against the remaining input before anything is allocated.
#include <rivet/protocol/utf8.hpp>

#include "protocol/cbor.hpp"
#include "protocol/decimal.hpp"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>

namespace rivet::protocol::cbor {
namespace {

// Integral doubles within this bound decode as integers: JS does not tell 5 and 5.0 apart, and
// it keeps the JSON text of large integers (written as float64) free of a ".0".
constexpr double kMaxExactDouble = 9007199254740992.0;

Value tag_pair(std::string_view tag, Value payload) {
  Value out = Value::array();
  out.push_back(std::string(tag));
  out.push_back(std::move(payload));
  return out;
}

Value bigint_pair(std::string decimal) { return tag_pair("$BigInt", std::move(decimal)); }

Value bytes_value(const std::string& bytes) {
  return tag_pair("$Uint8Array",
                  base64_encode(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
}

Value number_from_double(double d) {
  if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) <= kMaxExactDouble &&
      !(d == 0.0 && std::signbit(d))) {
    return static_cast<std::int64_t>(d);
  }
  return d;
}

double half_to_double(std::uint16_t half) {
  int exponent = (half >> 10) & 0x1F;
  int mantissa = half & 0x3FF;
  double value = 0;
  if (exponent == 0) {
    value = std::ldexp(mantissa, -24);
  } else if (exponent != 31) {
    value = std::ldexp(mantissa + 1024, exponent - 25);
  } else {
    value = mantissa == 0 ? std::numeric_limits<double>::infinity()
                          : std::numeric_limits<double>::quiet_NaN();
  }
  return (half & 0x8000) != 0 ? -value : value;
}

struct Head {
  std::uint8_t major = 0;
  std::uint8_t info = 0;
  std::uint64_t arg = 0;
  bool indefinite = false;
  // The 8-byte argument form: cbor-x turns such integers into JS bigints.
  [[nodiscard]] bool wide() const { return info == 27; }
};

class Decoder {
 public:
  Decoder(ByteView in, Mode mode) : in_(in), mode_(mode) {}

  Result<Value> run() {
    auto v = item(0, true);
    if (v && pos_ != in_.size()) {
      fail("trailing bytes after the value");
      v.reset();
    }
    if (!v) {
      return errors::invalid_request("invalid CBOR: " + error_);
    }
    return std::move(*v);
  }

 private:
  [[nodiscard]] std::size_t remaining() const { return in_.size() - pos_; }

  void fail(std::string_view what) {
    if (error_.empty()) {
      error_ = std::string(what) + " at byte " + std::to_string(pos_);
    }
  }

  bool read_head(Head& h) {
    if (pos_ >= in_.size()) {
      fail("unexpected end of input");
      return false;
    }
    std::uint8_t initial = in_[pos_++];
    h = Head{};
    h.major = initial >> 5;
    h.info = initial & 0x1F;
    if (h.info < 24) {
      h.arg = h.info;
      return true;
    }
    if (h.info <= 27) {
      std::size_t n = std::size_t{1} << (h.info - 24);
      if (remaining() < n) {
        fail("truncated argument");
        return false;
      }
      for (std::size_t i = 0; i < n; ++i) {
        h.arg = (h.arg << 8) | in_[pos_++];
      }
      return true;
    }
    if (h.info == 31) {
      h.indefinite = true;
      return true;
    }
    fail("reserved additional information");
    return false;
  }

  bool at_break() {
    if (pos_ < in_.size() && in_[pos_] == kBreak) {
      ++pos_;
      return true;
    }
    return false;
  }

  // Byte or text string contents, joining indefinite-length chunks.
  bool read_string(const Head& h, std::string& out) {
    if (!h.indefinite) {
      if (h.arg > remaining()) {
        fail("string length exceeds input");
        return false;
      }
      out.append(reinterpret_cast<const char*>(in_.data() + pos_), static_cast<std::size_t>(h.arg));
      pos_ += static_cast<std::size_t>(h.arg);
      return true;
    }
    while (!at_break()) {
      Head chunk;
      if (!read_head(chunk)) {
        return false;
      }
      if (chunk.major != h.major || chunk.indefinite) {
        fail("bad chunk in indefinite-length string");
        return false;
      }
      if (!read_string(chunk, out)) {
        return false;
      }
    }
    return true;
  }

  std::optional<Value> item(int depth, bool escape_pairs) {
    if (depth > kMaxDepth) {
      fail("nesting too deep");
      return std::nullopt;
    }
    Head h;
    if (!read_head(h)) {
      return std::nullopt;
    }
    switch (h.major) {
      case kMajorUnsigned:
        return unsigned_int(h);
      case kMajorNegative:
        return negative_int(h);
      case kMajorBytes: {
        std::string bytes;
        if (!read_string(h, bytes)) {
          return std::nullopt;
        }
        return bytes_value(bytes);
      }
      case kMajorText: {
        std::string text;
        if (!read_string(h, text)) {
          return std::nullopt;
        }
        if (!is_valid_utf8(text)) {
          fail("invalid UTF-8 in text string");
          return std::nullopt;
        }
        return Value(std::move(text));
      }
      case kMajorArray:
        return array(h, depth, escape_pairs);
      case kMajorMap:
        return map(h, depth);
      case kMajorTag:
        return tagged(h, depth);
      default:
        return simple(h);
    }
  }

  std::optional<Value> unsigned_int(const Head& h) {
    if (h.indefinite) {
      fail("indefinite integer");
      return std::nullopt;
    }
    if (mode_ != Mode::Compat && h.wide()) {
      return bigint_pair(std::to_string(h.arg));
    }
    return Value(h.arg);
  }

  std::optional<Value> negative_int(const Head& h) {
    if (h.indefinite) {
      fail("indefinite integer");
      return std::nullopt;
    }
    constexpr auto kMaxMagnitude =
        static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    if ((mode_ != Mode::Compat && h.wide()) || h.arg > kMaxMagnitude) {
      return bigint_pair("-" + increment_decimal(std::to_string(h.arg)));
    }
    return Value(-1 - static_cast<std::int64_t>(h.arg));
  }

  std::optional<Value> array(const Head& h, int depth, bool escape_pairs) {
    Value out = Value::array();
    if (h.indefinite) {
      while (!at_break()) {
        auto v = item(depth + 1, true);
        if (!v) {
          return std::nullopt;
        }
        out.push_back(std::move(*v));
      }
    } else {
      // Every element takes at least one byte.
      if (h.arg > remaining()) {
        fail("array length exceeds input");
        return std::nullopt;
      }
      for (std::uint64_t i = 0; i < h.arg; ++i) {
        auto v = item(depth + 1, true);
        if (!v) {
          return std::nullopt;
        }
        out.push_back(std::move(*v));
      }
    }
    // Raw user arrays shaped like a compat tag get the extra "$" the compat layer expects.
    if (mode_ == Mode::Raw && escape_pairs && out.size() == 2 && out[0].is_string()) {
      auto& first = out[0].get_ref<std::string&>();
      if (!first.empty() && first.front() == '$') {
        first.insert(first.begin(), '$');
      }
    }
    return out;
  }

  std::optional<std::string> map_key(int depth) {
    auto key = item(depth + 1, true);
    if (!key) {
      return std::nullopt;
    }
    if (key->is_string()) {
      return key->get<std::string>();
    }
    // JS objects stringify numeric keys.
    if (key->is_number_integer()) {
      return key->dump();
    }
    fail("unsupported map key type");
    return std::nullopt;
  }

  bool map_entry(Value& out, int depth) {
    auto key = map_key(depth);
    if (!key) {
      return false;
    }
    auto v = item(depth + 1, true);
    if (!v) {
      return false;
    }
    out[*key] = std::move(*v);
    return true;
  }

  std::optional<Value> map(const Head& h, int depth) {
    Value out = Value::object();
    if (h.indefinite) {
      while (!at_break()) {
        if (!map_entry(out, depth)) {
          return std::nullopt;
        }
      }
      return out;
    }
    if (h.arg > remaining() / 2) {
      fail("map length exceeds input");
      return std::nullopt;
    }
    for (std::uint64_t i = 0; i < h.arg; ++i) {
      if (!map_entry(out, depth)) {
        return std::nullopt;
      }
    }
    return out;
  }

  std::optional<Value> bignum(bool negative) {
    Head h;
    if (!read_head(h)) {
      return std::nullopt;
    }
    std::string bytes;
    if (h.major != kMajorBytes) {
      fail("bignum content is not a byte string");
      return std::nullopt;
    }
    if (!read_string(h, bytes)) {
      return std::nullopt;
    }
    if (bytes.size() > kMaxBignumBytes) {
      fail("bignum too large");
      return std::nullopt;
    }
    std::string digits = decimal_from_be_bytes(
        std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
    if (negative) {
      digits = "-" + increment_decimal(std::move(digits));
    }
    if (mode_ == Mode::Compat) {
      BigInt b{digits};
      if (auto i = b.to_int64()) {
        return Value(*i);
      }
      if (auto u = b.to_uint64()) {
        return Value(*u);
      }
    }
    return bigint_pair(std::move(digits));
  }

  std::optional<Value> tagged(const Head& h, int depth) {
    if (h.indefinite) {
      fail("indefinite tag");
      return std::nullopt;
    }
    if (depth + 1 > kMaxDepth) {
      fail("nesting too deep");
      return std::nullopt;
    }
    if (h.arg == kTagPositiveBignum || h.arg == kTagNegativeBignum) {
      return bignum(h.arg == kTagNegativeBignum);
    }
    // A Set's item list is not a user array, so it is never escaped.
    bool is_set = h.arg == kTagSet;
    auto content = item(depth + 1, !is_set);
    if (!content) {
      return std::nullopt;
    }
    if (is_set) {
      if (!content->is_array()) {
        fail("set content is not an array");
        return std::nullopt;
      }
      return tag_pair("$Set", std::move(*content));
    }
    // Tag 64 (Uint8Array), 259 (Map), 1 (Date) and unknown tags: the content is the value.
    return content;
  }

  std::optional<Value> simple(const Head& h) {
    switch (h.info) {
      case 20:
        return Value(false);
      case 21:
        return Value(true);
      case 22:
        return Value(nullptr);
      case 23:
        return undefined_value();
      case 25:
        return number_from_double(half_to_double(static_cast<std::uint16_t>(h.arg)));
      case 26:
        return number_from_double(
            static_cast<double>(std::bit_cast<float>(static_cast<std::uint32_t>(h.arg))));
      case 27:
        return number_from_double(std::bit_cast<double>(h.arg));
      case 31:
        fail("unexpected break");
        return std::nullopt;
      default:
        fail("unsupported simple value");
        return std::nullopt;
    }
  }

  ByteView in_;
  Mode mode_;
  std::size_t pos_ = 0;
  std::string error_;
};

}  // namespace

Result<Value> decode(ByteView bytes, Mode mode) { return Decoder(bytes, mode).run(); }

}  // namespace rivet::protocol::cbor
