#include "core/cron_expression.hpp"

#include <date/date.h>
#include <date/tz.h>

#include <gtest/gtest.h>

namespace {

using rivet::detail::cron_next;
using rivet::detail::CronExpression;
using rivet::detail::find_time_zone;
using rivet::detail::parse_cron;

std::int64_t utc(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0) {
  using namespace std::chrono;
  auto tp = date::sys_days(date::year(y) / mo / d) + hours(h) + minutes(mi) + seconds(s);
  return duration_cast<milliseconds>(tp.time_since_epoch()).count();
}

std::string iso(std::optional<std::int64_t> ms) {
  if (!ms) {
    return "never";
  }
  return date::format("%FT%TZ", date::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(*ms)));
}

CronExpression parse(std::string_view text) {
  auto r = parse_cron(text);
  EXPECT_TRUE(r) << text << ": " << (r ? "" : r.error().message);
  return r ? *r : CronExpression{};
}

std::string next(std::string_view expr, std::int64_t after, std::string_view tz = "UTC") {
  auto zone = find_time_zone(tz);
  EXPECT_TRUE(zone) << tz;
  return iso(cron_next(parse(expr), zone ? *zone : nullptr, after));
}

TEST(CronParse, WildcardsListsRangesSteps) {
  auto all = parse("* * * * *");
  EXPECT_EQ(all.minutes, (std::uint64_t{1} << 60) - 1);
  EXPECT_EQ(all.hours, (1u << 24) - 1);
  EXPECT_EQ(all.days, 0xfffffffeu);
  EXPECT_EQ(all.months, 0x1ffe);
  EXPECT_EQ(all.weekdays, 0x7f);
  EXPECT_TRUE(all.days_star && all.weekdays_star);

  auto e = parse("*/15 0-6/2 1,15,31 JAN-mar mon-FRI");
  EXPECT_EQ(e.minutes, (1ull << 0) | (1ull << 15) | (1ull << 30) | (1ull << 45));
  EXPECT_EQ(e.hours, (1u << 0) | (1u << 2) | (1u << 4) | (1u << 6));
  EXPECT_EQ(e.days, (1u << 1) | (1u << 15) | (1u << 31));
  EXPECT_EQ(e.months, (1u << 1) | (1u << 2) | (1u << 3));
  EXPECT_EQ(e.weekdays, 0b0111110);
  EXPECT_FALSE(e.days_star || e.weekdays_star);

  EXPECT_EQ(parse("5/20 * * * *").minutes, (1ull << 5) | (1ull << 25) | (1ull << 45));
  EXPECT_EQ(parse("0 0 * * 7").weekdays, 1);  // 7 and 0 are Sunday
  EXPECT_EQ(parse("0 0 * * 5-7").weekdays, 0b1100001);
  EXPECT_EQ(parse("0 0 * * SUN,sat").weekdays, 0b1000001);
  EXPECT_EQ(parse("  0\t0  *  * *  "), parse("0 0 * * *"));
  EXPECT_TRUE(parse("0 0 ? * MON").days_star);
}

TEST(CronParse, Macros) {
  EXPECT_EQ(parse("@daily"), parse("0 0 * * *"));
  EXPECT_EQ(parse("@MIDNIGHT"), parse("0 0 * * *"));
  EXPECT_EQ(parse("@hourly"), parse("0 * * * *"));
  EXPECT_EQ(parse("@weekly"), parse("0 0 * * 0"));
  EXPECT_EQ(parse("@monthly"), parse("0 0 1 * *"));
  EXPECT_EQ(parse("@yearly"), parse("0 0 1 1 *"));
  EXPECT_EQ(parse("@annually"), parse("0 0 1 1 *"));
}

