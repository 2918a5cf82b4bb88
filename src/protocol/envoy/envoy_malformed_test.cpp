// Hostile input for the envoy codec: every decode fails with a structured error or yields a
// message that re-encodes to exactly the bytes given; nothing crashes or allocates beyond the
// limits.
#include "protocol/bare.hpp"
#include "protocol/envoy/envoy_test_util.hpp"

#include <array>
#include <string>
#include <vector>

namespace rivet::protocol::envoy {
namespace {

using test::from_hex;
using test::to_hex;

struct Vector {
  std::string_view name;
  std::string_view hex;
  [[nodiscard]] bool to_rivet() const { return name.starts_with("rivet_"); }
};

constexpr Vector kVectors[] = {
#define RIVET_TS_VECTOR(name, hex) {#name, hex},
#include "protocol/envoy/ts_vectors.inc"
#undef RIVET_TS_VECTOR
};

/// Decodes in the vector's direction; on success returns the re-encoded bytes.
Result<Bytes> round_trip(const Vector& v, const Bytes& bytes, const DecodeLimits& limits = {}) {
  if (v.to_rivet()) {
    auto msg = decode_to_rivet(bytes, limits);
    if (!msg) {
      return msg.error();
    }
    return encode_to_rivet(*msg);
  }
  auto msg = decode_to_envoy(bytes, limits);
  if (!msg) {
    return msg.error();
  }
  return encode_to_envoy(*msg);
}

Error to_envoy_error(std::string_view hex, const DecodeLimits& limits = {}) {
  auto msg = decode_to_envoy(from_hex(hex), limits);
  EXPECT_FALSE(msg) << hex << " decoded";
  return msg ? Error{} : msg.error();
}

Error to_rivet_error(std::string_view hex) {
  auto msg = decode_to_rivet(from_hex(hex));
  EXPECT_FALSE(msg) << hex << " decoded";
  return msg ? Error{} : msg.error();
}

std::string reason(const Error& e) {
  return e.metadata.is_object() ? e.metadata.value("reason", std::string()) : std::string();
}

TEST(EnvoyMalformed, EveryTruncationFails) {
  for (const auto& v : kVectors) {
    Bytes full = from_hex(v.hex);
    for (std::size_t n = 0; n < full.size(); ++n) {
      Bytes prefix(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
      auto result = round_trip(v, prefix);
      ASSERT_FALSE(result) << v.name << " cut to " << n << " bytes decoded";
      EXPECT_TRUE(result.error().is(codes::kActorInvalidRequest)) << result.error().message;
      EXPECT_LE(result.error().metadata.value("offset", std::size_t{0}), n) << v.name;
    }
  }
}

TEST(EnvoyMalformed, TrailingBytesFail) {
  for (const auto& v : kVectors) {
    Bytes bytes = from_hex(v.hex);
    bytes.push_back(0);
    auto result = round_trip(v, bytes);
    ASSERT_FALSE(result) << v.name;
    EXPECT_EQ(reason(result.error()), "trailing bytes");
  }
}

// Every single-byte change of every vector: an error, or a message that encodes to exactly the
// changed bytes (BARE here has one encoding per value).
TEST(EnvoyMalformed, ByteMutationsFailOrRoundTrip) {
  constexpr std::array<std::uint8_t, 8> kValues{0x00, 0x01, 0x02, 0x05, 0x7f, 0x80, 0xfe, 0xff};
  for (const auto& v : kVectors) {
    const Bytes original = from_hex(v.hex);
    for (std::size_t i = 0; i < original.size(); ++i) {
      for (std::uint8_t value : kValues) {
        Bytes mutated = original;
        mutated[i] = value;
        auto result = round_trip(v, mutated);
        if (result) {
          EXPECT_EQ(to_hex(*result), to_hex(mutated)) << v.name << " byte " << i;
        }
      }
    }
  }
}

TEST(EnvoyMalformed, UnknownUnionTags) {
  EXPECT_EQ(reason(to_rivet_error("0f")), "unknown union tag 15");
  EXPECT_EQ(reason(to_envoy_error("0e")), "unknown union tag 14");
  EXPECT_EQ(reason(to_envoy_error("ff")), "unknown union tag 255");
  // Command tag 2 inside ToEnvoyCommands.
  EXPECT_EQ(reason(to_envoy_error("010102613101000000010000000000000002")), "unknown union tag 2");
  // Event tag 3 inside ToRivetEvents.
  EXPECT_EQ(reason(to_rivet_error("010102613101000000010000000000000003")), "unknown union tag 3");
  // KvRequestData tag 6, KvResponseData tag 6.
  EXPECT_EQ(reason(to_rivet_error("050261310100000006")), "unknown union tag 6");
  EXPECT_EQ(reason(to_envoy_error("030100000006")), "unknown union tag 6");
  // Tunnel kinds: ToEnvoy tag 8, ToRivet tag 9.
  EXPECT_EQ(reason(to_envoy_error("041122334455667788000008")), "unknown union tag 8");
  EXPECT_EQ(reason(to_rivet_error("061122334455667788000009")), "unknown union tag 9");
}

TEST(EnvoyMalformed, UnknownEnumValues) {
  // CommandStopActor reason 5; the offset is where decoding stopped, just after it.
  auto e = to_envoy_error("01010261310100000001000000000000000105");
  EXPECT_EQ(reason(e), "unknown enum value 5");
  EXPECT_EQ(e.metadata.value("offset", std::size_t{0}), 19U);
  // ActorStateStopped code 2.
  EXPECT_EQ(reason(to_rivet_error("0101026131010000000100000000000000010102")),
            "unknown enum value 2");
  // HttpStreamAbortReasonKind 4 in ToRivetResponseAbort.
  EXPECT_EQ(reason(to_rivet_error("061122334455667788000002"
                                  "0400")),
            "unknown enum value 4");
}

TEST(EnvoyMalformed, BoolAndOptionalBytesAreZeroOrOne) {
  EXPECT_EQ(reason(to_rivet_error("06112233445566778800000502")), "invalid bool");
  EXPECT_EQ(reason(to_rivet_error("0002")), "invalid optional tag");
  EXPECT_EQ(reason(to_rivet_error("000002")), "invalid optional tag");
}

TEST(EnvoyMalformed, LengthsAndCountsAreBoundedByTheInput) {
  // ToRivetKvRequest whose actor id claims 2^64-1 bytes, then 100 bytes.
  EXPECT_EQ(reason(to_rivet_error("05ffffffffffffffffff01")), "length exceeds input");
  EXPECT_EQ(reason(to_rivet_error("057f00")), "length exceeds input");
  // ToEnvoyCommands with 2^63 commands, then with more commands than bytes left.
  EXPECT_EQ(reason(to_envoy_error("01808080808080808080"
                                  "01")),
            "count 9223372036854775808 exceeds the input");
  EXPECT_EQ(reason(to_envoy_error("01050000")), "count 5 exceeds the input");
  // A KV get with 3 keys announced and 2 present.
  EXPECT_EQ(reason(to_rivet_error("0502613101000000000301010102")), "unexpected end of input");
}

TEST(EnvoyMalformed, VarintsAreCanonical) {
  // Actor id length 2 written as 0x82 0x00.
  EXPECT_EQ(reason(to_rivet_error("0582006131")), "non-canonical uint");
  // An 11-byte varint.
  EXPECT_EQ(reason(to_rivet_error("05ffffffffffffffffffff01")), "uint overflows 64 bits");
}

TEST(EnvoyMalformed, StringsAreUtf8) {
  EXPECT_EQ(reason(to_envoy_error("0301000000"
                                  "00"
                                  "02c328")),
            "invalid UTF-8 in string");
  EXPECT_TRUE(
      decode_to_envoy(from_hex("0301000000"
                               "00"
                               "02c3a9")));
}

TEST(EnvoyMalformed, MapKeysAreUnique) {
  // ToRivetResponseStart with headers {a: 1, a: 2}.
  auto e = to_rivet_error(
      "061122334455667788000000c800"
      "02"
      "01610131"
      "01610132"
      "0000");
  EXPECT_EQ(reason(e), "duplicate map key");
  EXPECT_TRUE(
      decode_to_rivet(from_hex("061122334455667788000000c800"
                               "02"
                               "01610131"
                               "01620132"
                               "0000")));
}

TEST(EnvoyMalformed, MessageSizeLimit) {
  DecodeLimits limits;
  limits.max_message_bytes = 8;
  auto ping = from_hex("0596afd90ba2010000");
  auto e = decode_to_envoy(ping, limits);
  ASSERT_FALSE(e);
  EXPECT_TRUE(e.error().is(codes::kMessageIncomingTooLong));
  limits.max_message_bytes = ping.size();
  EXPECT_TRUE(decode_to_envoy(ping, limits));
}

TEST(EnvoyMalformed, ElementMemoryLimit) {
  // ToEnvoyAckEvents with 4 checkpoints of ("", 0, 0): 13 bytes each.
  std::string hex = "0204";
  for (int i = 0; i < 4; ++i) {
    hex +=
        "00"
        "00000000"
        "0000000000000000";
  }
  DecodeLimits limits;
  limits.max_element_bytes = 4 * sizeof(ActorCheckpoint);
  auto ok = decode_to_envoy(from_hex(hex), limits);
  ASSERT_TRUE(ok) << ok.error().message;
  limits.max_element_bytes = 4 * sizeof(ActorCheckpoint) - 1;
  EXPECT_EQ(reason(to_envoy_error(hex, limits)), "lists exceed the element memory limit");

  // The default limit holds for the largest list a message of the largest size can announce.
  Bytes big(DecodeLimits{}.max_message_bytes, 0);
  big[0] = 0x01;  // ToEnvoyCommands; the count is the varint that follows
  Bytes count;
  bare::Writer(count).uint(big.size() - 8);
  std::copy(count.begin(), count.end(), big.begin() + 1);
  auto huge = decode_to_envoy(big);
  ASSERT_FALSE(huge);
  EXPECT_EQ(reason(huge.error()), "lists exceed the element memory limit");
}

TEST(EnvoyMalformed, ErrorsSayWhereAndWhy) {
  auto e = to_envoy_error("0e");
  EXPECT_TRUE(e.is(codes::kActorInvalidRequest));
  EXPECT_EQ(e.message, "invalid envoy ToEnvoy: unknown union tag 14 at byte 1");
  EXPECT_EQ(e.metadata.value("protocol", std::string()), "envoy");
  EXPECT_EQ(e.metadata.value("version", 0), 8);
  EXPECT_EQ(e.metadata.value("message", std::string()), "ToEnvoy");
  EXPECT_EQ(e.metadata.value("offset", std::size_t{99}), 1U);
}

}  // namespace
}  // namespace rivet::protocol::envoy
