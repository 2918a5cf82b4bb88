#pragma once
// Helpers for the fuzz targets of the server's request parsers, whose inputs are text: a
// percent-encoder to rebuild canonical forms, and a small HTTP-like format for whole requests,
// so that seeds stay readable and can be written by hand:
//
//   METHOD TARGET
//   name: value
//   ...
//
// Header names are lower-cased as the session does; one space after the colon is dropped; a line
// without a colon is ignored; a '\r' before a '\n' is dropped.

#include "server/http_types.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rivet::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/// Percent-encodes every byte but RFC 3986's unreserved characters (and those in `keep`).
inline std::string pct_encode(std::string_view text, std::string_view keep = {}) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    const bool unreserved = (u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') ||
                            (u >= '0' && u <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved || keep.find(c) != std::string_view::npos) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xF]);
    }
  }
  return out;
}

/// The parts with `separator` between them.
inline std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) {
      out.append(separator);
    }
    out.append(parts[i]);
  }
  return out;
}

/// Takes the text up to the next '\n' (without it, nor a '\r' before it) off the front of `text`.
inline std::string_view take_line(std::string_view& text) {
  auto end = text.find('\n');
  auto line = text.substr(0, end);
  text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
  if (!line.empty() && line.back() == '\r') {
    line.remove_suffix(1);
  }
  return line;
}

/// A request in the format above.
inline server::HttpRequest parse_request(std::string_view text) {
  server::HttpRequest request;
  auto first = take_line(text);
  auto space = first.find(' ');
  request.method = std::string(first.substr(0, space));
  request.target = space == std::string_view::npos ? std::string() : std::string(first.substr(space + 1));
  while (!text.empty()) {
    auto line = take_line(text);
    auto colon = line.find(':');
    if (colon == std::string_view::npos) {
      continue;
    }
    auto value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') {
      value.remove_prefix(1);
    }
    request.headers.push_back({server::to_lower(line.substr(0, colon)), std::string(value)});
  }
  return request;
}

}  // namespace rivet::fuzz
