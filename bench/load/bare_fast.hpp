#pragma once
// The few client-protocol v4 BARE messages the hot loops need, written and read without building a
// value tree (spec §6.3/§6.4, §11). main.cpp checks at start-up that these bytes equal what
// rivet::protocol's encoders produce, so the fast path cannot drift from the real codec.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace rivet::load::bare {

inline void put_uleb(std::vector<std::uint8_t>& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<std::uint8_t>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<std::uint8_t>(v));
}

inline bool get_uleb(const std::uint8_t*& p, const std::uint8_t* end, std::uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64 && p < end; shift += 7) {
    const std::uint8_t b = *p++;
    v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) {
      return true;
    }
  }
  return false;
}

/// ToServer{ActionRequest{id, name, args}} with the vbare version prefix.
inline void action_request(std::vector<std::uint8_t>& out, std::uint64_t id, std::string_view name,
                           std::span<const std::uint8_t> args_cbor) {
  out.push_back(4);
  out.push_back(0);
  out.push_back(0);  // ToServerBody tag: ActionRequest
  put_uleb(out, id);
  put_uleb(out, name.size());
  out.insert(out.end(), name.begin(), name.end());
  put_uleb(out, args_cbor.size());
  out.insert(out.end(), args_cbor.begin(), args_cbor.end());
}

enum class Kind { Init, Error, ActionResponse, Event, Invalid };

struct ToClientHead {
  Kind kind = Kind::Invalid;
  std::uint64_t id = 0;                   // ActionResponse id
  std::span<const std::uint8_t> payload;  // ActionResponse output (compat CBOR)
};

/// Reads the tag and, for ActionResponse, the id and output. Other kinds are left to the full
/// decoder (rivet::protocol::decode_to_client) by the caller.
inline ToClientHead peek_to_client(std::span<const std::uint8_t> msg) {
  ToClientHead h;
  if (msg.size() < 3 || msg[1] != 0 || msg[0] < 1 || msg[0] > 4) {
    return h;
  }
  const std::uint8_t tag = msg[2];
  if (tag > 3) {
    return h;
  }
  h.kind = static_cast<Kind>(tag);
  if (h.kind == Kind::ActionResponse) {
    const std::uint8_t* p = msg.data() + 3;
    const std::uint8_t* end = msg.data() + msg.size();
    std::uint64_t len = 0;
    if (!get_uleb(p, end, h.id) || !get_uleb(p, end, len) ||
        len != static_cast<std::uint64_t>(end - p)) {
      h.kind = Kind::Invalid;
      return h;
    }
    h.payload = {p, static_cast<std::size_t>(len)};
  }
  return h;
}

/// HttpActionRequest{args} with the version prefix (the bare body of POST /action/{name}).
inline std::vector<std::uint8_t> http_action_request(std::span<const std::uint8_t> args_cbor) {
  std::vector<std::uint8_t> out{4, 0};
  put_uleb(out, args_cbor.size());
  out.insert(out.end(), args_cbor.begin(), args_cbor.end());
  return out;
}

/// Compat-CBOR argument arrays the workloads send.
inline const std::vector<std::uint8_t> kNoArgs{0x80};       // []
inline const std::vector<std::uint8_t> kOneArg{0x81, 0x01};  // [1]

}  // namespace rivet::load::bare
