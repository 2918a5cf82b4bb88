#include "protocol/bare.hpp"
#include "protocol/test_util.hpp"

#include <gtest/gtest.h>

namespace rivet::protocol {
namespace {

using test::from_hex;
using test::to_hex;

std::string uint_hex(std::uint64_t v) {
  Bytes out;
  bare::Writer(out).uint(v);
  return to_hex(out);
}

std::optional<std::uint64_t> read_uint(std::string_view hex) {
  Bytes in = from_hex(hex);
  bare::Reader r(in);
  auto v = r.uint();
  if (r.finish()) {
    return std::nullopt;
  }
  return v;
}

TEST(Bare, UintIsCanonicalLeb128) {
  EXPECT_EQ(uint_hex(0), "00");
  EXPECT_EQ(uint_hex(127), "7f");
  EXPECT_EQ(uint_hex(128), "8001");
  EXPECT_EQ(uint_hex(300), "ac02");
  EXPECT_EQ(uint_hex(UINT64_MAX), "ffffffffffffffffff01");
  EXPECT_EQ(read_uint("ac02"), 300U);
  EXPECT_EQ(read_uint("ffffffffffffffffff01"), UINT64_MAX);
}

TEST(Bare, UintRejectsNonCanonicalAndOverflow) {
  EXPECT_FALSE(read_uint("8000"));
  EXPECT_FALSE(read_uint("ff00"));
  EXPECT_FALSE(read_uint("ffffffffffffffffff02"));
  EXPECT_FALSE(read_uint("ffffffffffffffffff81"));
  EXPECT_FALSE(read_uint("80"));
  EXPECT_FALSE(read_uint(""));
}

TEST(Bare, FixedWidthAndStrings) {
  Bytes out;
  bare::Writer w(out);
  w.u16(4);
  w.u64(1000);
  w.boolean(true);
  w.str("hi");
  w.optional(false);
  EXPECT_EQ(to_hex(out),
            "0400e80300000000000001026869"
            "00");
  bare::Reader r(out);
  EXPECT_EQ(r.u16(), 4);
  EXPECT_EQ(r.u64(), 1000U);
  EXPECT_TRUE(r.boolean());
  EXPECT_EQ(r.str(), "hi");
  EXPECT_FALSE(r.optional());
  EXPECT_FALSE(r.finish());
}

TEST(Bare, ReaderRejectsBadPrimitives) {
  auto fails = [](std::string_view hex, auto read) {
    Bytes in = from_hex(hex);
    bare::Reader r(in);
    read(r);
    return r.finish().has_value();
  };
  EXPECT_TRUE(fails("02", [](bare::Reader& r) { (void)r.boolean(); }));
  EXPECT_TRUE(fails("02", [](bare::Reader& r) { (void)r.optional(); }));
  EXPECT_TRUE(fails("02c328", [](bare::Reader& r) { (void)r.str(); }));
  EXPECT_TRUE(fails("05616263", [](bare::Reader& r) { (void)r.str(); }));
  EXPECT_TRUE(fails("ffffffffffffffff7f", [](bare::Reader& r) { (void)r.data(); }));
  EXPECT_TRUE(fails("0100", [](bare::Reader& r) { (void)r.u8(); }));  // remaining bytes
  EXPECT_TRUE(fails("01", [](bare::Reader& r) { (void)r.u16(); }));
  EXPECT_FALSE(fails("0101", [](bare::Reader& r) { (void)r.u16(); }));
}

}  // namespace
}  // namespace rivet::protocol
