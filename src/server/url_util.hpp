#pragma once
/// Small URL helpers shared by the gateway parser and the management API. Pure functions.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rivet::server {

/// Percent-decodes `text`. nullopt on a malformed escape ("%4", "%zz") or when the result is not
/// valid UTF-8 (the upstream gateway decodes into UTF-8 strings and rejects the same inputs).
[[nodiscard]] std::optional<std::string> percent_decode(std::string_view text);

/// application/x-www-form-urlencoded value decoding: '+' becomes a space, then percent-decoding.
[[nodiscard]] std::optional<std::string> form_decode(std::string_view text);

/// True when `text` is valid UTF-8.
[[nodiscard]] bool is_valid_utf8(std::string_view text) noexcept;

struct SplitTarget {
  std::string_view path;
  std::optional<std::string_view> query;  // without the '?'
};

/// Splits a request-target into path and raw query; a '#fragment' is dropped.
[[nodiscard]] SplitTarget split_target(std::string_view target) noexcept;

/// Parses a raw query string into form-decoded (key, value) pairs, in order. Empty parts are
/// skipped. nullopt when a key or value has a malformed escape.
[[nodiscard]] std::optional<std::vector<std::pair<std::string, std::string>>> parse_query(
    std::string_view query);

}  // namespace rivet::server
