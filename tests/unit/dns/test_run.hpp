// Test helper: runs one awaitable to completion on a private io_context and
// returns its value. For unit tests of coroutine APIs (SPF, DKIM, DMARC).
#pragma once

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <exception>
#include <optional>
#include <utility>

namespace postino::testing {

template <class T>
T run_sync(boost::asio::awaitable<T> aw) {
  boost::asio::io_context io;
  std::optional<T> out;
  auto wrap = [](boost::asio::awaitable<T> a, std::optional<T>& o) -> boost::asio::awaitable<void> {
    o.emplace(co_await std::move(a));
  };
  boost::asio::co_spawn(io, wrap(std::move(aw), out), [](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
  });
  io.run();
  return std::move(*out);
}

}  // namespace postino::testing
