#include "smtp/server/service.hpp"

#include <exception>

#include "base/log.hpp"
#include "smtp/server/session.hpp"

namespace postino::smtp::server {

const char* mode_name(Mode m) {
  switch (m) {
    case Mode::mx:
      return "mx";
    case Mode::submission:
      return "submission";
    case Mode::submissions:
      return "submissions";
  }
  return "mx";
}

Service::Service(Options opts, store::AsyncStore& store, login::Authenticator& auth,
                 delivery::OutboundQueue& outbound, dns::Resolver* resolver)
    : opts_(std::move(opts)), store_(store), auth_(auth), outbound_(outbound), resolver_(resolver) {
  if (opts_.mailauth.authserv_id.empty()) opts_.mailauth.authserv_id = opts_.hostname;
}

awaitable<void> Service::handle(net::Connection& conn, Mode mode) {
  // Nothing may escape a session (DESIGN.md "Style"); a failure ends only it.
  try {
    Session s(*this, conn, mode);
    co_await s.run();
  } catch (const std::exception& e) {
    log::error("smtp.session_failed", {{"conn", conn.id()}, {"error", e.what()}});
  }
}

}  // namespace postino::smtp::server
