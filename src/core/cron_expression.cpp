#include "core/cron_expression.hpp"

#include <date/date.h>
#include <date/tz.h>

#include <array>
#include <cctype>
#include <vector>

namespace rivet::detail {
namespace {

struct Field {
  const char* name;
  int min;
  int max;
  const std::array<std::string_view, 12>* names;  // lowercase, names[i] means min + i
  bool day_field;
};

constexpr std::array<std::string_view, 12> kMonthNames = {
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 12> kDayNames = {"sun", "mon", "tue", "wed",
                                                        "thu", "fri", "sat"};

constexpr Field kFields[5] = {
    {"minute", 0, 59, nullptr, false},
    {"hour", 0, 23, nullptr, false},
    {"day-of-month", 1, 31, nullptr, true},
    {"month", 1, 12, &kMonthNames, false},
    {"day-of-week", 0, 7, &kDayNames, true},
};

Error invalid(std::string message) {
  return make_error(codes::kScheduleInvalidCronExpression, std::move(message));
}

std::string in_field(const Field& f, std::string what) {
  return std::string(f.name) + " field: " + std::move(what);
}

// A number (at most 4 digits, so no overflow) or a three-letter name of the field.
Result<int> parse_atom(const Field& f, std::string_view s) {
  if (s.empty()) {
    return invalid(in_field(f, "missing value"));
  }
  if (std::isdigit(static_cast<unsigned char>(s[0]))) {
    if (s.size() > 4) {
      return invalid(in_field(f, "number too long"));
    }
    int v = 0;
    for (char ch : s) {
      if (!std::isdigit(static_cast<unsigned char>(ch))) {
        return invalid(in_field(f, "not a number"));
      }
      v = v * 10 + (ch - '0');
    }
    return v;
  }
  if (f.names != nullptr && s.size() == 3) {
    std::string lower;
    for (char ch : s) {
      lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(ch))));
    }
    for (std::size_t i = 0; i < f.names->size(); ++i) {
      if ((*f.names)[i] == lower) {
        return f.min + static_cast<int>(i);
      }
    }
  }
  return invalid(in_field(f, f.names ? "unknown name or not a number" : "not a number"));
}

Result<int> parse_value(const Field& f, std::string_view s) {
  auto v = parse_atom(f, s);
  if (v && (*v < f.min || *v > f.max)) {
    return invalid(in_field(f, "value " + std::to_string(*v) + " outside " +
                                   std::to_string(f.min) + "-" + std::to_string(f.max)));
  }
  return v;
}

// One comma-separated item: *, ?, a, a-b, each optionally /step (a/step means a-max/step).
Result<std::uint64_t> parse_item(const Field& f, std::string_view item) {
  std::string_view base = item;
  int step = 1;
  bool stepped = false;
  if (auto slash = item.find('/'); slash != std::string_view::npos) {
    base = item.substr(0, slash);
    auto s = parse_atom(f, item.substr(slash + 1));
    if (!s || !std::isdigit(static_cast<unsigned char>(item[slash + 1]))) {
      return invalid(in_field(f, "step must be a number"));
    }
    if (*s < 1 || *s > f.max - f.min + 1) {
      return invalid(in_field(f, "step " + std::to_string(*s) + " outside 1-" +
                                     std::to_string(f.max - f.min + 1)));
    }
    step = *s;
    stepped = true;
  }
  int lo = 0;
  int hi = 0;
  if (base == "*" || (f.day_field && base == "?")) {
    lo = f.min;
    hi = f.max;
  } else if (auto dash = base.find('-'); dash != std::string_view::npos) {
    auto a = parse_value(f, base.substr(0, dash));
    if (!a) {
      return a.error();
    }
    auto b = parse_value(f, base.substr(dash + 1));
    if (!b) {
      return b.error();
    }
    if (*a > *b) {
      return invalid(in_field(f, "range " + std::to_string(*a) + "-" + std::to_string(*b) +
                                     " runs backwards"));
    }
    lo = *a;
    hi = *b;
  } else {
    auto a = parse_value(f, base);
    if (!a) {
      return a.error();
    }
    lo = *a;
    hi = stepped ? f.max : *a;
  }
  std::uint64_t bits = 0;
  for (int v = lo; v <= hi; v += step) {
    bits |= std::uint64_t{1} << v;
  }
  return bits;
}

Result<std::uint64_t> parse_field(const Field& f, std::string_view text) {
  std::uint64_t bits = 0;
  std::size_t start = 0;
  while (true) {
    auto comma = text.find(',', start);
    auto item = text.substr(start, comma == std::string_view::npos ? std::string_view::npos
                                                                   : comma - start);
    if (item.empty()) {
      return invalid(in_field(f, "empty list item"));
    }
    auto b = parse_item(f, item);
    if (!b) {
      return b.error();
    }
    bits |= *b;
    if (comma == std::string_view::npos) {
      return bits;
    }
    start = comma + 1;
  }
}

