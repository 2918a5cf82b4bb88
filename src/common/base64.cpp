#include <rivet/common/value.hpp>

#include <array>

namespace rivet {
namespace {

constexpr std::string_view kStandardAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kUrlAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::uint8_t kInvalid = 0xFF;

// One table for both alphabets: '+'/'-' both mean 62 and '/'/'_' both mean 63.
constexpr std::array<std::uint8_t, 256> make_decode_table() {
  std::array<std::uint8_t, 256> table{};
  for (auto& t : table) {
    t = kInvalid;
  }
  for (std::size_t i = 0; i < kStandardAlphabet.size(); ++i) {
    table[static_cast<unsigned char>(kStandardAlphabet[i])] = static_cast<std::uint8_t>(i);
    table[static_cast<unsigned char>(kUrlAlphabet[i])] = static_cast<std::uint8_t>(i);
  }
  return table;
}

constexpr auto kDecodeTable = make_decode_table();

std::string encode_with(std::string_view alphabet, bool pad, const std::uint8_t* data,
                        std::size_t size) {
  std::string out;
  out.reserve((size + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= size; i += 3) {
    std::uint32_t n = (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8) |
                      std::uint32_t{data[i + 2]};
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    out += alphabet[(n >> 6) & 63];
    out += alphabet[n & 63];
  }
  std::size_t rest = size - i;
  if (rest == 0) {
    return out;
  }
  std::uint32_t n = std::uint32_t{data[i]} << 16;
  if (rest == 2) {
    n |= std::uint32_t{data[i + 1]} << 8;
  }
  out += alphabet[(n >> 18) & 63];
  out += alphabet[(n >> 12) & 63];
  if (rest == 2) {
    out += alphabet[(n >> 6) & 63];
  }
  if (pad) {
    out.append(rest == 1 ? 2 : 1, '=');
  }
  return out;
}

}  // namespace

std::string base64_encode(const std::uint8_t* data, std::size_t size) {
  return encode_with(kStandardAlphabet, true, data, size);
}

std::string base64url_encode(const std::uint8_t* data, std::size_t size) {
  return encode_with(kUrlAlphabet, false, data, size);
}

std::optional<Bytes> base64_decode(std::string_view text) {
  // Padding is optional, but when present it must complete the last quantum.
  std::size_t pad = 0;
  while (!text.empty() && text.back() == '=' && pad < 2) {
    text.remove_suffix(1);
    ++pad;
  }
  if (text.size() % 4 == 1 || (pad > 0 && (text.size() + pad) % 4 != 0)) {
    return std::nullopt;
  }
  Bytes out;
  out.reserve(text.size() / 4 * 3 + 2);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    std::uint8_t v = kDecodeTable[static_cast<unsigned char>(c)];
    if (v == kInvalid) {
      return std::nullopt;
    }
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

}  // namespace rivet
