#include "pop3/server/service.hpp"

#include "pop3/server/session.hpp"

namespace postino::pop3::server {

Service::Service(Options opts, store::AsyncStore& store, login::Authenticator& auth)
    : opts_(std::move(opts)), store_(store), auth_(auth) {}

boost::asio::awaitable<void> Service::handle(net::Connection& conn) {
  Session session(*this, conn);
  co_await session.run();
}

bool Service::try_lock(store::AccountId id) {
  std::lock_guard lock(mu_);
  return locked_.insert(id).second;
}

void Service::unlock(store::AccountId id) {
  std::lock_guard lock(mu_);
  locked_.erase(id);
}

}  // namespace postino::pop3::server
