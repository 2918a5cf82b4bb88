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

inline void expect_to_rivet(std::string_view hex, const ToRivet& expected) {
  auto decoded = decode_to_rivet(from_hex(hex));
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_TRUE(*decoded == expected) << "decoded message differs from the expected one";
  EXPECT_EQ(to_hex(encode_to_rivet(*decoded)), hex);
  EXPECT_EQ(to_hex(encode_to_rivet(expected)), hex);
}

inline void expect_to_envoy(std::string_view hex, const ToEnvoy& expected) {
  auto decoded = decode_to_envoy(from_hex(hex));
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_TRUE(*decoded == expected) << "decoded message differs from the expected one";
  EXPECT_EQ(to_hex(encode_to_envoy(*decoded)), hex);
  EXPECT_EQ(to_hex(encode_to_envoy(expected)), hex);
}

}  // namespace rivet::protocol::envoy::test
