#include <rivet/protocol/encoding.hpp>

#include "protocol/test_util.hpp"

#include <gtest/gtest.h>

namespace rivet::protocol {
namespace {

using test::from_hex;
using test::to_hex;

Value compat(std::string_view hex) {
  auto r = decode_compat_cbor(from_hex(hex));
  EXPECT_TRUE(r.has_value()) << hex << ": " << (r ? "" : r.error().message);
  return r ? *r : Value();
}

Value raw(std::string_view hex) {
  auto r = decode_raw_cbor(from_hex(hex));
  EXPECT_TRUE(r.has_value()) << hex << ": " << (r ? "" : r.error().message);
  return r ? *r : Value();
}

// §12: compat CBOR of [undefined,10n,Uint8Array[1,2],Set{1},["$x",1],Map{a:1},Date(0)].
constexpr std::string_view kCompatVector =
    "87 826a24556e646566696e656400 826724426967496e74623130 826b2455696e74384172726179644151493d"
    " 8264245365748101 826324247801 d90103a1616101 c11a00000000";

TEST(CompatCbor, DecodesSpecVector) {
  Value v = compat(kCompatVector);
  EXPECT_EQ(v.dump(), R"([["$Undefined",0],["$BigInt","10"],["$Uint8Array","AQI="],["$Set",[1]],)"
                      R"(["$$x",1],{"a":1},0])");
}

TEST(CompatCbor, EncodesSpecVectorTagsAsArrays) {
  // Map and Date have no compat Value form, so only the first five items round-trip.
  Value v = Value::parse(
      R"([["$Undefined",0],["$BigInt","10"],["$Uint8Array","AQI="],["$Set",[1]],["$$x",1]])");
  EXPECT_EQ(to_hex(encode_compat_cbor(v)),
            "85826a24556e646566696e656400826724426967496e74623130826b2455696e7438417272617964"
            "4151493d8264245365748101826324247801");
}

TEST(CompatCbor, ObjectsUseMap16LikeCborX) {
  EXPECT_EQ(to_hex(encode_compat_cbor(Value{{"ok", true}})), "b90001626f6bf5");
  EXPECT_EQ(to_hex(encode_compat_cbor(Value{{"x", 1}})), "b90001617801");
  EXPECT_EQ(to_hex(encode_compat_cbor(Value::array({1, "a"}))), "82016161");
}

TEST(CompatCbor, NumbersFollowJsRules) {
  EXPECT_EQ(to_hex(encode_compat_cbor(Value(0))), "00");
  EXPECT_EQ(to_hex(encode_compat_cbor(Value(23))), "17");
  EXPECT_EQ(to_hex(encode_compat_cbor(Value(24))), "1818");
  EXPECT_EQ(to_hex(encode_compat_cbor(Value(1000))), "1903e8");
  EXPECT_EQ(to_hex(encode_compat_cbor(Value(-1))), "20");
  EXPECT_EQ(to_hex(encode_compat_cbor(Value(-500))), "3901f3");
  EXPECT_EQ(to_hex(encode_compat_cbor(Value(4294967295LL))), "1affffffff");
  EXPECT_EQ(to_hex(encode_compat_cbor(Value(4294967296LL))), "fb41f0000000000000");
  EXPECT_EQ(to_hex(encode_compat_cbor(Value(1.5))), "fb3ff8000000000000");
  EXPECT_EQ(to_hex(encode_compat_cbor(Value(2.0))), "02");
  EXPECT_EQ(to_hex(encode_compat_cbor(Value(-0.0))), "fb8000000000000000");
}

TEST(CompatCbor, DecodesEveryIntegerWidthAndFloatSize) {
  EXPECT_EQ(compat("1b0000000000000005"), 5);
  EXPECT_EQ(compat("3b0000000000000004"), -5);
  EXPECT_EQ(compat("1bffffffffffffffff"), 18446744073709551615ULL);
  EXPECT_EQ(compat("3bffffffffffffffff").dump(), R"(["$BigInt","-18446744073709551616"])");
  EXPECT_EQ(compat("f93e00"), 1.5);
  EXPECT_EQ(compat("f97c00"), std::numeric_limits<double>::infinity());
  EXPECT_EQ(compat("fa3fc00000"), 1.5);
  EXPECT_EQ(compat("fb41f0000000000000").dump(), "4294967296");
  EXPECT_EQ(compat("f90001"), 5.960464477539063e-8);
}

TEST(CompatCbor, DecodesBytesIndefiniteAndTags) {
  EXPECT_EQ(compat("420102").dump(), R"(["$Uint8Array","AQI="])");
  EXPECT_EQ(compat("d840420102").dump(), R"(["$Uint8Array","AQI="])");
  EXPECT_EQ(compat("5f41014102ff").dump(), R"(["$Uint8Array","AQI="])");
  EXPECT_EQ(compat("7f616161 62ff").dump(), R"("ab")");
  EXPECT_EQ(compat("9f0102ff").dump(), "[1,2]");
  EXPECT_EQ(compat("bf616101ff").dump(), R"({"a":1})");
  EXPECT_EQ(compat("a1016161").dump(), R"({"1":"a"})");
  EXPECT_EQ(compat("d9d9f701").dump(), "1");  // self-describe tag
  EXPECT_EQ(compat("c249010000000000000000").dump(), R"(["$BigInt","18446744073709551616"])");
  EXPECT_EQ(compat("c34100").dump(), "-1");
  EXPECT_EQ(compat("f7").dump(), R"(["$Undefined",0])");
}

TEST(CompatCbor, RoundTripsValues) {
  Value v =
      Value::parse(R"({"a":[1,-2,3.25,"x",null,true,false,["$BigInt","123456789012345678901"]],)"
                   R"("b":{"c":["$Uint8Array",""]},"u":["$Undefined",0],"s":["$Set",["$x"]]})");
  auto back = decode_compat_cbor(encode_compat_cbor(v));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, v);
}

TEST(CompatCbor, RejectsMalformedInput) {
  for (std::string_view hex : {
           "",                     // empty
           "0000",                 // trailing bytes
           "18",                   // truncated argument
           "1c",                   // reserved info
           "62 61",                // string longer than input
           "9b ffffffffffffffff",  // absurd array length
           "bb ffffffffffffffff",  // absurd map length
           "9f01",                 // unterminated indefinite array
           "ff",                   // stray break
           "5f 6161 ff",           // text chunk in a byte string
           "62 c328",              // invalid UTF-8
           "a1 f5 01",             // non-string map key
           "e0",                   // unassigned simple value
           "f820",                 // one-byte simple value
           "1f",                   // indefinite integer
           "d9 0102 01",           // set without an array
           "c2 01",                // bignum without bytes
       }) {
    EXPECT_FALSE(decode_compat_cbor(from_hex(hex))) << hex;
  }
}

TEST(CompatCbor, BoundsNesting) {
  Bytes deep(200, 0x81);
  deep.push_back(0x01);
  auto r = decode_compat_cbor(deep);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is("actor", "invalid_request"));
  Bytes ok(100, 0x81);
  ok.push_back(0x01);
  EXPECT_TRUE(decode_compat_cbor(ok));
  Bytes tags;
  for (int i = 0; i < 200; ++i) {
    tags.push_back(0xc6);
  }
  tags.push_back(0x01);
  EXPECT_FALSE(decode_compat_cbor(tags));
}