std::string_view macro(std::string_view text) {
  std::string lower;
  for (char ch : text) {
    lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(ch))));
  }
  if (lower == "@yearly" || lower == "@annually") return "0 0 1 1 *";
  if (lower == "@monthly") return "0 0 1 * *";
  if (lower == "@weekly") return "0 0 * * 0";
  if (lower == "@daily" || lower == "@midnight") return "0 0 * * *";
  if (lower == "@hourly") return "0 * * * *";
  return {};
}

bool is_space(char ch) { return ch == ' ' || ch == '\t'; }

}  // namespace

Result<CronExpression> parse_cron(std::string_view text) {
  if (text.size() > kCronMaxExpressionSize) {
    return invalid("expression longer than " + std::to_string(kCronMaxExpressionSize) + " bytes");
  }
  std::vector<std::string_view> parts;
  for (std::size_t i = 0; i < text.size();) {
    if (is_space(text[i])) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < text.size() && !is_space(text[j])) {
      ++j;
    }
    parts.push_back(text.substr(i, j - i));
    i = j;
  }
  if (parts.size() == 1 && !parts[0].empty() && parts[0][0] == '@') {
    auto expanded = macro(parts[0]);
    if (expanded.empty()) {
      return invalid("unknown macro (use @yearly, @monthly, @weekly, @daily or @hourly)");
    }
    return parse_cron(expanded);
  }
  if (parts.size() != 5) {
    return invalid("expected 5 fields (minute hour day-of-month month day-of-week), got " +
                   std::to_string(parts.size()));
  }
  std::uint64_t bits[5] = {};
  for (int i = 0; i < 5; ++i) {
    auto b = parse_field(kFields[i], parts[static_cast<std::size_t>(i)]);
    if (!b) {
      return b.error();
    }
    bits[i] = *b;
  }
  CronExpression out;
  out.minutes = bits[0];
  out.hours = static_cast<std::uint32_t>(bits[1]);
  out.days = static_cast<std::uint32_t>(bits[2]);
  out.months = static_cast<std::uint16_t>(bits[3]);
  out.weekdays = static_cast<std::uint8_t>((bits[4] | (bits[4] >> 7)) & 0x7f);  // 7 = Sunday
  out.days_star = parts[2][0] == '*' || parts[2][0] == '?';
  out.weekdays_star = parts[4][0] == '*' || parts[4][0] == '?';
  return out;
}

Result<const date::time_zone*> find_time_zone(std::string_view name) {
  if (name == "UTC") {
    return static_cast<const date::time_zone*>(nullptr);
  }
  bool plausible = !name.empty() && name.size() <= 64;
  for (char ch : name) {
    plausible = plausible && (std::isalnum(static_cast<unsigned char>(ch)) || ch == '/' ||
                              ch == '_' || ch == '-' || ch == '+');
  }
  if (plausible) {
    try {
      return date::locate_zone(std::string(name));
    } catch (const std::exception&) {
      // fall through: unknown name (or no tz database on this machine)
    }
  }
  return make_error(codes::kScheduleInvalidTimezone,
                    "unknown time zone (expected an IANA name such as Europe/Berlin)");
}

std::optional<std::int64_t> cron_next(const CronExpression& expr, const date::time_zone* zone,
                                      std::int64_t after_ms) {
  using namespace std::chrono;
  const date::sys_time<milliseconds> after{milliseconds(after_ms)};
  const auto local_after =
      zone != nullptr ? zone->to_local(after) : date::local_time<milliseconds>(milliseconds(after_ms));
  // Candidates are local minutes after this one. Local times at or before it can only map to an
  // instant after `after` as the second occurrence of a repeated hour, which never fires.
  const auto floor_minute = floor<minutes>(local_after);
  auto day = floor<date::days>(floor_minute);
  const bool either_day = !expr.days_star && !expr.weekdays_star;
  for (int i = 0; i < 9 * 366 + 1; ++i, day += date::days{1}) {
    const date::year_month_day ymd{day};
    if ((expr.months & (1u << static_cast<unsigned>(ymd.month()))) == 0) {
      continue;
    }
    const bool dom = (expr.days & (1u << static_cast<unsigned>(ymd.day()))) != 0;
    const bool dow = (expr.weekdays & (1u << date::weekday{day}.c_encoding())) != 0;
    if (either_day ? !(dom || dow) : !(dom && dow)) {
      continue;
    }
    for (int h = 0; h < 24; ++h) {
      if ((expr.hours & (1u << h)) == 0) {
        continue;
      }
      for (int m = 0; m < 60; ++m) {
        if ((expr.minutes & (std::uint64_t{1} << m)) == 0) {
          continue;
        }
        const auto local = day + hours(h) + minutes(m);
        if (local <= floor_minute) {
          continue;
        }
        date::sys_time<milliseconds> instant;
        if (zone == nullptr) {
          instant = date::sys_time<milliseconds>(local.time_since_epoch());
        } else {
          const auto info = zone->get_info(local);
          if (info.result == date::local_info::nonexistent) {
            instant = info.first.end;  // the first valid instant after the gap
          } else {
            instant = date::sys_time<milliseconds>(local.time_since_epoch()) - info.first.offset;
          }
        }
        if (instant > after) {
          return instant.time_since_epoch().count();
        }
      }
    }
  }
  return std::nullopt;
}

}  // namespace rivet::detail
