#include <rivet/common/error_codes.hpp>

#include <algorithm>
#include <array>

namespace rivet::codes {
namespace {

// NOLINTBEGIN(cppcoreguidelines-macro-usage)
#define RIVET_ERROR_CODE_ENTRY(name, group, code, status, retry, surfaces, is_public) name,
constexpr std::array kCatalogue = {RIVET_ERROR_CODES(RIVET_ERROR_CODE_ENTRY)};
#undef RIVET_ERROR_CODE_ENTRY
// NOLINTEND(cppcoreguidelines-macro-usage)

}  // namespace

std::span<const Code> all() noexcept {
  return kCatalogue;
}

// A linear scan: about a hundred entries, looked up once per error answer, which is rare next to
// the work of producing the error.
const Code* find(std::string_view group, std::string_view code) noexcept {
  const auto* it = std::find_if(kCatalogue.begin(), kCatalogue.end(),
                                [&](const Code& c) { return c.group == group && c.code == code; });
  return it == kCatalogue.end() ? nullptr : &*it;
}

bool is_public_group(std::string_view group) noexcept {
  return std::find(std::begin(kPublicGroups), std::end(kPublicGroups), group) !=
         std::end(kPublicGroups);
}

}  // namespace rivet::codes