TEST(RawCbor, WideIntegersAreBigInts) {
  EXPECT_EQ(raw("1b0000000000000000").dump(), R"(["$BigInt","0"])");
  EXPECT_EQ(raw("3b0000000000000000").dump(), R"(["$BigInt","-1"])");
  EXPECT_EQ(raw("3bffffffffffffffff").dump(), R"(["$BigInt","-18446744073709551616"])");
  EXPECT_EQ(raw("1a00010000").dump(), "65536");
  EXPECT_EQ(raw("3903e7").dump(), "-1000");
}

TEST(RawCbor, NativeTypesBecomeCompatTags) {
  EXPECT_EQ(raw("d840420102").dump(), R"(["$Uint8Array","AQI="])");
  EXPECT_EQ(raw("f7").dump(), R"(["$Undefined",0])");
  EXPECT_EQ(raw("d9010282 6224780 1").dump(), R"(["$Set",["$x",1]])");
  EXPECT_EQ(raw("826224780 1").dump(), R"(["$$x",1])");
  EXPECT_EQ(raw("83622478 0101").dump(), R"(["$x",1,1])");
  EXPECT_EQ(raw("d90103a1616101").dump(), R"({"a":1})");
}

TEST(RawCbor, EncodesNativeForms) {
  EXPECT_EQ(to_hex(encode_raw_cbor(Value::parse(R"(["$BigInt","0"])"))), "1b0000000000000000");
  EXPECT_EQ(to_hex(encode_raw_cbor(Value::parse(R"(["$BigInt","-1"])"))), "3b0000000000000000");
  EXPECT_EQ(to_hex(encode_raw_cbor(Value::parse(R"(["$BigInt","-18446744073709551616"])"))),
            "3bffffffffffffffff");
  EXPECT_EQ(to_hex(encode_raw_cbor(Value::parse(R"(["$BigInt","18446744073709551616"])"))),
            "c249010000000000000000");
  EXPECT_EQ(to_hex(encode_raw_cbor(Value::parse(R"(["$BigInt","-18446744073709551617"])"))),
            "c349010000000000000000");
  EXPECT_EQ(to_hex(encode_raw_cbor(Value::parse(R"(["$Uint8Array","AQI="])"))), "d840420102");
  EXPECT_EQ(to_hex(encode_raw_cbor(Value::parse(R"(["$ArrayBuffer","AQI="])"))), "d840420102");
  EXPECT_EQ(to_hex(encode_raw_cbor(Value::parse(R"(["$Undefined",0])"))), "f7");
  EXPECT_EQ(to_hex(encode_raw_cbor(Value::parse(R"(["$Set",[1]])"))), "d901028101");
  // Escaped pairs stay escaped on the way out: the client revives what it receives.
  EXPECT_EQ(to_hex(encode_raw_cbor(Value::parse(R"(["$$x",1])"))), "826324247801");
  EXPECT_EQ(to_hex(encode_raw_cbor(Value::parse(R"({"args":[1,"a"]})"))),
            "b90001646172677382016161");
}

