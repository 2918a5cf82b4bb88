#pragma once
/// The wire value model.
///
/// A `rivet::Value` is an nlohmann::json held in *compat form*: exactly what the JSON encoding of
/// the client protocol carries. JavaScript-only types travel as two-element tag arrays:
///   ["$BigInt","<decimal>"], ["$Undefined",0], ["$Uint8Array","<base64>"],
///   ["$ArrayBuffer","<base64>"], ["$Set",[...]]
/// and a user array of exactly two elements whose first element is a string starting with "$" is
/// escaped by prefixing one more "$". Values received from clients are kept in this form and
/// passed through untouched; typed C++ values enter and leave it through to_value / from_value.
///
/// Numbers: integers are JS numbers. Integers outside +-(2^53-1) produced by typed C++ code become
/// ["$BigInt", ...] so they survive exactly.

// Implicit json -> T conversions make Result<Value> ambiguous; the build defines
// JSON_USE_IMPLICIT_CONVERSIONS=0 for every target (cmake/rivet.cmake).
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rivet {

using Value = nlohmann::json;
using Bytes = std::vector<std::uint8_t>;

/// A JS bigint. Converts to ["$BigInt","<decimal>"] even when small.
struct BigInt {
  std::string decimal;  // optional leading '-', digits only
  [[nodiscard]] std::optional<std::int64_t> to_int64() const;
  [[nodiscard]] std::optional<std::uint64_t> to_uint64() const;
  static BigInt from(std::int64_t v) { return BigInt{std::to_string(v)}; }
  static BigInt from_unsigned(std::uint64_t v) { return BigInt{std::to_string(v)}; }
  bool operator==(const BigInt&) const = default;
};

/// Binary data that travels as a JS Uint8Array. (A plain std::vector<std::uint8_t> converts to
/// an array of numbers, as nlohmann does.)
struct Blob {
  Bytes data;
  bool operator==(const Blob&) const = default;
};

/// In *plain* json (see encode_compat) a BigInt is a json::binary with this subtype holding the
/// decimal text; decode_compat produces it only for values outside int64/uint64.
inline constexpr std::uint64_t kBigIntBinarySubtype = 0xB1;

/// Largest integer a JS number holds exactly.
inline constexpr std::int64_t kMaxSafeInteger = 9007199254740991;

/// Convert a *plain* json (as produced by nlohmann's to_json for user types; binary values as
/// json::binary) into compat form: escape $-pairs, tag binary as $Uint8Array, tag integers
/// outside the safe range as $BigInt, binary with kBigIntBinarySubtype as $BigInt.
[[nodiscard]] Value encode_compat(const nlohmann::json& plain);

/// The inverse of encode_compat: revive tags into a plain json that nlohmann's from_json can read:
/// $BigInt -> integer (or, out of int64/uint64 range, a json::binary with kBigIntBinarySubtype
/// holding the decimal text; from_json<BigInt> reads all of these), $Uint8Array and
/// $ArrayBuffer -> json::binary, $Undefined -> null, $Set -> array, "$$x" -> "$x".
/// Unknown "$" tags are an error (std::nullopt), as in the official client.
[[nodiscard]] std::optional<nlohmann::json> decode_compat(const Value& compat);

/// An argument list (action args, event args) is itself a compat value: a two-element list whose
/// first element is a string starting with "$" travels escaped ("$x" -> "$$x"). These convert
/// between the list of compat values and its compat form.
[[nodiscard]] Value escape_list(Value list);
[[nodiscard]] Value unescape_list(Value list);

/// A compat value for JS `undefined`.
[[nodiscard]] Value undefined_value();
[[nodiscard]] bool is_undefined(const Value& v) noexcept;

/// Base64 (standard alphabet, padded) and base64url (no padding) helpers.
[[nodiscard]] std::string base64_encode(const std::uint8_t* data, std::size_t size);
[[nodiscard]] std::string base64url_encode(const std::uint8_t* data, std::size_t size);
/// Accepts both alphabets, padded or not; nullopt on any other character or a bad length.
[[nodiscard]] std::optional<Bytes> base64_decode(std::string_view text);

/// Typed conversion. `Value` itself passes through unchanged (it is already compat).
/// Any other T goes through nlohmann's to_json/from_json, so one
/// NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(...) makes a user type usable everywhere.
template <class T>
[[nodiscard]] Value to_value(const T& v) {
  if constexpr (std::is_same_v<T, Value>) {
    return v;
  } else {
    return encode_compat(nlohmann::json(v));
  }
}

/// Throws nlohmann::json::exception (or std::invalid_argument for unknown tags) when the value
/// does not fit T; the runtime maps that to an invalid-argument error at the user boundary.
template <class T>
[[nodiscard]] T from_value(const Value& v) {
  if constexpr (std::is_same_v<T, Value>) {
    return v;
  } else {
    auto plain = decode_compat(v);
    if (!plain) {
      throw std::invalid_argument("unknown compat tag in value");
    }
    return plain->template get<T>();
  }
}

}  // namespace rivet

namespace nlohmann {
// nlohmann ships std::optional support only with implicit conversions on; ours: null <-> nullopt.
template <class T>
struct adl_serializer<std::optional<T>, void> {
  static void to_json(json& j, const std::optional<T>& o) {
    if (o) {
      j = *o;
    } else {
      j = nullptr;
    }
  }
  static void from_json(const json& j, std::optional<T>& o) {
    if (j.is_null()) {
      o.reset();
    } else {
      o = j.template get<T>();
    }
  }
};

template <>
struct adl_serializer<rivet::Blob> {
  static void to_json(json& j, const rivet::Blob& b) { j = json::binary(b.data); }
  static void from_json(const json& j, rivet::Blob& b) {
    if (j.is_binary()) {
      b.data.assign(j.get_binary().begin(), j.get_binary().end());
    } else {
      b.data = j.template get<rivet::Bytes>();
    }
  }
};

template <>
struct adl_serializer<rivet::BigInt> {
  static void to_json(json& j, const rivet::BigInt& b);
  static void from_json(const json& j, rivet::BigInt& b);
};
}  // namespace nlohmann
