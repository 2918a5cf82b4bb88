// Upstream's bounds on connection params, creation input and key components, with their errors.

#include "server/input_limits.hpp"

#include <gtest/gtest.h>

#include <string>

namespace rivet::server {
namespace {

TEST(InputLimits, ConnParamsUpTo4KiB) {
  EXPECT_TRUE(check_conn_params_size(4096));
  auto over = check_conn_params_size(4097);
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().qualified(), "message.incoming_too_long");
  EXPECT_EQ(over.error().metadata["limit"], 4096);
}

TEST(InputLimits, InputUpTo4MiB) {
  EXPECT_TRUE(check_input_size(4 * 1024 * 1024));
  auto over = check_input_size(4 * 1024 * 1024 + 1);
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().qualified(), "message.incoming_too_long");
}

TEST(InputLimits, KeyComponentsUpTo128Bytes) {
  EXPECT_TRUE(check_key_components({}));
  EXPECT_TRUE(check_key_components({"", std::string(128, 'a'), "b"}));
  // Bytes, not characters: 64 two-byte characters are 128 bytes, 65 are too many.
  std::string two_byte;
  for (int i = 0; i < 65; ++i) {
    two_byte += "\xc3\xa9";
  }
  auto over = check_key_components({"a", two_byte});
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().qualified(), "actor.key_too_large");
  EXPECT_EQ(over.error().metadata["limit"], 128);
}

}  // namespace
}  // namespace rivet::server
