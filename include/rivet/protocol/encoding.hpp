#pragma once
/// Client protocol encodings and the compat-CBOR / raw-CBOR value codecs.
/// Pure functions: no I/O, no executors. Thread-safe.

#include <rivet/common/error.hpp>
#include <rivet/common/value.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace rivet::protocol {

enum class Encoding { Json, Cbor, Bare };

/// "json" | "cbor" | "bare"; anything else is nullopt.
[[nodiscard]] std::optional<Encoding> parse_encoding(std::string_view text) noexcept;
[[nodiscard]] std::string_view encoding_name(Encoding e) noexcept;
/// The HTTP content type for bodies in this encoding.
[[nodiscard]] std::string_view content_type(Encoding e) noexcept;

using ByteView = std::span<const std::uint8_t>;

/// Compat-CBOR: the payload format inside BARE messages and of stored state. The CBOR carries
/// the compat tags as plain arrays. Decoding maps CBOR types to compat Values: integers -> number,
/// floats -> number, text, arrays, maps with string keys -> objects, true/false/null,
/// undefined (0xf7) -> ["$Undefined",0], byte strings (with or without tag 64) -> $Uint8Array,
/// tag 258 -> $Set, tag 259 map -> object, tag 1 -> number; other tags -> their content.
/// Integers beyond int64/uint64 and bignum tags 2/3 -> $BigInt; integral floats with
/// |v| <= 2^53 -> integers (JS has one number type). Max nesting 128; trailing bytes rejected.
/// Encoding writes integers with |v| < 2^32 in the shortest form and larger ones as float64 (so
/// the JS client reads a number, never a BigInt); floats as float64 (integral ones below 2^32 as
/// integers, like cbor-x); objects with cbor-x's map16 header.
[[nodiscard]] Result<Value> decode_compat_cbor(ByteView bytes);
[[nodiscard]] Bytes encode_compat_cbor(const Value& value);
void append_compat_cbor(Bytes& out, const Value& value);

/// Raw CBOR: the `cbor` encoding's own message bodies, written by cbor-x without compat tags.
/// Decoding converts to compat Values: an integer written with the 8-byte argument (0x1b / 0x3b)
/// is a bigint -> ["$BigInt",...]; byte strings -> $Uint8Array; undefined -> ["$Undefined",0];
/// tag 258 -> $Set; user arrays ["$x", v] are escaped to ["$$x", v].
/// Encoding (server -> client): $BigInt -> 0x1b/0x3b (or tag 2/3 bignum beyond 64 bits),
/// $Uint8Array/$ArrayBuffer -> tag 64 + byte string, $Undefined -> 0xf7, $Set -> tag 258; escaped
/// "$$x" pairs stay escaped, because the client sends raw CBOR but revives compat tags in what it
/// receives.
[[nodiscard]] Result<Value> decode_raw_cbor(ByteView bytes);
[[nodiscard]] Bytes encode_raw_cbor(const Value& value);

/// JSON text <-> compat Value (identity on the value level). Invalid UTF-8 is replaced on output.
[[nodiscard]] Result<Value> decode_json(ByteView bytes);
[[nodiscard]] std::string encode_json(const Value& value);

}  // namespace rivet::protocol
