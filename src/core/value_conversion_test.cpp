#include <rivet/core/actor.hpp>

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace {

struct Item {
  std::string name;
  std::int64_t count = 0;
  std::optional<std::string> note;
  rivet::Blob blob;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Item, name, count, note, blob)

TEST(ValueConversion, UserTypeRoundTrip) {
  Item item{"widget", 7, std::nullopt, rivet::Blob{{1, 2, 3}}};
  rivet::Value v = rivet::to_value(item);
  EXPECT_EQ(v["name"], "widget");
  EXPECT_EQ(v["blob"], rivet::Value::parse(R"(["$Uint8Array","AQID"])"));
  Item back = rivet::from_value<Item>(v);
  EXPECT_EQ(back.name, "widget");
  EXPECT_EQ(back.count, 7);
  EXPECT_EQ(back.blob.data, (rivet::Bytes{1, 2, 3}));
}

TEST(ValueConversion, LargeIntegersBecomeBigInt) {
  rivet::Value v = rivet::to_value(std::int64_t{1} << 60);
  EXPECT_EQ(v, rivet::Value::parse(R"(["$BigInt","1152921504606846976"])"));
  EXPECT_EQ(rivet::from_value<std::int64_t>(v), std::int64_t{1} << 60);
  EXPECT_EQ(rivet::to_value(std::int64_t{42}), rivet::Value(42));
}

TEST(ValueConversion, DollarPairsAreEscapedAndRevived) {
  std::vector<std::string> pair{"$foo", "bar"};
  rivet::Value v = rivet::to_value(pair);
  EXPECT_EQ(v, rivet::Value::parse(R"(["$$foo","bar"])"));
  EXPECT_EQ(rivet::from_value<std::vector<std::string>>(v), pair);
}

TEST(ValueConversion, ValuePassesThrough) {
  auto compat = rivet::Value::parse(R"(["$BigInt","5"])");
  EXPECT_EQ(rivet::to_value(compat), compat);
  EXPECT_EQ(rivet::from_value<rivet::Value>(compat), compat);
}

}  // namespace
