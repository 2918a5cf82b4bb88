#pragma once
// Checks shared by the envoy codec tests: a vector decodes to the expected message, and both the
// decoded and the expected message encode back to the vector's bytes.

#include "protocol/test_util.hpp"

#include <rivet/protocol/envoy.hpp>

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace rivet::protocol::envoy::test {

using protocol::test::from_hex;
using protocol::test::to_hex;

inline Bytes text(std::string_view s) {
  return {s.begin(), s.end()};
}

template <class Message, class Expected, class Decode, class Encode>
void expect_vector(std::string_view hex, const Expected& expected, Decode decode, Encode encode) {
  Result<Message> decoded = decode(from_hex(hex), DecodeLimits{});
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_TRUE(*decoded == Message(expected)) << "decoded message differs from the expected one";
  EXPECT_EQ(to_hex(encode(*decoded)), hex);
  EXPECT_EQ(to_hex(encode(Message(expected))), hex);
}

inline void expect_to_rivet(std::string_view hex, const ToRivet& expected) {
  expect_vector<ToRivet>(hex, expected, decode_to_rivet, encode_to_rivet);
}

inline void expect_to_envoy(std::string_view hex, const ToEnvoy& expected) {
  expect_vector<ToEnvoy>(hex, expected, decode_to_envoy, encode_to_envoy);
}

}  // namespace rivet::protocol::envoy::test
