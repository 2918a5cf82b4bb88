#pragma once
// The actor runtime's reserved KV keys (docs/storage-format.md).

#include <rivet/common/value.hpp>

namespace rivet::detail {

/// Persisted state: compat-CBOR of the state value.
inline const Bytes kStateKey{0x01};

}  // namespace rivet::detail