TEST(CronParse, InvalidInputIsAStructuredError) {
  for (std::string_view bad :
       {"", "   ", "* * * *", "* * * * * *", "60 * * * *", "* 24 * * *", "* * 0 * *",
        "* * 32 * *", "* * * 0 *", "* * * 13 *", "* * * * 8", "5-1 * * * *", "*/0 * * * *",
        "*/61 * * * *", "a * * * *", "1,,2 * * * *", ",1 * * * *", "1, * * * *", "*/x * * * *",
        "*/ * * * *", "1-2-3 * * * *", "-1 * * * *", "1- * * * *", "? * * * *", "* * * FOO *",
        "* * * * MONDAY", "* * * JAN-DEC/SUN *", "99999 * * * *", "@foo", "@daily extra",
        "\xff * * * *", "* * * * *\x01"}) {
    auto r = parse_cron(bad);
    ASSERT_FALSE(r) << "accepted: " << bad;
    EXPECT_TRUE(r.error().is("schedule", "invalid_cron_expression")) << bad;
    EXPECT_FALSE(r.error().message.empty());
  }
  EXPECT_FALSE(parse_cron(std::string(300, '*')));
}

TEST(CronParse, TimeZones) {
  EXPECT_EQ(*find_time_zone("UTC"), nullptr);
  ASSERT_TRUE(find_time_zone("Europe/Berlin"));
  EXPECT_NE(*find_time_zone("America/New_York"), nullptr);
  for (std::string_view bad : std::initializer_list<std::string_view>{"", "Mars/Olympus", "../../etc/passwd", "Europe/Berlin ",
                               "utc\xff", std::string_view("UTC\0", 4)}) {
    auto r = find_time_zone(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_TRUE(r.error().is("schedule", "invalid_timezone"));
  }
}

TEST(CronNext, StrictlyAfterAndAtSecondZero) {
  EXPECT_EQ(next("0 9 * * *", utc(2026, 1, 1, 8, 59, 59)), "2026-01-01T09:00:00.000Z");
  EXPECT_EQ(next("0 9 * * *", utc(2026, 1, 1, 9)), "2026-01-02T09:00:00.000Z");
  EXPECT_EQ(next("* * * * *", utc(2026, 1, 1, 9, 0, 1)), "2026-01-01T09:01:00.000Z");
  EXPECT_EQ(next("*/20 10-12 * * *", utc(2026, 1, 1, 10, 41)), "2026-01-01T11:00:00.000Z");
  EXPECT_EQ(next("0 0 1 * *", utc(2026, 12, 15)), "2027-01-01T00:00:00.000Z");
  EXPECT_EQ(next("59 23 31 12 *", utc(2026, 12, 31, 23, 59)), "2027-12-31T23:59:00.000Z");
}

TEST(CronNext, LeapDay) {
  EXPECT_EQ(next("0 0 29 2 *", utc(2025, 3, 1)), "2028-02-29T00:00:00.000Z");
  EXPECT_EQ(next("0 12 29 2 *", utc(2028, 2, 29, 12)), "2032-02-29T12:00:00.000Z");
  // 2100 is not a leap year: eight years between leap days.
  EXPECT_EQ(next("0 0 29 2 *", utc(2096, 3, 1)), "2104-02-29T00:00:00.000Z");
  EXPECT_EQ(next("0 0 30 2 *", utc(2026, 1, 1)), "never");
  EXPECT_EQ(next("0 0 31 4,6,9,11 *", utc(2026, 1, 1)), "never");
}

TEST(CronNext, DayOfMonthOrDayOfWeek) {
  // Both restricted: either matches. 2026-01-02 is a Friday.
  EXPECT_EQ(next("0 0 13 * FRI", utc(2026, 1, 1)), "2026-01-02T00:00:00.000Z");
  EXPECT_EQ(next("0 0 13 * FRI", utc(2026, 1, 10)), "2026-01-13T00:00:00.000Z");
  // One of them starts with '*': both must match.
  EXPECT_EQ(next("0 0 13 * *", utc(2026, 1, 1)), "2026-01-13T00:00:00.000Z");
  EXPECT_EQ(next("0 0 * * FRI", utc(2026, 1, 3)), "2026-01-09T00:00:00.000Z");
  EXPECT_EQ(next("0 0 */2 * FRI", utc(2026, 1, 1)), "2026-01-09T00:00:00.000Z");
  // Friday the 13th needs both: February 2026.
  EXPECT_EQ(next("0 0 13 2 FRI", utc(2026, 1, 1)), "2026-02-06T00:00:00.000Z");
}

TEST(CronNext, TimeZoneOffsets) {
  EXPECT_EQ(next("0 9 * * *", utc(2026, 1, 1), "America/New_York"), "2026-01-01T14:00:00.000Z");
  EXPECT_EQ(next("0 9 * * *", utc(2026, 7, 1), "America/New_York"), "2026-07-01T13:00:00.000Z");
  EXPECT_EQ(next("0 9 * * *", utc(2026, 1, 1), "Asia/Kolkata"), "2026-01-01T03:30:00.000Z");
  // Local midnight Monday in Tokyo is Sunday 15:00 UTC.
  EXPECT_EQ(next("0 0 * * MON", utc(2026, 1, 1), "Asia/Tokyo"), "2026-01-04T15:00:00.000Z");
}

TEST(CronNext, SkippedLocalTimeFiresOnceAtTheEndOfTheGap) {
  // New York, 2026-03-08: 02:00 EST jumps to 03:00 EDT (07:00 UTC).
  const auto midnight = utc(2026, 3, 8, 5);  // 00:00 EST
  EXPECT_EQ(next("30 2 * * *", midnight, "America/New_York"), "2026-03-08T07:00:00.000Z");
  EXPECT_EQ(next("30 2 * * *", utc(2026, 3, 8, 7), "America/New_York"),
            "2026-03-09T06:30:00.000Z");
  // Every quarter hour of the skipped hour: one run at the gap's end, not four.
  EXPECT_EQ(next("*/15 2 * * *", midnight, "America/New_York"), "2026-03-08T07:00:00.000Z");
  EXPECT_EQ(next("*/15 2 * * *", utc(2026, 3, 8, 7), "America/New_York"),
            "2026-03-09T06:00:00.000Z");
  // Hourly jobs just lose the hour.
  EXPECT_EQ(next("0 * * * *", utc(2026, 3, 8, 6, 30), "America/New_York"),
            "2026-03-08T07:00:00.000Z");
  EXPECT_EQ(next("0 * * * *", utc(2026, 3, 8, 7), "America/New_York"),
            "2026-03-08T08:00:00.000Z");
}

TEST(CronNext, RepeatedLocalTimeFiresOnce) {
  // New York, 2026-11-01: 02:00 EDT falls back to 01:00 EST; 01:xx happens twice.
  const auto midnight = utc(2026, 11, 1, 4);  // 00:00 EDT
  EXPECT_EQ(next("30 1 * * *", midnight, "America/New_York"), "2026-11-01T05:30:00.000Z");
  EXPECT_EQ(next("30 1 * * *", utc(2026, 11, 1, 5, 30), "America/New_York"),
            "2026-11-02T06:30:00.000Z");
  // From inside the second 01:xx, the repeated times are not run again.
  EXPECT_EQ(next("45 1 * * *", utc(2026, 11, 1, 6, 10), "America/New_York"),
            "2026-11-02T06:45:00.000Z");
  EXPECT_EQ(next("0 * * * *", utc(2026, 11, 1, 5), "America/New_York"),
            "2026-11-01T07:00:00.000Z");

  // Berlin, 2026-10-25: 03:00 CEST falls back to 02:00 CET.
  EXPECT_EQ(next("30 2 * * *", utc(2026, 10, 24, 23), "Europe/Berlin"),
            "2026-10-25T00:30:00.000Z");
  EXPECT_EQ(next("30 2 * * *", utc(2026, 10, 25, 0, 30), "Europe/Berlin"),
            "2026-10-26T01:30:00.000Z");
  // Berlin, 2026-03-29: 02:00 CET jumps to 03:00 CEST (01:00 UTC).
  EXPECT_EQ(next("30 2 * * *", utc(2026, 3, 28, 23), "Europe/Berlin"),
            "2026-03-29T01:00:00.000Z");
}

TEST(CronNext, SearchIsBoundedForRareExpressions) {
  // Worst realistic case: scans nine years of days without matches quickly.
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(next("0 0 30 2 *", utc(2026, 1, 1), "Europe/Berlin"), "never");
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

}  // namespace
