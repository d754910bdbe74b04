#include "imap/server/service.hpp"

#include "imap/server/session.hpp"

namespace postino::imap::server {

Service::Service(Options opts, store::AsyncStore& store, login::Authenticator& auth)
    : opts_(std::move(opts)), store_(store), auth_(auth) {}

boost::asio::awaitable<void> Service::handle(net::Connection& conn) {
  Session session(opts_, store_, auth_, conn);
  co_await session.run();
}

}  // namespace postino::imap::server
