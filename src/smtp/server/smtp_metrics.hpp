// Prometheus metrics of the inbound SMTP service:
//   postino_smtp_commands_total{cmd}     commands received ("UNKNOWN" for unparsable ones)
//   postino_smtp_messages_total{mode}    messages accepted, by listener mode
//   postino_smtp_rejects_total{reason}   refusals, by reason ("relay_denied", "unknown_user", ...)
// Thread rules: the counters are process-wide and lock-free once looked up.
#pragma once

#include <optional>
#include <string_view>

#include "base/metrics.hpp"
#include "smtp/proto/command.hpp"
#include "smtp/server/service.hpp"

namespace postino::smtp::server {

metrics::Counter& command_counter(std::optional<Verb> verb);
metrics::Counter& message_counter(Mode mode);
metrics::Counter& reject_counter(std::string_view reason);

}  // namespace postino::smtp::server
