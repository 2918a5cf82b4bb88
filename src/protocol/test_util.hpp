#pragma once
// Hex helpers for byte-exact protocol tests.

#include <rivet/common/value.hpp>

#include <string>
#include <string_view>

namespace rivet::protocol::test {

/// Hex digits to bytes; spaces are ignored so vectors can be grouped like the spec does.
[[nodiscard]] Bytes from_hex(std::string_view hex);
[[nodiscard]] std::string to_hex(const Bytes& bytes);
[[nodiscard]] Bytes from_text(std::string_view text);

}  // namespace rivet::protocol::test
