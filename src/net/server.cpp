#include "net/server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <csignal>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "base/log.hpp"
#include "base/metrics.hpp"
#include "net/connection_impl.hpp"

namespace postino::net {
namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
// After accept() fails for a reason other than shutdown (EMFILE, ENOBUFS).
constexpr auto kAcceptBackoff = std::chrono::milliseconds(100);

struct Listener {
  ListenerOptions opts;
  Handler handler;
  std::unique_ptr<tcp::acceptor> acceptor;
  metrics::Counter* total = nullptr;
  metrics::Gauge* active = nullptr;
  metrics::Counter* refused_global = nullptr;
  metrics::Counter* refused_per_ip = nullptr;
  metrics::Counter* refused_shutdown = nullptr;
};

// An io_context run by one thread whose pending handlers can be destroyed
// (its services shut down) before any context of the server is destroyed:
// an accept on the first context owns the new socket of another one.
class IoContext : public asio::io_context {
 public:
  IoContext() : asio::io_context(1) {}
  void shut_down() { shutdown(); }
};

int64_t millis_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t)
      .count();
}

}  // namespace

struct Server::Impl {
  Impl(ServerOptions o, std::shared_ptr<TlsContext> t) : opts(o), tls(std::move(t)) {
    unsigned n = opts.threads ? opts.threads : std::thread::hardware_concurrency();
    if (n == 0) n = 1;
    for (unsigned i = 0; i < n; ++i) iocs.push_back(std::make_unique<IoContext>());
    ioc = iocs.front().get();
    control.emplace(asio::make_strand(ioc->get_executor()));
  }
  ~Impl();

  awaitable<void> accept_loop(Listener* l);
  void admit(Listener* l, tcp::socket sock);
  awaitable<void> session(std::shared_ptr<Connection> c, Listener* l, std::string ip);
  void release(Listener* l, uint64_t serial, const std::string& ip);
  void stop();
  void on_stop_control();
  void wait_signal();
  void stop_all();

  ServerOptions opts;
  std::shared_ptr<TlsContext> tls;
  // One io_context per I/O thread, each run by that thread alone: a
  // connection lives on one of them (round robin at accept), so its reads,
  // writes and timers never wake another thread. The first also runs the
  // acceptors and the control strand.
  std::vector<std::unique_ptr<IoContext>> iocs;
  asio::io_context* ioc = nullptr;
  size_t next_ioc = 0;            // control strand only
  std::optional<Strand> control;  // acceptors, signals, the drain timer
  std::vector<std::unique_ptr<Listener>> listeners;
  std::unique_ptr<asio::signal_set> signals;
  std::unique_ptr<asio::steady_timer> drain_timer;

  mutable std::mutex mu;  // guards the fields below; never held across co_await
  bool stopping = false;
  bool destroying = false;
  size_t total = 0;
  uint64_t next_serial = 0;
  std::unordered_map<uint64_t, std::weak_ptr<Connection>> conns;
  std::unordered_map<std::string, size_t> per_ip;
};

Server::Impl::~Impl() {
  {
    std::lock_guard lk(mu);
    destroying = true;
  }
  signals.reset();
  drain_timer.reset();
  for (auto& l : listeners) l->acceptor.reset();
  control.reset();  // the strand's state lives in an io_context service
  // Destroys unfinished sessions (their release() sees `destroying`) and
  // pending accepts on every context, then the contexts themselves.
  for (auto& c : iocs) c->shut_down();
  iocs.clear();
}

void Server::Impl::stop_all() {
  for (auto& c : iocs) c->stop();
}

awaitable<void> Server::Impl::accept_loop(Listener* l) {
  for (;;) {
    auto& target = *iocs[next_ioc++ % iocs.size()];
    auto [ec, sock] = co_await l->acceptor->async_accept(
        asio::any_io_executor(asio::make_strand(target.get_executor())), kTuple);
    if (ec) {
      if (ec == asio::error::operation_aborted || !l->acceptor->is_open()) co_return;
      log::warn("net.accept_error", {{"listener", l->opts.name}, {"error", ec.message()}});
      asio::steady_timer backoff(*control, kAcceptBackoff);
      co_await backoff.async_wait(kTuple);
      continue;
    }
    admit(l, std::move(sock));
  }
}

