// Delivery status notifications (RFC 3464) for the outbound queue: a
// multipart/report; report-type=delivery-status (RFC 6522) with a
// human-readable text/plain part, a message/delivery-status part (per-message
// fields, then one block per recipient: Original-Recipient, Final-Recipient,
// Action, Status, Remote-MTA, Diagnostic-Code, Last-Attempt-Date,
// Will-Retry-Until), and the original message: its header as
// text/rfc822-headers, or the whole of it as message/rfc822 with RET=FULL
// (RFC 3461 §4.3). The DSN is sent with a null reverse-path (RFC 3461 §6.2,
// RFC 5321 §4.5.5) and Auto-Submitted: auto-replied (RFC 3834 §5).
// wants_dsn() says which events a recipient's NOTIFY asks for (RFC 3461 §4.1;
// absent NOTIFY = FAILURE,DELAY, our default).
// Thread rules: pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace postino::queue {

enum class DsnAction { failed, delayed, delivered, relayed };

const char* dsn_action_name(DsnAction a);

struct DsnRecipient {
  std::string address;  // Final-Recipient (rfc822)
  std::string orcpt;    // "addr-type;address" from ORCPT, "" when absent
  DsnAction action = DsnAction::failed;
  std::string status;      // "5.1.1"
  std::string remote_mta;  // host name, "" when the failure is local
  std::string diagnostic;  // the remote reply line "550 5.1.1 …", "" when none
  int64_t last_attempt = 0;
  int64_t will_retry_until = 0;  // delayed only
};

struct DsnInput {
  std::string reporting_mta;  // our host name
  std::string sender;         // the original reverse-path (the DSN's recipient)
  std::string envid;          // original ENVID, "" when absent
  int64_t arrival = 0;        // when we accepted the message
  int64_t now = 0;
  bool full = false;          // RET=FULL: return the whole message
  std::string_view original;  // the original message bytes
  std::vector<DsnRecipient> recipients;
};

// The DSN message (CRLF line ends).
std::string build_dsn(const DsnInput& in);

enum class NotifyEvent { success, failure, delay };
bool wants_dsn(std::string_view notify, NotifyEvent event);

// RFC 5322 §3.3 date-time in UTC.
std::string rfc5322_date(int64_t unix_seconds);

}  // namespace postino::queue
