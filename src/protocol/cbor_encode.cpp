// compat Value -> CBOR. Compat mode writes the tag arrays as they are; raw mode turns them back
// into the native CBOR forms cbor-x produces for the corresponding JS values.
#include "protocol/cbor.hpp"
#include "protocol/decimal.hpp"

#include <bit>
#include <cmath>
#include <limits>

namespace rivet::protocol::cbor {
namespace {

constexpr std::uint64_t kIntLimit = std::uint64_t{1} << 32;

void put_be(Bytes& out, std::uint64_t v, int bytes) {
  for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8) {
    out.push_back(static_cast<std::uint8_t>((v >> shift) & 0xFF));
  }
}

void write_float64(Bytes& out, double d) {
  out.push_back(kFloat64);
  put_be(out, std::bit_cast<std::uint64_t>(d), 8);
}

// JS numbers: cbor-x writes 32-bit-range integers as integers and everything else as a float,
// so a number never reads back as a bigint on the client.
void write_int64(Bytes& out, std::int64_t v) {
  if (v >= 0) {
    auto u = static_cast<std::uint64_t>(v);
    if (u < kIntLimit) {
      write_head(out, kMajorUnsigned, u);
      return;
    }
  } else {
    auto magnitude = static_cast<std::uint64_t>(-(v + 1));
    if (magnitude < kIntLimit) {
      write_head(out, kMajorNegative, magnitude);
      return;
    }
  }
  write_float64(out, static_cast<double>(v));
}

void write_double(Bytes& out, double d) {
  if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) < static_cast<double>(kIntLimit) &&
      !(d == 0.0 && std::signbit(d))) {
    write_int64(out, static_cast<std::int64_t>(d));
    return;
  }
  write_float64(out, d);
}

void write_bytes(Bytes& out, const std::uint8_t* data, std::size_t size) {
  write_head(out, kMajorBytes, size);
  out.insert(out.end(), data, data + size);
}

bool is_decimal(std::string_view s) {
  if (!s.empty() && s.front() == '-') {
    s.remove_prefix(1);
  }
  return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

// ["$BigInt", "<decimal>"] -> 0x1b/0x3b when it fits 64 bits, else a tag 2/3 bignum.
bool write_bigint(Bytes& out, const Value& payload) {
  if (!payload.is_string()) {
    return false;
  }
  const auto& text = payload.get_ref<const std::string&>();
  if (!is_decimal(text)) {
    return false;
  }
  bool negative = text.front() == '-';
  std::string magnitude = strip_leading_zeros(std::string_view(text).substr(negative ? 1 : 0));
  if (negative && magnitude == "0") {
    negative = false;
  }
  // CBOR stores a negative n as -1 - n.
  std::string stored = negative ? decrement_decimal(magnitude) : magnitude;
  std::uint8_t major = negative ? kMajorNegative : kMajorUnsigned;
  if (auto u = BigInt{stored}.to_uint64()) {
    write_head_u64(out, major, *u);
    return true;
  }
  Bytes be = be_bytes_from_decimal(stored);
  write_head(out, kMajorTag, negative ? kTagNegativeBignum : kTagPositiveBignum);
  write_bytes(out, be.data(), be.size());
  return true;
}

bool write_raw_tag(Bytes& out, const std::string& tag, const Value& payload, Mode mode) {
  if (tag == "$BigInt") {
    return write_bigint(out, payload);
  }
  if (tag == "$Undefined") {
    out.push_back(kUndefined);
    return true;
  }
  if (tag == "$Uint8Array" || tag == "$ArrayBuffer") {
    if (!payload.is_string()) {
      return false;
    }
    auto bytes = base64_decode(payload.get_ref<const std::string&>());
    if (!bytes) {
      return false;
    }
    write_head(out, kMajorTag, kTagUint8Array);
    write_bytes(out, bytes->data(), bytes->size());
    return true;
  }
  if (tag == "$Set") {
    if (!payload.is_array()) {
      return false;
    }
    write_head(out, kMajorTag, kTagSet);
    write_head(out, kMajorArray, payload.size());
    for (const auto& item : payload) {
      append(out, item, mode);
    }
    return true;
  }
  // "$$x" stays escaped: the official client decodes server CBOR with its compat reviver, which
  // strips one "$" (it sends raw but receives compat).
  return false;
}

}  // namespace

