// IMAP date and date-time values (RFC 3501 §9 / RFC 9051 §9 formal syntax):
//   date      = "d-Mon-yyyy" or "dd-Mon-yyyy" (SEARCH BEFORE/ON/SINCE ...)
//   date-time = "dd-Mon-yyyy hh:mm:ss +zzzz" with the day possibly " d"
//               (APPEND, INTERNALDATE).
// The parsers take the text without the surrounding double quotes.
// Thread rules: pure functions over plain values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace postino::imap {

struct Date {
  int year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31, checked against the month
  auto operator<=>(const Date&) const = default;
};

struct DateTime {
  Date date;
  int hour = 0;
  int minute = 0;
  int second = 0;
  int zone_minutes = 0;  // offset east of UTC, e.g. -0700 is -420
  bool operator==(const DateTime&) const = default;
};

Result<Date> parse_date(std::string_view text);
Result<DateTime> parse_date_time(std::string_view text);

std::string format_date(const Date& d);           // "1-Feb-1994"
std::string format_date_time(const DateTime& d);  // "01-Feb-1994 21:52:25 -0800"

// Seconds since the Unix epoch of the instant d names (its zone applied).
int64_t to_unix_seconds(const DateTime& d);
// The date-time of a Unix instant expressed in the given zone.
DateTime from_unix_seconds(int64_t t, int zone_minutes = 0);

}  // namespace postino::imap
