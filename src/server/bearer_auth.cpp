#include "server/bearer_auth.hpp"

#include <algorithm>
#include <cctype>

namespace rivet::server {

bool same_secret(std::string_view given, std::string_view expected) noexcept {
  unsigned diff = given.size() == expected.size() ? 0U : 1U;
  const std::size_t n = std::max(given.size(), expected.size());
  for (std::size_t i = 0; i < n; ++i) {
    const auto a = i < given.size() ? static_cast<unsigned char>(given[i]) : 0U;
    const auto b = i < expected.size() ? static_cast<unsigned char>(expected[i]) : 0U;
    diff |= a ^ b;
  }
  return diff == 0 && !expected.empty();
}

std::optional<std::string_view> bearer_token(const HttpRequest& request) noexcept {
  const auto* header = request.header("authorization");
  constexpr std::string_view kScheme = "bearer ";
  if (header == nullptr || header->size() <= kScheme.size()) {
    return std::nullopt;
  }
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    if (static_cast<char>(std::tolower(static_cast<unsigned char>((*header)[i]))) != kScheme[i]) {
      return std::nullopt;
    }
  }
  auto token = std::string_view(*header).substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') {
    token.remove_prefix(1);
  }
  if (token.empty()) {
    return std::nullopt;
  }
  return token;
}

}  // namespace rivet::server
