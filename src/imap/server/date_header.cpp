#include "imap/server/date_header.hpp"

#include <cctype>
#include <string>
#include <vector>

#include "base/strings.hpp"

namespace postino::imap::server {

namespace {

constexpr const char* kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                   "jul", "aug", "sep", "oct", "nov", "dec"};

std::vector<std::string> tokens(std::string_view v) {
  std::vector<std::string> out;
  std::string cur;
  int comment = 0;
  for (char c : v) {
    if (c == '(') ++comment;
    if (comment) {
      if (c == ')') --comment;
      continue;
    }
    if (c == ' ' || c == '\t' || c == ',' || c == '\r' || c == '\n') {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

std::optional<int> number(std::string_view s) {
  auto n = parse_u64(s);
  if (!n || *n > 100000) return std::nullopt;
  return static_cast<int>(*n);
}

std::optional<int> zone_minutes(std::string_view z) {
  if (z.size() == 5 && (z[0] == '+' || z[0] == '-')) {
    auto n = number(z.substr(1));
    if (!n) return std::nullopt;
    int m = (*n / 100) * 60 + *n % 100;
    return z[0] == '-' ? -m : m;
  }
  std::string u = to_upper(z);
  if (u == "UT" || u == "GMT" || u == "Z") return 0;
  if (u == "EST") return -300;
  if (u == "EDT") return -240;
  if (u == "CST") return -360;
  if (u == "CDT") return -300;
  if (u == "MST") return -420;
  if (u == "MDT") return -360;
  if (u == "PST") return -480;
  if (u == "PDT") return -420;
  return 0;  // RFC 5322 §4.3: unknown zones are treated as -0000
}

}  // namespace

std::optional<HeaderDate> parse_header_date(std::string_view value) {
  auto t = tokens(value);
  size_t i = 0;
  if (i < t.size() && !t[i].empty() && std::isalpha(static_cast<unsigned char>(t[i][0]))) ++i;
  if (t.size() < i + 4) return std::nullopt;
  auto day = number(t[i]);
  int month = 0;
  for (int m = 0; m < 12; ++m)
    if (t[i + 1].size() >= 3 && iequals(std::string_view(t[i + 1]).substr(0, 3), kMonths[m]))
      month = m + 1;
  auto year = number(t[i + 2]);
  if (!day || !month || !year || *day < 1 || *day > 31) return std::nullopt;
  int y = *year;
  if (t[i + 2].size() <= 2)
    y += y < 50 ? 2000 : 1900;  // RFC 5322 §4.3
  else if (t[i + 2].size() == 3)
    y += 1900;
  auto parts = split(t[i + 3], ':');
  if (parts.size() < 2) return std::nullopt;
  auto hh = number(parts[0]), mm = number(parts[1]);
  auto ss = parts.size() > 2 ? number(parts[2]) : std::optional<int>(0);
  if (!hh || !mm || !ss || *hh > 23 || *mm > 59 || *ss > 60) return std::nullopt;
  int zone = 0;
  if (t.size() > i + 4) {
    auto z = zone_minutes(t[i + 4]);
    if (z) zone = *z;
  }
  DateTime dt;
  dt.date = Date{y, month, *day};
  dt.hour = *hh;
  dt.minute = *mm;
  dt.second = std::min(*ss, 59);
  dt.zone_minutes = zone;
  // Validate the day against the month through the IMAP date parser.
  auto check = parse_date(format_date(dt.date));
  if (!check) return std::nullopt;
  return HeaderDate{dt.date, to_unix_seconds(dt)};
}

}  // namespace postino::imap::server
