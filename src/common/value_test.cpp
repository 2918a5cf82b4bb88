#include <rivet/common/value.hpp>

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace rivet {
namespace {

using json = nlohmann::json;

struct Point {
  int x = 0;
  std::string label;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Point, x, label)

TEST(Value, EncodeCompatTagsBinaryAndEscapes) {
  json plain = {{"a", json::binary({1, 2})}, {"c", json::array({"$x", 1})}, {"n", 1}};
  Value compat = encode_compat(plain);
  EXPECT_EQ(compat.dump(), R"({"a":["$Uint8Array","AQI="],"c":["$$x",1],"n":1})");
}

// §12: jsonStringifyCompat({a:1n,b:Uint8Array[1,2],c:["$x",1],d:undefined}); `d` has no plain
// json form and is left out.
TEST(Value, SpecJsonStringifyCompatVector) {
  json plain = {{"a", BigInt{"1"}}, {"b", json::binary({1, 2})}, {"c", json::array({"$x", 1})}};
  EXPECT_EQ(encode_compat(plain).dump(),
            R"({"a":["$BigInt","1"],"b":["$Uint8Array","AQI="],"c":["$$x",1]})");
}

TEST(Value, EncodeCompatBigIntegers) {
  EXPECT_EQ(encode_compat(json(kMaxSafeInteger)), json(kMaxSafeInteger));
  EXPECT_EQ(encode_compat(json(kMaxSafeInteger + 1)).dump(), R"(["$BigInt","9007199254740992"])");
  EXPECT_EQ(encode_compat(json(-kMaxSafeInteger - 1)).dump(), R"(["$BigInt","-9007199254740992"])");
  EXPECT_EQ(encode_compat(json(std::uint64_t{18446744073709551615ULL})).dump(),
            R"(["$BigInt","18446744073709551615"])");
}

TEST(Value, ArraysOfOtherLengthsAreNotEscaped) {
  EXPECT_EQ(encode_compat(json::array({"$x", 1, 2})).dump(), R"(["$x",1,2])");
  EXPECT_EQ(encode_compat(json::array({"x", 1})).dump(), R"(["x",1])");
  EXPECT_EQ(encode_compat(json::array({"$$x", 1})).dump(), R"(["$$$x",1])");
}

TEST(Value, DecodeCompatRevivesTags) {
  Value compat = json::parse(
      R"([["$Undefined",0],["$BigInt","10"],["$Uint8Array","AQI="],["$ArrayBuffer","AQI"],)"
      R"(["$Set",[1,["$BigInt","2"]]],["$$x",["$BigInt","3"]],{"k":["$$$y",1]}])");
  auto plain = decode_compat(compat);
  ASSERT_TRUE(plain);
  const json& p = *plain;
  EXPECT_TRUE(p[0].is_null());
  EXPECT_EQ(p[1], 10);
  EXPECT_EQ(p[2], json::binary({1, 2}));
  EXPECT_EQ(p[3], json::binary({1, 2}));
  EXPECT_EQ(p[4], json::array({1, 2}));
  EXPECT_EQ(p[5], json::array({"$x", 3}));
  EXPECT_EQ(p[6]["k"], json::array({"$$y", 1}));
}

TEST(Value, DecodeCompatHugeBigIntBecomesTaggedBinary) {
  auto plain = decode_compat(json::parse(R"(["$BigInt","-123456789012345678901234567890"])"));
  ASSERT_TRUE(plain);
  ASSERT_TRUE(plain->is_binary());
  EXPECT_EQ(plain->get_binary().subtype(), kBigIntBinarySubtype);
  EXPECT_EQ(encode_compat(*plain).dump(), R"(["$BigInt","-123456789012345678901234567890"])");
  EXPECT_EQ(plain->get<BigInt>().decimal, "-123456789012345678901234567890");
}

TEST(Value, DecodeCompatRejectsUnknownAndMalformedTags) {
  EXPECT_FALSE(decode_compat(json::parse(R"(["$Foo",1])")));
  EXPECT_FALSE(decode_compat(json::parse(R"({"a":[["$",1]]})")));
  EXPECT_FALSE(decode_compat(json::parse(R"(["$BigInt","12a"])")));
  EXPECT_FALSE(decode_compat(json::parse(R"(["$Uint8Array","***"])")));
  EXPECT_FALSE(decode_compat(json::parse(R"(["$Set",1])")));
  EXPECT_TRUE(decode_compat(json::parse(R"(["$Foo",1,2])")));
}

TEST(Value, RoundTripsThroughTypedConversion) {
  Point p{42, "$here"};
  Value v = to_value(p);
  EXPECT_EQ(v, (Value{{"x", 42}, {"label", "$here"}}));
  EXPECT_EQ(from_value<Point>(v).x, 42);
  std::vector<std::string> pair = {"$weird", "b"};
  Value escaped = to_value(pair);
  EXPECT_EQ(escaped.dump(), R"(["$$weird","b"])");
  EXPECT_EQ(from_value<std::vector<std::string>>(escaped), pair);
  std::set<int> s = {1, 2};
  EXPECT_EQ(from_value<std::set<int>>(json::parse(R"(["$Set",[1,2]])")), s);
  EXPECT_THROW((void)from_value<int>(json::parse(R"(["$Nope",1])")), std::invalid_argument);
  EXPECT_THROW((void)from_value<int>(Value("text")), nlohmann::json::exception);
}

TEST(Value, BigIntConversions) {
  EXPECT_EQ(to_value(BigInt{"5"}).dump(), R"(["$BigInt","5"])");
  EXPECT_EQ(from_value<BigInt>(json::parse(R"(["$BigInt","5"])")), BigInt{"5"});
  EXPECT_EQ(from_value<BigInt>(Value(7)), BigInt{"7"});
  EXPECT_EQ(from_value<BigInt>(Value("-99999999999999999999")), BigInt{"-99999999999999999999"});
  EXPECT_THROW((void)from_value<BigInt>(Value(1.5)), nlohmann::json::exception);
  EXPECT_THROW((void)from_value<BigInt>(Value("1e3")), nlohmann::json::exception);
  EXPECT_EQ(from_value<std::uint64_t>(to_value(std::uint64_t{18446744073709551615ULL})),
            18446744073709551615ULL);
  EXPECT_EQ(from_value<std::int64_t>(to_value(std::int64_t{-9223372036854775807LL - 1})),
            -9223372036854775807LL - 1);
}

TEST(Value, BigIntRangeChecks) {
  EXPECT_EQ(BigInt{"9223372036854775807"}.to_int64(), 9223372036854775807LL);
  EXPECT_EQ(BigInt{"-9223372036854775808"}.to_int64(), -9223372036854775807LL - 1);
  EXPECT_FALSE(BigInt{"9223372036854775808"}.to_int64());
  EXPECT_FALSE(BigInt{"-9223372036854775809"}.to_int64());
  EXPECT_EQ(BigInt{"18446744073709551615"}.to_uint64(), 18446744073709551615ULL);
  EXPECT_FALSE(BigInt{"18446744073709551616"}.to_uint64());
  EXPECT_FALSE(BigInt{"-1"}.to_uint64());
  EXPECT_EQ(BigInt{"-0"}.to_uint64(), 0U);
  EXPECT_FALSE(BigInt{""}.to_int64());
  EXPECT_FALSE(BigInt{"-"}.to_int64());
  EXPECT_FALSE(BigInt{"+1"}.to_int64());
  EXPECT_EQ(BigInt::from(-5).decimal, "-5");
}

TEST(Value, Undefined) {
  EXPECT_EQ(undefined_value().dump(), R"(["$Undefined",0])");
  EXPECT_TRUE(is_undefined(undefined_value()));
  EXPECT_FALSE(is_undefined(Value(nullptr)));
  EXPECT_FALSE(is_undefined(json::array({"$Undefined"})));
}

TEST(Value, ValuePassesThroughToValue) {
  Value v = json::parse(R"(["$Foo",1])");
  EXPECT_EQ(to_value(v), v);
  EXPECT_EQ(from_value<Value>(v), v);
}

}  // namespace
}  // namespace rivet
