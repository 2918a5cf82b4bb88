#pragma once
/// The protocol's rule for text: every string on the wire is well-formed UTF-8. The BARE and CBOR
/// decoders reject anything else, so code that accepts text it will later send (e.g. the core
/// validating a cron job name) checks it with the same rule.

#include <string_view>

namespace rivet::protocol {

/// True for well-formed UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
[[nodiscard]] bool is_valid_utf8(std::string_view text) noexcept;

}  // namespace rivet::protocol
