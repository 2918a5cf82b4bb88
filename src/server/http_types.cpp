#include "server/http_types.hpp"

#include <algorithm>

namespace rivet::server {

std::string to_lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  });
  return out;
}

const std::string* HttpRequest::header(std::string_view name) const noexcept {
  for (const auto& h : headers) {
    if (h.name == name) {
      return &h.value;
    }
  }
  return nullptr;
}

void HttpResponse::set(std::string_view name, std::string value) {
  auto lower = to_lower(name);
  std::erase_if(headers, [&](const Header& h) { return h.name == lower; });
  headers.push_back(Header{std::move(lower), std::move(value)});
}

const std::string* HttpResponse::header(std::string_view name) const noexcept {
  for (const auto& h : headers) {
    if (h.name == name) {
      return &h.value;
    }
  }
  return nullptr;
}

}  // namespace rivet::server
