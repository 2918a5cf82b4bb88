#include "server/url_util.hpp"

#include <gtest/gtest.h>

namespace rivet::server {
namespace {

TEST(UrlUtil, PercentDecode) {
  EXPECT_EQ(percent_decode("a%20b"), "a b");
  EXPECT_EQ(percent_decode("%E2%9C%93"), "\xE2\x9C\x93");
  EXPECT_EQ(percent_decode("a+b"), "a+b");
  EXPECT_FALSE(percent_decode("%4"));
  EXPECT_FALSE(percent_decode("%zz"));
  EXPECT_FALSE(percent_decode("%"));
  EXPECT_FALSE(percent_decode("%ff"));  // not UTF-8
}

TEST(UrlUtil, FormDecode) {
  EXPECT_EQ(form_decode("room+1%2C2"), "room 1,2");
}

TEST(UrlUtil, SplitTarget) {
  auto s = split_target("/a/b?x=1#frag");
  EXPECT_EQ(s.path, "/a/b");
  ASSERT_TRUE(s.query);
  EXPECT_EQ(*s.query, "x=1");
  EXPECT_FALSE(split_target("/a").query);
}

TEST(UrlUtil, ParseQuery) {
  auto q = parse_query("a=1&&b=x+y&c");
  ASSERT_TRUE(q);
  ASSERT_EQ(q->size(), 3U);
  EXPECT_EQ((*q)[1].second, "x y");
  EXPECT_EQ((*q)[2].first, "c");
  EXPECT_EQ((*q)[2].second, "");
  EXPECT_FALSE(parse_query("a=%zz"));
}

}  // namespace
}  // namespace rivet::server
