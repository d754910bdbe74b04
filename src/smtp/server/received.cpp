#include "smtp/server/received.hpp"

#include <ctime>

namespace postino::smtp::server {
namespace {

constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr const char* kFold = "\r\n\t";

// Comments and the EHLO name must not break the header: keep printable ASCII
// and UTF-8, drop controls and parentheses.
std::string clean(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f || c == '(' || c == ')' || c == '\\') continue;
    out += char(c);
  }
  return out;
}

}  // namespace

std::string with_protocol(const ReceivedInfo& info) {
  if (!info.esmtp) return "SMTP";
  std::string p = info.smtputf8 ? "UTF8SMTP" : "ESMTP";
  if (info.tls) p += 'S';
  if (info.authenticated) p += 'A';
  return p;
}

std::string address_literal(const std::string& ip) {
  if (ip.find(':') != std::string::npos) return "[IPv6:" + ip + "]";
  return "[" + ip + "]";
}

std::string rfc5322_date(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

std::string received_header(const ReceivedInfo& info) {
  std::string h =
      "Received: from " + clean(info.helo) + " (" + address_literal(info.client_ip) + ")";
  h += kFold;
  h += "by " + clean(info.by_host) + " (postino) with " + with_protocol(info);
  if (!info.id.empty()) h += " id " + clean(info.id);
  if (info.tls) {
    h += kFold;
    h += "(version=" + clean(info.tls_version) + " cipher=" + clean(info.tls_cipher) + ")";
  }
  if (!info.for_address.empty()) {
    h += kFold;
    h += "for <" + clean(info.for_address) + ">";
  }
  h += ";";
  h += kFold;
  h += rfc5322_date(info.time);
  h += "\r\n";
  return h;
}

}  // namespace postino::smtp::server