TEST(RawCbor, RoundTripsCompatValues) {
  Value v = Value::parse(
      R"({"big":["$BigInt","-99999999999999999999999"],"b":["$Uint8Array","AQID"],)"
      R"("u":["$Undefined",0],"s":["$Set",[1,"$y"]],"n":[1.5,-7,"t"]})");
  auto back = decode_raw_cbor(encode_raw_cbor(v));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, v);
}

TEST(Json, DecodeAndEncode) {
  auto v = decode_json(test::from_text(R"({"a":[1,"x"],"b":null})"));
  ASSERT_TRUE(v);
  EXPECT_EQ(encode_json(*v), R"({"a":[1,"x"],"b":null})");
  EXPECT_FALSE(decode_json(test::from_text("{")));
  EXPECT_FALSE(decode_json(test::from_text("")));
  EXPECT_FALSE(decode_json(test::from_text("\"\xff\"")));
  EXPECT_FALSE(decode_json(test::from_text(std::string(300, '['))));
  EXPECT_EQ(encode_json(Value(std::string("a\xff"))), "\"a\xEF\xBF\xBD\"");
  EXPECT_EQ(encode_json(Value("é")), "\"é\"");
}

TEST(Encoding, Names) {
  EXPECT_EQ(parse_encoding("bare"), Encoding::Bare);
  EXPECT_EQ(parse_encoding("cbor"), Encoding::Cbor);
  EXPECT_EQ(parse_encoding("json"), Encoding::Json);
  EXPECT_FALSE(parse_encoding("JSON"));
  EXPECT_EQ(encoding_name(Encoding::Cbor), "cbor");
  EXPECT_EQ(content_type(Encoding::Json), "application/json");
  EXPECT_EQ(content_type(Encoding::Bare), "application/octet-stream");
}

}  // namespace
}  // namespace rivet::protocol
