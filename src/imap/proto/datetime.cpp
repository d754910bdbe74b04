#include "imap/proto/datetime.hpp"

#include <array>
#include <cstdio>

#include "base/strings.hpp"

namespace postino::imap {

namespace {

constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr int kMinYear = 1;
constexpr int kMaxYear = 9999;
constexpr int kMaxZoneMinutes = 99 * 60 + 59;

Error bad(const char* what) { return make_error(Errc::invalid, what); }

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(int y, int m) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return (m == 2 && leap(y)) ? 29 : kDays[m - 1];
}

bool digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

int to_int(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

// "d-Mon-yyyy" / "dd-Mon-yyyy"; with fixed_day the day is exactly 2 chars,
// the first possibly a space (date-day-fixed).
Result<Date> parse_date_impl(std::string_view s, bool fixed_day) {
  size_t dash = s.find('-');
  if (dash == std::string_view::npos) return bad("bad date");
  std::string_view day = s.substr(0, dash);
  if (fixed_day) {
    if (day.size() != 2) return bad("bad day");
    if (day[0] == ' ') day.remove_prefix(1);
  } else if (day.size() > 2) {
    return bad("bad day");
  }
  std::string_view rest = s.substr(dash + 1);
  if (rest.size() != 8 || rest[3] != '-') return bad("bad date");
  Date d;
  d.month = 0;
  for (size_t i = 0; i < kMonths.size(); ++i)
    if (iequals(rest.substr(0, 3), kMonths[i])) d.month = static_cast<int>(i) + 1;
  std::string_view year = rest.substr(4);
  if (!digits(day) || !digits(year) || d.month == 0) return bad("bad date");
  d.day = to_int(day);
  d.year = to_int(year);
  if (d.year < kMinYear || d.year > kMaxYear) return bad("bad year");
  if (d.day < 1 || d.day > days_in_month(d.year, d.month)) return bad("bad day");
  return d;
}

// Days from 1970-01-01 to y-m-d (proleptic Gregorian).
int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

}  // namespace

Result<Date> parse_date(std::string_view text) { return parse_date_impl(text, false); }

// RFC 9051 §9: date-time = DQUOTE date-day-fixed "-" date-month "-" date-year
//                          SP time SP zone DQUOTE
Result<DateTime> parse_date_time(std::string_view s) {
  if (s.size() != 26 || s[11] != ' ' || s[20] != ' ') return bad("bad date-time");
  auto date = parse_date_impl(s.substr(0, 11), true);
  if (!date) return date.take_error();
  std::string_view time = s.substr(12, 8), zone = s.substr(21);
  if (time[2] != ':' || time[5] != ':') return bad("bad time");
  std::string_view hh = time.substr(0, 2), mm = time.substr(3, 2), ss = time.substr(6, 2);
  if (!digits(hh) || !digits(mm) || !digits(ss)) return bad("bad time");
  if ((zone[0] != '+' && zone[0] != '-') || !digits(zone.substr(1))) return bad("bad zone");
  DateTime dt;
  dt.date = *date;
  dt.hour = to_int(hh);
  dt.minute = to_int(mm);
  dt.second = to_int(ss);
  if (dt.hour > 23 || dt.minute > 59 || dt.second > 60) return bad("bad time");
  int zh = to_int(zone.substr(1, 2)), zm = to_int(zone.substr(3, 2));
  if (zm > 59) return bad("bad zone");
  dt.zone_minutes = (zone[0] == '-' ? -1 : 1) * (zh * 60 + zm);
  return dt;
}

std::string format_date(const Date& d) {
  char buf[32];
  int m = (d.month >= 1 && d.month <= 12) ? d.month : 1;
  std::snprintf(buf, sizeof buf, "%d-%s-%04d", d.day, kMonths[m - 1], d.year);
  return buf;
}

std::string format_date_time(const DateTime& t) {
  char buf[48];
  int m = (t.date.month >= 1 && t.date.month <= 12) ? t.date.month : 1;
  int z = t.zone_minutes < 0 ? -t.zone_minutes : t.zone_minutes;
  if (z > kMaxZoneMinutes) z = kMaxZoneMinutes;
  std::snprintf(buf, sizeof buf, "%02d-%s-%04d %02d:%02d:%02d %c%02d%02d", t.date.day,
                kMonths[m - 1], t.date.year, t.hour, t.minute, t.second,
                t.zone_minutes < 0 ? '-' : '+', z / 60, z % 60);
  return buf;
}

int64_t to_unix_seconds(const DateTime& t) {
  int64_t days = days_from_civil(t.date.year, t.date.month, t.date.day);
  return days * 86400 + t.hour * 3600 + t.minute * 60 + t.second - int64_t{t.zone_minutes} * 60;
}

DateTime from_unix_seconds(int64_t t, int zone_minutes) {
  t += int64_t{zone_minutes} * 60;
  int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
  int64_t secs = t - days * 86400;
  // civil_from_days
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  DateTime dt;
  dt.date = Date{static_cast<int>(y + (m <= 2)), m, d};
  dt.hour = static_cast<int>(secs / 3600);
  dt.minute = static_cast<int>(secs % 3600 / 60);
  dt.second = static_cast<int>(secs % 60);
  dt.zone_minutes = zone_minutes;
  return dt;
}

}  // namespace postino::imap
