#pragma once
// CBOR internals shared by the value codecs (compat / raw) and the `cbor` message envelopes.

#include <rivet/common/error.hpp>
#include <rivet/protocol/encoding.hpp>

#include <cstdint>
#include <string_view>

namespace rivet::protocol::cbor {

/// Compat: payload bytes whose JS values were tagged before encoding (bare payloads, state).
/// Raw: cbor-x output of untagged JS values (`cbor` encoding message bodies), as the server
///   sees it: a peer sends raw values (decoding escapes a raw ["$x", ..] pair to ["$$x", ..])
///   and revives what it receives (encoding keeps escaped pairs escaped).
/// RawPeer: the same bodies from the client's side, the inverse: encoding strips the escape of
///   a ["$$x", ..] pair, decoding keeps pairs as they came.
enum class Mode { Compat, Raw, RawPeer };

/// Deepest array/map/tag nesting a decoder accepts; bounds recursion on hostile input.
inline constexpr int kMaxDepth = 128;
/// Largest bignum (tags 2/3) magnitude we convert; its decimal conversion is quadratic.
inline constexpr std::size_t kMaxBignumBytes = 512;

inline constexpr std::uint8_t kMajorUnsigned = 0;
inline constexpr std::uint8_t kMajorNegative = 1;
inline constexpr std::uint8_t kMajorBytes = 2;
inline constexpr std::uint8_t kMajorText = 3;
inline constexpr std::uint8_t kMajorArray = 4;
inline constexpr std::uint8_t kMajorMap = 5;
inline constexpr std::uint8_t kMajorTag = 6;

inline constexpr std::uint8_t kFalse = 0xf4;
inline constexpr std::uint8_t kTrue = 0xf5;
inline constexpr std::uint8_t kNull = 0xf6;
inline constexpr std::uint8_t kUndefined = 0xf7;
inline constexpr std::uint8_t kFloat64 = 0xfb;
inline constexpr std::uint8_t kBreak = 0xff;

inline constexpr std::uint64_t kTagPositiveBignum = 2;
inline constexpr std::uint64_t kTagNegativeBignum = 3;
inline constexpr std::uint64_t kTagUint8Array = 64;
inline constexpr std::uint64_t kTagSet = 258;
inline constexpr std::uint64_t kTagMap = 259;

/// Whole-buffer decode into a compat Value; trailing bytes are an error.
[[nodiscard]] Result<Value> decode(ByteView bytes, Mode mode);
/// Appends one encoded value.
void append(Bytes& out, const Value& value, Mode mode);

/// Head with the shortest argument encoding.
void write_head(Bytes& out, std::uint8_t major, std::uint64_t arg);
/// Head with the 8-byte argument (0x1b / 0x3b): cbor-x reads it as a JS bigint.
void write_head_u64(Bytes& out, std::uint8_t major, std::uint64_t arg);
/// Object header as cbor-x writes it: map16 (0xb9) below 65536 entries, map32 above.
void write_object_header(Bytes& out, std::size_t entries);
void write_text(Bytes& out, std::string_view text);
void write_bool(Bytes& out, bool v);
void write_null(Bytes& out);

}  // namespace rivet::protocol::cbor
