#include <rivet/common/value.hpp>

#include <gtest/gtest.h>

namespace rivet {
namespace {

std::string enc(std::string_view s) {
  return base64_encode(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

std::string dec(std::string_view s) {
  auto b = base64_decode(s);
  EXPECT_TRUE(b.has_value()) << s;
  return b ? std::string(b->begin(), b->end()) : std::string();
}

TEST(Base64, EncodesRfc4648Vectors) {
  EXPECT_EQ(enc(""), "");
  EXPECT_EQ(enc("f"), "Zg==");
  EXPECT_EQ(enc("fo"), "Zm8=");
  EXPECT_EQ(enc("foo"), "Zm9v");
  EXPECT_EQ(enc("foob"), "Zm9vYg==");
  EXPECT_EQ(enc("fooba"), "Zm9vYmE=");
  EXPECT_EQ(enc("foobar"), "Zm9vYmFy");
}

TEST(Base64, UrlVariantHasNoPadding) {
  const std::uint8_t data[] = {0xfb, 0xff, 0xbf};
  EXPECT_EQ(base64_encode(data, 3), "+/+/");
  EXPECT_EQ(base64url_encode(data, 3), "-_-_");
  EXPECT_EQ(base64url_encode(data, 2), "-_8");
}

TEST(Base64, DecodesBothAlphabetsPaddedOrNot) {
  EXPECT_EQ(dec("Zm9vYg=="), "foob");
  EXPECT_EQ(dec("Zm9vYg"), "foob");
  EXPECT_EQ(dec("Zm9vYmE="), "fooba");
  EXPECT_EQ(dec("Zm9vYmE"), "fooba");
  EXPECT_EQ(dec(""), "");
  auto std_form = base64_decode("+/+/");
  auto url_form = base64_decode("-_-_");
  ASSERT_TRUE(std_form && url_form);
  EXPECT_EQ(*std_form, *url_form);
  EXPECT_EQ(*std_form, (Bytes{0xfb, 0xff, 0xbf}));
}

TEST(Base64, RejectsMalformed) {
  EXPECT_FALSE(base64_decode("Z"));
  EXPECT_FALSE(base64_decode("Zm9vY"));
  EXPECT_FALSE(base64_decode("Zm9v!A=="));
  EXPECT_FALSE(base64_decode("Zm=9"));
  EXPECT_FALSE(base64_decode("Zg="));  // padding that does not complete a quantum
  EXPECT_FALSE(base64_decode("Zg==="));
  EXPECT_FALSE(base64_decode("Zm 9v"));
}

}  // namespace
}  // namespace rivet
