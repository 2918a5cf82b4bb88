// The envoy protocol v8 codec's entry points (rivet/protocol/envoy.hpp).
#include <rivet/protocol/envoy.hpp>

#include "protocol/envoy/codec.hpp"
#include "protocol/envoy/field_count.hpp"

#include <string_view>

namespace rivet::protocol::envoy {
namespace {

constexpr std::size_t kVersionPrefixBytes = 2;

/// A malformed message: the catalogue has no envoy group yet, so it is actor.invalid_request
/// (as for the client protocol's BARE messages), with where decoding stopped and why.
Error invalid_message(std::string_view message, std::size_t offset, const std::string& reason) {
  Error e = errors::invalid_request("invalid envoy " + std::string(message) + ": " + reason +
                                    " at byte " + std::to_string(offset));
  e.metadata = {{"protocol", "envoy"},
                {"version", kProtocolVersion},
                {"message", std::string(message)},
                {"offset", offset},
                {"reason", reason}};
  return e;
}

Error invalid_message(std::string_view message, const bare::Reader& r) {
  return invalid_message(message, r.error_offset(), r.error_reason());
}

template <class Message>
Result<Message> decode(ByteView bytes, const DecodeLimits& limits, std::string_view name) {
  if (bytes.size() > limits.max_message_bytes) {
    return errors::incoming_too_long();
  }
  codec::Decoder d(bytes, limits.max_element_bytes);
  Message msg;
  d.get(msg);
  bare::Reader& r = d.reader();
  if (!r.ok()) {
    return invalid_message(name, r);
  }
  if (r.remaining() != 0) {
    return invalid_message(name, bytes.size() - r.remaining(), "trailing bytes");
  }
  return msg;
}

template <class Message>
Bytes encode(const Message& msg, Bytes out = {}) {
  codec::Encoder(out).put(msg);
  return out;
}

}  // namespace

Result<ToEnvoy> decode_to_envoy(ByteView bytes, const DecodeLimits& limits) {
  return decode<ToEnvoy>(bytes, limits, "ToEnvoy");
}

Bytes encode_to_envoy(const ToEnvoy& msg) {
  return encode(msg);
}

Result<ToRivet> decode_to_rivet(ByteView bytes, const DecodeLimits& limits) {
  return decode<ToRivet>(bytes, limits, "ToRivet");
}

Bytes encode_to_rivet(const ToRivet& msg) {
  return encode(msg);
}

Result<ToEnvoy> decode_serverless_start(ByteView bytes, const DecodeLimits& limits) {
  bare::Reader prefix(bytes);
  std::uint16_t version = prefix.u16();
  if (!prefix.ok()) {
    return invalid_message("serverless start body", prefix);
  }
  if (version != kProtocolVersion) {
    return errors::invalid_request("serverless start body: unsupported envoy protocol version " +
                                   std::to_string(version));
  }
  return decode<ToEnvoy>(bytes.subspan(kVersionPrefixBytes), limits, "ToEnvoy");
}

Bytes encode_serverless_start(const ToEnvoy& msg) {
  Bytes out;
  bare::Writer(out).u16(kProtocolVersion);
  return encode(msg, std::move(out));
}

}  // namespace rivet::protocol::envoy
