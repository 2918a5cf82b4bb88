#pragma once
// Validation of compat tags in payloads received from clients. The official client rejects a
// whole message when a payload holds an unknown "$" tag, and the server does the same rather
// than pass a value on that no client could read back.

#include <rivet/common/value.hpp>

namespace rivet::protocol {

/// True when every two-element "$"-array is a known tag with a well-formed payload (or an
/// escaped "$$" pair). Recursion is bounded by the decoders' nesting limit.
[[nodiscard]] bool is_valid_compat(const Value& v);

}  // namespace rivet::protocol