void Server::Impl::admit(Listener* l, tcp::socket sock) {
  boost::system::error_code ec;
  auto ep = sock.remote_endpoint(ec);
  if (ec) return;  // already gone
  // Sessions buffer their output and flush once per reply: Nagle would only
  // hold back the last small segment of a reply (e.g. ".\r\n") for an ACK.
  sock.set_option(tcp::no_delay(true), ec);
  auto addr = ep.address();
  if (addr.is_v6() && addr.to_v6().is_v4_mapped())
    addr = asio::ip::make_address_v4(asio::ip::v4_mapped, addr.to_v6());
  std::string ip = addr.to_string();

  const char* refused = nullptr;
  metrics::Counter* refused_counter = nullptr;
  uint64_t serial = 0;
  {
    std::lock_guard lk(mu);
    if (stopping) {
      refused = "shutdown";
      refused_counter = l->refused_shutdown;
    } else if (total >= opts.max_connections) {
      refused = "global_limit";
      refused_counter = l->refused_global;
    } else if (per_ip[ip] >= opts.max_connections_per_ip) {
      refused = "per_ip_limit";
      refused_counter = l->refused_per_ip;
    } else {
      ++total;
      ++per_ip[ip];
      serial = next_serial++;
    }
    if (refused && per_ip[ip] == 0) per_ip.erase(ip);
  }
  if (refused) {
    refused_counter->inc();
    log::info("net.refused", {{"listener", l->opts.name}, {"ip", ip}, {"reason", refused}});
    // Best effort: one non-blocking write of the refusal line, then close.
    sock.non_blocking(true, ec);
    if (!l->opts.refusal_line.empty()) sock.write_some(asio::buffer(l->opts.refusal_line), ec);
    sock.shutdown(tcp::socket::shutdown_both, ec);
    sock.close(ec);
    return;
  }

  auto exec = sock.get_executor();
  auto conn = std::make_shared<Connection>(
      std::make_unique<Connection::Impl>(std::move(sock), l->opts.name, tls));
  conn->set_timeout(opts.idle_timeout);
  bool late;
  {
    std::lock_guard lk(mu);
    conns.emplace(serial, conn);
    late = stopping;
  }
  // stop() ran between admission and registration: the session has not
  // started, so telling it directly is safe.
  if (late) conn->notify_shutdown();
  l->total->inc();
  l->active->add(1);
  // Lives as long as the session coroutine (also if the io_context is
  // destroyed with the session unfinished).
  struct Release {
    Release(Impl* i, Listener* li, uint64_t s, std::string a)
        : impl(i), l(li), serial(s), ip(std::move(a)) {}
    Release(const Release&) = delete;
    ~Release() { impl->release(l, serial, ip); }
    Impl* impl;
    Listener* l;
    uint64_t serial;
    std::string ip;
  };
  auto rel = std::make_shared<Release>(this, l, serial, ip);
  asio::co_spawn(
      exec, [this, conn, l, ip, rel]() -> awaitable<void> { co_await session(conn, l, ip); },
      asio::detached);
}

awaitable<void> Server::Impl::session(std::shared_ptr<Connection> c, Listener* l, std::string ip) {
  auto start = std::chrono::steady_clock::now();
  log::info("net.connect", {{"conn", c->id()},
                            {"listener", l->opts.name},
                            {"remote", c->remote_endpoint()},
                            {"local", c->local_endpoint()}});
  bool ready = true;
  if (l->opts.implicit_tls) {
    c->set_timeout(opts.tls_handshake_timeout);
    ready = (co_await c->start_tls()).ok();
    c->set_timeout(opts.idle_timeout);
  }
  if (ready) {
    try {
      co_await l->handler(*c);
    } catch (const std::exception& e) {
      log::error("net.handler_exception", {{"conn", c->id()}, {"error", e.what()}});
    }
  }
  co_await c->close();
  log::info("net.disconnect", {{"conn", c->id()}, {"duration_ms", millis_since(start)}});
}

void Server::Impl::release(Listener* l, uint64_t serial, const std::string& ip) {
  bool done;
  {
    std::lock_guard lk(mu);
    conns.erase(serial);
    auto it = per_ip.find(ip);
    if (it != per_ip.end() && --it->second == 0) per_ip.erase(it);
    --total;
    done = stopping && total == 0 && !destroying;
  }
  l->active->sub(1);
  if (done) stop_all();
}

void Server::Impl::stop() {
  std::vector<std::shared_ptr<Connection>> live;
  {
    std::lock_guard lk(mu);
    if (stopping) return;
    stopping = true;
    for (auto& [serial, weak] : conns)
      if (auto c = weak.lock()) live.push_back(std::move(c));
  }
  log::info("net.draining", {{"connections", live.size()}});
  asio::post(*control, [this] { on_stop_control(); });
  for (auto& c : live) {
    asio::post(c->impl().socket.get_executor(), [c] { c->notify_shutdown(); });
  }
}

