#pragma once
/// Transport-neutral HTTP request/response values. The Beast session converts to and from these
/// at the socket boundary, so routing and handlers compile without Beast (build time) and can be
/// unit-tested with plain structs.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rivet::server {

struct Header {
  std::string name;  // lower case
  std::string value;
};

struct HttpRequest {
  std::string method;  // upper case, e.g. "GET"
  std::string target;  // raw request-target: path plus optional "?query"
  std::vector<Header> headers;
  std::string body;

  /// First header with this (lower-case) name, or nullptr.
  [[nodiscard]] const std::string* header(std::string_view name) const noexcept;
};

struct HttpResponse {
  unsigned status = 200;
  std::vector<Header> headers;
  std::string body;

  /// Replaces any header with the same name.
  void set(std::string_view name, std::string value);
  [[nodiscard]] const std::string* header(std::string_view name) const noexcept;
};

/// Lower-cases ASCII letters.
[[nodiscard]] std::string to_lower(std::string_view s);

}  // namespace rivet::server
