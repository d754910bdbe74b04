#include "smtp/server/smtp_metrics.hpp"

#include <array>
#include <string>

namespace postino::smtp::server {
namespace {

constexpr size_t kVerbCount = size_t(Verb::Auth) + 1;

}  // namespace

metrics::Counter& command_counter(std::optional<Verb> verb) {
  static const std::array<metrics::Counter*, kVerbCount + 1> counters = [] {
    std::array<metrics::Counter*, kVerbCount + 1> a{};
    for (size_t i = 0; i <= kVerbCount; ++i) {
      std::string name = i < kVerbCount ? std::string(verb_name(Verb(i))) : "UNKNOWN";
      a[i] = &metrics::counter("postino_smtp_commands_total", "SMTP commands received",
                               {{"cmd", name}});
    }
    return a;
  }();
  return *counters[verb ? size_t(*verb) : kVerbCount];
}

metrics::Counter& message_counter(Mode mode) {
  return metrics::counter("postino_smtp_messages_total", "SMTP messages accepted",
                          {{"mode", mode_name(mode)}});
}

metrics::Counter& reject_counter(std::string_view reason) {
  return metrics::counter("postino_smtp_rejects_total", "SMTP refusals by reason",
                          {{"reason", std::string(reason)}});
}

}  // namespace postino::smtp::server
