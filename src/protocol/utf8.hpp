#pragma once
// UTF-8 validation shared by the BARE and CBOR decoders (both reject invalid text).

#include <string_view>

namespace rivet::protocol {

/// True for well-formed UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
[[nodiscard]] bool is_valid_utf8(std::string_view text) noexcept;

}  // namespace rivet::protocol
