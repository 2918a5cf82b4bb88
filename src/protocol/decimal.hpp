#pragma once
// Arbitrary-size unsigned decimal <-> big-endian bytes, for CBOR bignums (tags 2/3) and for
// 64-bit edge cases (-2^64 fits CBOR's negative form but no C++ integer type).

#include <rivet/common/value.hpp>

#include <span>
#include <string>
#include <string_view>

namespace rivet::protocol {

/// Decimal digits of a big-endian unsigned magnitude ("0" for no bytes).
[[nodiscard]] std::string decimal_from_be_bytes(std::span<const std::uint8_t> bytes);
/// Big-endian minimal bytes of an unsigned decimal (digits only; empty for zero).
[[nodiscard]] Bytes be_bytes_from_decimal(std::string_view digits);
/// digits + 1 and digits - 1 (digits > 0) on unsigned decimal text.
[[nodiscard]] std::string increment_decimal(std::string digits);
[[nodiscard]] std::string decrement_decimal(std::string digits);
/// Leading zeros removed ("0" stays).
[[nodiscard]] std::string strip_leading_zeros(std::string_view digits);

}  // namespace rivet::protocol
