// The URL helpers (server/url_util.hpp). Input: any text, read as a request-target, an escaped
// component and a query string. Invariants: the two UTF-8 validators (server and protocol)
// agree; a decoded text is valid UTF-8 and encodes back to itself; text without escapes decodes
// to itself; split_target loses only the fragment; a parsed query re-encodes to the same pairs.
#include "server/url_util.hpp"

#include <rivet/protocol/utf8.hpp>

#include "fuzz_check.hpp"
#include "fuzz_text.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace {

using namespace rivet::server;
using rivet::fuzz::fail;
using rivet::fuzz::pct_encode;

void check_split(std::string_view text) {
  const auto split = split_target(text);
  const auto without_fragment = text.substr(0, text.find('#'));
  std::string rebuilt(split.path);
  if (split.query) {
    rebuilt += "?" + std::string(*split.query);
  }
  if (rebuilt != without_fragment) {
    fail("split_target loses more than the fragment", std::string(text));
  }
  if (split.path.find_first_of("?#") != std::string_view::npos ||
      (split.query && split.query->find('#') != std::string_view::npos)) {
    fail("split_target leaves '?' or '#' in a part", std::string(text));
  }
}

void check_decode(std::string_view text) {
  const bool valid = is_valid_utf8(text);
  if (valid != rivet::protocol::is_valid_utf8(text)) {
    fail("the UTF-8 validators disagree", std::string(text));
  }
  const auto decoded = percent_decode(text);
  if (text.find('%') == std::string_view::npos &&
      (decoded.has_value() != valid || (decoded && *decoded != text))) {
    fail("text without escapes does not decode to itself", std::string(text));
  }
  if (!decoded) {
    return;
  }
  if (!is_valid_utf8(*decoded) || decoded->size() > text.size()) {
    fail("decoded text is not UTF-8 or longer than its escaped form", std::string(text));
  }
  if (percent_decode(pct_encode(*decoded)) != decoded || form_decode(pct_encode(*decoded)) != decoded) {
    fail("decoded text does not encode back to itself", std::string(text));
  }
}

void check_query(std::string_view text) {
  const auto pairs = parse_query(text);
  if (!pairs) {
    return;
  }
  if (pairs->size() > static_cast<std::size_t>(std::count(text.begin(), text.end(), '&')) + 1) {
    fail("more query pairs than parts", std::string(text));
  }
  std::vector<std::string> parts;
  for (const auto& [key, value] : *pairs) {
    parts.push_back(pct_encode(key) + "=" + pct_encode(value));
  }
  if (parse_query(rivet::fuzz::join(parts, "&")) != pairs) {
    fail("query pairs do not re-encode to themselves", std::string(text));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto text = rivet::fuzz::as_text(data, size);
  check_split(text);
  check_decode(text);
  check_query(text);
  if (auto query = split_target(text).query) {
    check_query(*query);
  }
  return 0;
}