void Server::Impl::on_stop_control() {
  boost::system::error_code ec;
  for (auto& l : listeners) l->acceptor->close(ec);
  if (signals) signals->cancel(ec);
  bool empty;
  {
    std::lock_guard lk(mu);
    empty = total == 0;
  }
  if (empty) {
    stop_all();
    return;
  }
  drain_timer = std::make_unique<asio::steady_timer>(*control, opts.shutdown_grace);
  drain_timer->async_wait([this](const boost::system::error_code& e) {
    if (e) return;
    std::lock_guard lk(mu);
    log::warn("net.drain_deadline", {{"connections", total}});
    stop_all();
  });
}

void Server::Impl::wait_signal() {
  signals->async_wait([this](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    if (sig == SIGHUP) {
      log::info("net.sighup", {});
      if (tls) (void)tls->reload();
      wait_signal();
      return;
    }
    log::info("net.signal", {{"signal", sig}});
    stop();
  });
}

Server::Server(ServerOptions opts, std::shared_ptr<TlsContext> tls)
    : impl_(std::make_unique<Impl>(opts, std::move(tls))) {}

Server::~Server() = default;

Result<uint16_t> Server::add_listener(ListenerOptions opts, Handler handler) {
  auto& im = *impl_;
  if (opts.implicit_tls && !im.tls)
    return make_error(Errc::invalid,
                      "listener " + opts.name + ": implicit TLS without a certificate");
  std::string host = opts.host;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (host == "localhost") host = "127.0.0.1";
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(host, ec);
  if (ec) return make_error(Errc::invalid, "listener " + opts.name + ": bad address " + opts.host);
  tcp::endpoint ep(addr, opts.port);
  auto l = std::make_unique<Listener>();
  l->acceptor = std::make_unique<tcp::acceptor>(*im.control);
  auto& acc = *l->acceptor;
  std::string where = opts.name + " " + host + ":" + std::to_string(opts.port);
  acc.open(ep.protocol(), ec);
  if (!ec) acc.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec && addr.is_v6()) acc.set_option(asio::ip::v6_only(true), ec);
  if (!ec) acc.bind(ep, ec);
  if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return make_error(Errc::io, "cannot listen on " + where + ": " + ec.message());
  uint16_t port = acc.local_endpoint(ec).port();

  metrics::Labels lbl{{"listener", opts.name}};
  l->total = &metrics::counter("postino_connections_total", "Connections accepted", lbl);
  l->active = &metrics::gauge("postino_connections_active", "Connections open now", lbl);
  auto refused = [&](const char* reason) {
    return &metrics::counter("postino_connections_refused_total",
                             "Connections refused at accept time",
                             {{"listener", opts.name}, {"reason", reason}});
  };
  l->refused_global = refused("global_limit");
  l->refused_per_ip = refused("per_ip_limit");
  l->refused_shutdown = refused("shutdown");
  log::info("net.listen", {{"listener", opts.name},
                           {"address", addr.to_string()},
                           {"port", port},
                           {"tls", opts.implicit_tls ? "implicit" : "none"}});
  l->opts = std::move(opts);
  l->handler = std::move(handler);
  Listener* raw = l.get();
  im.listeners.push_back(std::move(l));
  asio::co_spawn(*im.control, im.accept_loop(raw), asio::detached);
  return port;
}

void Server::run() {
  auto& im = *impl_;
  if (im.opts.handle_signals) {
    im.signals = std::make_unique<asio::signal_set>(*im.control, SIGTERM, SIGINT, SIGHUP);
    im.wait_signal();
  }
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> work;
  for (auto& c : im.iocs) work.push_back(asio::make_work_guard(*c));
  auto loop = [](asio::io_context& ioc) {
    for (;;) {
      try {
        ioc.run();
        return;
      } catch (const std::exception& e) {
        log::error("net.io_exception", {{"error", e.what()}});
      }
    }
  };
  std::vector<std::thread> threads;
  for (size_t i = 1; i < im.iocs.size(); ++i)
    threads.emplace_back([&loop, &c = *im.iocs[i]] { loop(c); });
  loop(*im.ioc);
  for (auto& t : threads) t.join();
  log::info("net.stopped", {});
}

void Server::stop() { impl_->stop(); }

size_t Server::active_connections() const {
  std::lock_guard lk(impl_->mu);
  return impl_->total;
}

asio::io_context& Server::io_context() { return *impl_->ioc; }
const std::shared_ptr<TlsContext>& Server::tls() const { return impl_->tls; }

}  // namespace postino::net
