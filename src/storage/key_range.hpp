#pragma once
// Byte-order helpers for KV key ranges.

#include <rivet/common/value.hpp>

namespace rivet::storage::detail {

/// The smallest key greater than every key starting with `prefix`, so a prefix scan is the range
/// [prefix, prefix_end(prefix)). Empty result means "no upper bound" (empty prefix, or a prefix of
/// only 0xff bytes).
[[nodiscard]] inline Bytes prefix_end(const Bytes& prefix) {
  Bytes end = prefix;
  while (!end.empty() && end.back() == 0xff) {
    end.pop_back();
  }
  if (!end.empty()) {
    ++end.back();
  }
  return end;
}

}  // namespace rivet::storage::detail
