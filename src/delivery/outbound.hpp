// The hand-off from an SMTP session to outbound delivery: one accepted message
// with its envelope (RFC 5321 §3.3) and the DSN parameters (RFC 3461) the queue
// needs to report on it. OutboundQueue::enqueue returns only once the message
// is durable, so the session may send its 250 right after (DESIGN.md
// "Durability").
// Ownership: OutboundMessage owns its strings; raw is shared with the local
// delivery of the same message. Thread rules: implementations must be callable
// from any session coroutine concurrently.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/result.hpp"

namespace postino::delivery {

// Per-recipient DSN parameters (RFC 3461 §4.1, §4.2).
struct OutboundRecipient {
  std::string address;  // forward-path mailbox
  std::string notify;   // "" (absent), "NEVER", or a comma list of SUCCESS,FAILURE,DELAY
  std::string orcpt;    // "addr-type;address" (address decoded), "" when absent
};

struct OutboundMessage {
  std::string id;         // queue id, also in the Received header
  std::string mail_from;  // "" = null reverse-path
  std::vector<std::string> rcpts;
  std::vector<OutboundRecipient> recipients;  // parallel to rcpts, DSN data
  std::string dsn_ret;                        // "", "FULL" or "HDRS" (RFC 3461 §4.3)
  std::string dsn_envid;                      // decoded ENVID (RFC 3461 §4.4)
  std::string body_type;                      // "7BIT", "8BITMIME" or "BINARYMIME"
  bool smtputf8 = false;                      // RFC 6531
  std::shared_ptr<const std::string> raw;     // the message, trace headers included
  std::string authenticated_user;             // "" when the session was not authenticated
  std::string client_ip;
  int64_t received_at = 0;  // unix seconds
};

class OutboundQueue {
 public:
  virtual ~OutboundQueue() = default;
  // Durable before it returns ok.
  virtual boost::asio::awaitable<Status> enqueue(OutboundMessage msg) = 0;
};

}  // namespace postino::delivery
