#include "server/url_util.hpp"

#include <cstdint>

namespace rivet::server {
namespace {

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

}  // namespace

bool is_valid_utf8(std::string_view text) noexcept {
  std::size_t i = 0;
  const auto n = text.size();
  while (i < n) {
    const auto c = static_cast<std::uint8_t>(text[i]);
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    }
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) {
      return false;
    }
    for (std::size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<std::uint8_t>(text[i + k]);
      if ((cc & 0xC0) != 0x80) {
        return false;
      }
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Reject overlong forms, surrogates and values beyond U+10FFFF.
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += len;
  }
  return true;
}

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c != '%') {
      out.push_back(c);
      continue;
    }
    if (i + 2 >= text.size()) {
      return std::nullopt;
    }
    const int hi = hex_value(text[i + 1]);
    const int lo = hex_value(text[i + 2]);
    if (hi < 0 || lo < 0) {
      return std::nullopt;
    }
    out.push_back(static_cast<char>((hi << 4) | lo));
    i += 2;
  }
  if (!is_valid_utf8(out)) {
    return std::nullopt;
  }
  return out;
}

std::optional<std::string> form_decode(std::string_view text) {
  std::string spaced(text);
  for (auto& c : spaced) {
    if (c == '+') {
      c = ' ';
    }
  }
  return percent_decode(spaced);
}

SplitTarget split_target(std::string_view target) noexcept {
  if (auto hash = target.find('#'); hash != std::string_view::npos) {
    target = target.substr(0, hash);
  }
  SplitTarget out;
  if (auto q = target.find('?'); q != std::string_view::npos) {
    out.path = target.substr(0, q);
    out.query = target.substr(q + 1);
  } else {
    out.path = target;
  }
  return out;
}

std::optional<std::vector<std::pair<std::string, std::string>>> parse_query(
    std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t start = 0;
  while (start <= query.size()) {
    auto end = query.find('&', start);
    if (end == std::string_view::npos) {
      end = query.size();
    }
    auto part = query.substr(start, end - start);
    start = end + 1;
    if (part.empty()) {
      if (end == query.size()) {
        break;
      }
      continue;
    }
    auto eq = part.find('=');
    auto raw_key = part.substr(0, eq);
    auto raw_value = eq == std::string_view::npos ? std::string_view{} : part.substr(eq + 1);
    auto key = form_decode(raw_key);
    auto value = form_decode(raw_value);
    if (!key || !value) {
      return std::nullopt;
    }
    out.emplace_back(std::move(*key), std::move(*value));
    if (end == query.size()) {
      break;
    }
  }
  return out;
}

}  // namespace rivet::server