void write_head(Bytes& out, std::uint8_t major, std::uint64_t arg) {
  auto m = static_cast<std::uint8_t>(major << 5);
  if (arg < 24) {
    out.push_back(static_cast<std::uint8_t>(m | arg));
  } else if (arg <= 0xFF) {
    out.push_back(m | 24);
    put_be(out, arg, 1);
  } else if (arg <= 0xFFFF) {
    out.push_back(m | 25);
    put_be(out, arg, 2);
  } else if (arg <= 0xFFFFFFFF) {
    out.push_back(m | 26);
    put_be(out, arg, 4);
  } else {
    out.push_back(m | 27);
    put_be(out, arg, 8);
  }
}

void write_head_u64(Bytes& out, std::uint8_t major, std::uint64_t arg) {
  out.push_back(static_cast<std::uint8_t>((major << 5) | 27));
  put_be(out, arg, 8);
}

void write_object_header(Bytes& out, std::size_t entries) {
  constexpr std::uint8_t kMap16 = 0xb9;
  constexpr std::uint8_t kMap32 = 0xba;
  if (entries <= 0xFFFF) {
    out.push_back(kMap16);
    put_be(out, entries, 2);
  } else {
    out.push_back(kMap32);
    put_be(out, entries, 4);
  }
}

void write_text(Bytes& out, std::string_view text) {
  write_head(out, kMajorText, text.size());
  out.insert(out.end(), text.begin(), text.end());
}

void write_bool(Bytes& out, bool v) { out.push_back(v ? kTrue : kFalse); }

void write_null(Bytes& out) { out.push_back(kNull); }

void append(Bytes& out, const Value& value, Mode mode) {
  switch (value.type()) {
    case Value::value_t::null:
    case Value::value_t::discarded:
      write_null(out);
      return;
    case Value::value_t::boolean:
      write_bool(out, value.get<bool>());
      return;
    case Value::value_t::string:
      write_text(out, value.get_ref<const std::string&>());
      return;
    case Value::value_t::number_integer:
      write_int64(out, value.get<std::int64_t>());
      return;
    case Value::value_t::number_unsigned: {
      auto u = value.get<std::uint64_t>();
      if (u < kIntLimit) {
        write_head(out, kMajorUnsigned, u);
      } else {
        write_float64(out, static_cast<double>(u));
      }
      return;
    }
    case Value::value_t::number_float:
      write_double(out, value.get<double>());
      return;
    case Value::value_t::binary: {
      // Not compat form, but tolerated: bytes stay bytes.
      const auto& bin = value.get_binary();
      if (mode != Mode::Compat) {
        write_head(out, kMajorTag, kTagUint8Array);
      }
      write_bytes(out, bin.data(), bin.size());
      return;
    }
    case Value::value_t::object:
      write_object_header(out, value.size());
      for (const auto& [k, v] : value.items()) {
        write_text(out, k);
        append(out, v, mode);
      }
      return;
    case Value::value_t::array:
      if (mode != Mode::Compat && value.size() == 2 && value[0].is_string()) {
        const auto& first = value[0].get_ref<const std::string&>();
        if (mode == Mode::RawPeer && first.starts_with("$$")) {
          write_head(out, kMajorArray, 2);
          write_text(out, std::string_view(first).substr(1));
          append(out, value[1], mode);
          return;
        }
        if (!first.empty() && first.front() == '$' && write_raw_tag(out, first, value[1], mode)) {
          return;
        }
      }
      write_head(out, kMajorArray, value.size());
      for (const auto& item : value) {
        append(out, item, mode);
      }
      return;
  }
}

}  // namespace rivet::protocol::cbor
