#include "queue/dsn.hpp"

#include <ctime>

#include "base/strings.hpp"

namespace postino::queue {

namespace {

constexpr size_t kMaxReturnedHeaderBytes = 64 * 1024;
constexpr size_t kBoundaryChars = 24;

// Header-safe text: printable ASCII and spaces only (no CR/LF injection).
std::string clean(std::string_view s) {
  std::string out;
  for (unsigned char c : s) out += (c >= 0x20 && c < 0x7f) ? char(c) : ' ';
  return out;
}

// The header section of `msg` (without the empty line), bounded.
std::string_view header_of(std::string_view msg) {
  size_t end = msg.find("\r\n\r\n");
  size_t keep = end == std::string_view::npos ? msg.size() : end + 2;
  if (keep > kMaxReturnedHeaderBytes) {
    size_t cut = msg.rfind("\r\n", kMaxReturnedHeaderBytes);
    keep = cut == std::string_view::npos ? 0 : cut + 2;
  }
  return msg.substr(0, keep);
}

std::string address_type(std::string_view addr) {
  for (unsigned char c : addr)
    if (c & 0x80) return "utf-8";  // RFC 6533 §3
  return "rfc822";
}

}  // namespace

const char* dsn_action_name(DsnAction a) {
  switch (a) {
    case DsnAction::failed:
      return "failed";
    case DsnAction::delayed:
      return "delayed";
    case DsnAction::delivered:
      return "delivered";
    case DsnAction::relayed:
      return "relayed";
  }
  return "failed";
}

std::string rfc5322_date(int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

bool wants_dsn(std::string_view notify, NotifyEvent event) {
  // RFC 3461 §4.1: NEVER, or a list of SUCCESS, FAILURE, DELAY. Without
  // NOTIFY, FAILURE and DELAY are reported (the implementation's choice).
  if (notify.empty()) return event != NotifyEvent::success;
  const char* want = event == NotifyEvent::success   ? "SUCCESS"
                     : event == NotifyEvent::failure ? "FAILURE"
                                                     : "DELAY";
  for (auto part : split(notify, ','))
    if (iequals(trim(part), want)) return true;
  return false;
}

std::string build_dsn(const DsnInput& in) {
  bool any_failed = false, any_delayed = false;
  for (const auto& r : in.recipients) {
    any_failed = any_failed || r.action == DsnAction::failed;
    any_delayed = any_delayed || r.action == DsnAction::delayed;
  }
  std::string subject = any_failed    ? "Undelivered Mail Returned to Sender"
                        : any_delayed ? "Delayed Mail (still being retried)"
                                      : "Successful Mail Delivery Report";
  std::string boundary = "=_postino_" + random_token(kBoundaryChars);
  std::string host = clean(in.reporting_mta);
  std::string out;
  out += "From: Mail Delivery System <MAILER-DAEMON@" + host + ">\r\n";
  out += "To: <" + clean(in.sender) + ">\r\n";
  out += "Subject: " + subject + "\r\n";
  out += "Date: " + rfc5322_date(in.now) + "\r\n";
  out += "Message-ID: <" + random_token(20) + "@" + host + ">\r\n";
  out += "Auto-Submitted: auto-replied\r\n";  // RFC 3834 §5
  out += "MIME-Version: 1.0\r\n";
  // RFC 3464 §2 / RFC 6522 §3.
  out += "Content-Type: multipart/report; report-type=delivery-status;\r\n";
  out += "\tboundary=\"" + boundary + "\"\r\n";
  out += "\r\n";
  out += "This is a MIME-encapsulated delivery status notification.\r\n";

  // Part 1: for people.
  out += "\r\n--" + boundary + "\r\n";
  out += "Content-Type: text/plain; charset=us-ascii\r\n";
  out += "Content-Description: Notification\r\n\r\n";
  out += "This is the mail system at host " + host + ".\r\n\r\n";
  if (any_failed)
    out +=
        "Your message could not be delivered to one or more recipients.\r\n"
        "It is attached below.\r\n\r\n";
  else if (any_delayed)
    out +=
        "Your message has not been delivered yet to one or more recipients.\r\n"
        "The mail system will keep trying; you need not send it again.\r\n\r\n";
  else
    out += "Your message was delivered to the recipients listed below.\r\n\r\n";
  for (const auto& r : in.recipients) {
    out += "<" + clean(r.address) + ">: " + dsn_action_name(r.action);
    if (!r.remote_mta.empty()) out += " (host " + clean(r.remote_mta) + ")";
    out += "\r\n";
    if (!r.diagnostic.empty()) out += "    " + clean(r.diagnostic) + "\r\n";
  }

  // Part 2: RFC 3464 §2.2 per-message fields, §2.3 per-recipient fields.
  out += "\r\n--" + boundary + "\r\n";
  out += "Content-Type: message/delivery-status\r\n";
  out += "Content-Description: Delivery report\r\n\r\n";
  out += "Reporting-MTA: dns; " + host + "\r\n";
  if (!in.envid.empty()) out += "Original-Envelope-Id: " + clean(in.envid) + "\r\n";
  if (in.arrival) out += "Arrival-Date: " + rfc5322_date(in.arrival) + "\r\n";
  for (const auto& r : in.recipients) {
    out += "\r\n";
    size_t semi = r.orcpt.find(';');
    if (semi != std::string::npos)
      out += "Original-Recipient: " + clean(r.orcpt.substr(0, semi)) + "; " +
             clean(r.orcpt.substr(semi + 1)) + "\r\n";
    out += "Final-Recipient: " + address_type(r.address) + "; " + clean(r.address) + "\r\n";
    out += std::string("Action: ") + dsn_action_name(r.action) + "\r\n";
    out += "Status: " + clean(r.status) + "\r\n";
    if (!r.remote_mta.empty()) out += "Remote-MTA: dns; " + clean(r.remote_mta) + "\r\n";
    if (!r.diagnostic.empty()) out += "Diagnostic-Code: smtp; " + clean(r.diagnostic) + "\r\n";
    if (r.last_attempt) out += "Last-Attempt-Date: " + rfc5322_date(r.last_attempt) + "\r\n";
    if (r.action == DsnAction::delayed && r.will_retry_until)
      out += "Will-Retry-Until: " + rfc5322_date(r.will_retry_until) + "\r\n";
  }

  // Part 3: the original: text/rfc822-headers (RFC 6522 §4) or, for RET=FULL
  // (RFC 3461 §4.3), the whole message.
  out += "\r\n--" + boundary + "\r\n";
  if (in.full) {
    out += "Content-Type: message/rfc822\r\n";
    out += "Content-Description: Undelivered message\r\n\r\n";
    out += in.original;
    if (!in.original.empty() && in.original.back() != '\n') out += "\r\n";
  } else {
    out += "Content-Type: text/rfc822-headers\r\n";
    out += "Content-Description: Undelivered message headers\r\n\r\n";
    out += header_of(in.original);
  }
  out += "\r\n--" + boundary + "--\r\n";
  return out;
}

}  // namespace postino::queue
