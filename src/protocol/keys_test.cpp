#include <rivet/protocol/keys.hpp>

#include <gtest/gtest.h>

namespace rivet::protocol {
namespace {

TEST(Keys, SerializeSpecExamples) {
  EXPECT_EQ(serialize_key({}), "/");
  EXPECT_EQ(serialize_key({""}), R"(\0)");
  EXPECT_EQ(serialize_key({"a", "b"}), "a/b");
  EXPECT_EQ(serialize_key({"a/b"}), R"(a\/b)");
  EXPECT_EQ(serialize_key({R"(a\b)"}), R"(a\\b)");
  EXPECT_EQ(serialize_key({"a/b", "", "c/d"}), R"(a\/b/\0/c\/d)");
  EXPECT_EQ(serialize_key({"room", "1"}), "room/1");
}

TEST(Keys, DeserializeInvertsSerialize) {
  std::vector<ActorKey> keys = {
      {},       {""},  {"a", "b"}, {"a/b"}, {R"(a\b)"}, {"a/b", "", "c/d"},
      {"", ""}, {"0"}, {R"(\0)"},  {"/"}};
  for (const auto& key : keys) {
    EXPECT_EQ(deserialize_key(serialize_key(key)), key) << serialize_key(key);
  }
}

TEST(Keys, DeserializeEdgeCases) {
  EXPECT_EQ(deserialize_key(""), ActorKey{});
  EXPECT_EQ(deserialize_key("/"), ActorKey{});
  EXPECT_EQ(deserialize_key(R"(a\)"), ActorKey{R"(a\)"});
  EXPECT_EQ(deserialize_key("a/"), (ActorKey{"a", ""}));
  EXPECT_EQ(deserialize_key("/a"), (ActorKey{"", "a"}));
  EXPECT_EQ(deserialize_key(R"(\x)"), ActorKey{"x"});
}

TEST(Keys, QueryFormSplitsOnCommas) {
  EXPECT_EQ(split_query_key(""), ActorKey{});
  EXPECT_EQ(split_query_key("room,42"), (ActorKey{"room", "42"}));
  EXPECT_EQ(split_query_key("a/b"), ActorKey{"a/b"});
  EXPECT_EQ(split_query_key("a,"), (ActorKey{"a", ""}));
  EXPECT_EQ(split_query_key(","), (ActorKey{"", ""}));
}

}  // namespace
}  // namespace rivet::protocol
