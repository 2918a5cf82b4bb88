#pragma once
// Shared helpers for the fuzz targets: decoders must never crash, and whatever they accept must
// survive a re-encode/decode cycle (a decode failure there means encoder and decoder disagree).

#include <rivet/protocol/encoding.hpp>

#include <cstdio>
#include <cstdlib>

namespace rivet::fuzz {

inline protocol::ByteView view(const std::uint8_t* data, std::size_t size) { return {data, size}; }

[[noreturn]] inline void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "fuzz invariant broken: %s: %s\n", what, detail.c_str());
  std::abort();
}

template <class R>
void require_ok(const R& result, const char* what) {
  if (!result) {
    fail(what, result.error().message);
  }
}

/// First byte picks the encoding for targets that cover all three.
inline protocol::Encoding pick_encoding(const std::uint8_t*& data, std::size_t& size) {
  if (size == 0) {
    return protocol::Encoding::Json;
  }
  auto e = static_cast<protocol::Encoding>(data[0] % 3);
  ++data;
  --size;
  return e;
}

}  // namespace rivet::fuzz
