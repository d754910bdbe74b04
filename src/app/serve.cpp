// `postino serve`: wires the configured listeners to the protocol services.
// Order matters (DESIGN.md "Security"): TLS material is loaded and every port
// bound while still root; then data_dir is handed to the service user and
// privileges are dropped; only then is the store opened and the I/O threads
// started, so no thread and no file outlives the drop with root rights.
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "admin/http_server.hpp"
#include "app/cli.hpp"
#include "auth/throttle.hpp"
#include "base/log.hpp"
#include "dns/unbound_resolver.hpp"
#include "imap/server/service.hpp"
#include "login/authenticator.hpp"
#include "mailauth/dkim/keyring.hpp"
#include "net/memory.hpp"
#include "net/privileges.hpp"
#include "net/server.hpp"
#include "net/tls.hpp"
#include "pop3/server/service.hpp"
#include "queue/mta_sts/mta_sts.hpp"
#include "queue/queue.hpp"
#include "smtp/server/service.hpp"
#include "store/async_store.hpp"
#include "store/open.hpp"
#include "store/queue_store.hpp"

namespace postino::app {
namespace {

namespace asio = boost::asio;

log::Level parse_level(const std::string& s) {
  if (s == "debug") return log::Level::debug;
  if (s == "warn") return log::Level::warn;
  if (s == "error") return log::Level::error;
  return log::Level::info;
}

// Everything the handlers need; built after the privilege drop, before run().
struct Services {
  std::unique_ptr<store::StoreBackend> backend;
  std::unique_ptr<store::AsyncStore> store;
  std::unique_ptr<auth::AuthThrottle> throttle;
  std::unique_ptr<login::Authenticator> authenticator;
  std::unique_ptr<dns::Resolver> resolver;  // [dns]: mail authentication look-ups
  std::unique_ptr<queue::Queue> outbound;
  std::unique_ptr<smtp::server::Service> smtp;
  std::unique_ptr<imap::server::Service> imap;
  std::unique_ptr<pop3::server::Service> pop3;
};

struct ListenerSpec {
  const char* name;
  const std::vector<config::Endpoint>* endpoints;
  bool implicit_tls;
  const char* refusal;  // sent to a connection refused by a limit
  const char* what;     // for the start-up banner
};

int fail(const std::string& msg) {
  std::cerr << "postino: " << msg << "\n";
  log::error("serve.fail", {{"reason", msg}});
  return kExitFailed;
}

// The outbound queue with its own resolver and MTA-STS cache (made on the
// queue's executor), DKIM signing with the keys in data_dir; it imports any
// leftover spool files and starts delivering.
Status start_queue(const config::Config& cfg, Services& svc) {
  const auto& q = cfg.queue;
  queue::Options qo;
  qo.hostname = cfg.server.hostname;
  qo.node_id = cfg.server.hostname;
  qo.data_dir = cfg.server.data_dir;
  qo.smtp_port = q.smtp_port;
  qo.retry.lifetime = q.lifetime;
  qo.retry.delay_warning = q.delay_warning;
  qo.retry.retry_min = q.retry_min;
  qo.retry.retry_max = q.retry_max;
  qo.max_per_domain = q.max_per_domain;
  qo.max_connections = q.max_connections;
  qo.poll_interval = std::chrono::seconds(q.poll_interval);
  qo.tls_ca_file = q.tls_ca_file;
  qo.client.helo_name = q.helo_name.empty() ? cfg.server.hostname : q.helo_name;
  qo.client.connect_timeout = std::chrono::seconds(q.connect_timeout);
  qo.client.greeting_timeout = std::chrono::seconds(q.command_timeout);
  qo.client.command_timeout = std::chrono::seconds(q.command_timeout);
  qo.client.data_final_timeout = std::chrono::seconds(2 * q.command_timeout);
  auto qs = store::open_queue_store(*svc.backend);
  if (!qs) return qs.take_error();
  svc.outbound = std::make_unique<queue::Queue>(qo, *svc.backend, std::move(*qs), nullptr);
  auto resolver = dns::make_resolver(cfg.dns, svc.outbound->executor());
  if (!resolver) return resolver.take_error();
  dns::Resolver& res = **resolver;
  svc.outbound->own_resolver(std::move(*resolver));
  queue::MtaStsCache::Options mo;
  mo.port = q.mta_sts_port;
  mo.ca_file = q.tls_ca_file;
  svc.outbound->set_mta_sts(std::make_shared<queue::MtaStsCache>(res, mo));
  auto keys = mailauth::dkim::KeyRing::load(cfg.server.data_dir);
  if (!keys) return keys.take_error();
  auto ring = std::make_shared<const mailauth::dkim::KeyRing>(std::move(*keys));
  svc.outbound->set_signer([ring](std::string_view m) { return ring->sign(m); });
  return svc.outbound->start();
}

// [mailauth] → the SMTP service's mail authentication options (the words
// were checked by the config parser; a mismatch here is a programming error).
Status mailauth_options(const config::Config::MailAuth& m, smtp::server::MailAuthOptions& out) {
  namespace inbound = mailauth::inbound;
  auto reject = inbound::parse_fail_action(m.dmarc_reject);
  auto quarantine = inbound::parse_fail_action(m.dmarc_quarantine);
  auto temp = inbound::parse_temp_action(m.temperror);
  if (!reject || !quarantine || !temp) return make_error(Errc::invalid, "bad [mailauth] action");
  out.authserv_id = m.authserv_id;  // "" = server.hostname (smtp::server::Service)
  out.policy.on_reject = *reject;
  out.policy.on_quarantine = *quarantine;
  out.policy.on_temperror = *temp;
  out.policy.reject_spf_fail = m.spf_fail == "reject";
  out.junk_mailbox = m.junk_mailbox;
  out.record_dmarc = m.dmarc_report_data;
  return {};
}

}  // namespace

// SIGTERM/SIGINT arriving during start-up (the ports are bound early, so a
// supervisor or test may already signal) end the start-up cleanly instead of
// killing the process; Server::run() then installs the real handlers.
volatile std::sig_atomic_t g_stop_during_startup = 0;
extern "C" void on_startup_signal(int) { g_stop_during_startup = 1; }

int serve(const config::Config& cfg) {
  std::signal(SIGTERM, on_startup_signal);
  std::signal(SIGINT, on_startup_signal);
  log::set_level(parse_level(cfg.server.log_level));
  log::set_format(cfg.server.log_format == "json" ? log::Format::json : log::Format::kv);
  net::tune_allocator();  // before any thread starts (net/memory.hpp)

  std::error_code ec;
  std::filesystem::create_directories(cfg.server.data_dir, ec);
  if (ec) return fail("cannot create data_dir " + cfg.server.data_dir + ": " + ec.message());

  net::TlsOptions tls_opts;
  tls_opts.cert_path = cfg.tls.cert;
  tls_opts.key_path = cfg.tls.key;
  tls_opts.data_dir = cfg.server.data_dir;
  tls_opts.hostname = cfg.server.hostname;
  auto tls = net::TlsContext::create(tls_opts);
  if (!tls) return fail("TLS: " + tls.error().message);

  net::ServerOptions sopts;
  sopts.max_connections = cfg.limits.max_connections;
  sopts.max_connections_per_ip = cfg.limits.max_connections_per_ip;
  sopts.idle_timeout = std::chrono::seconds(cfg.limits.idle_timeout);
  net::Server server(sopts, *tls);

  Services svc;
  const ListenerSpec specs[] = {
      {"smtp", &cfg.listen.smtp, false, "421 4.7.0 Too many connections\r\n", "SMTP (MX)"},
      {"submission", &cfg.listen.submission, false, "421 4.7.0 Too many connections\r\n",
       "submission (STARTTLS, AUTH)"},
      {"submissions", &cfg.listen.submissions, true, "421 4.7.0 Too many connections\r\n",
       "submission (implicit TLS, AUTH)"},
      {"imap", &cfg.listen.imap, false, "* BYE Too many connections\r\n", "IMAP (STARTTLS)"},
      {"imaps", &cfg.listen.imaps, true, "* BYE Too many connections\r\n", "IMAP (implicit TLS)"},
      {"pop3", &cfg.listen.pop3, false, "-ERR [SYS/TEMP] Too many connections\r\n", "POP3 (STLS)"},
      {"pop3s", &cfg.listen.pop3s, true, "-ERR [SYS/TEMP] Too many connections\r\n",
       "POP3 (implicit TLS)"},
  };

  std::string banner;
  for (const auto& spec : specs) {
    for (const auto& ep : *spec.endpoints) {
      std::string name = spec.name;
      net::Handler handler = [&svc, name](net::Connection& c) -> asio::awaitable<void> {
        if (name == "smtp")
          co_await svc.smtp->handle(c, smtp::server::Mode::mx);
        else if (name == "submission")
          co_await svc.smtp->handle(c, smtp::server::Mode::submission);
        else if (name == "submissions")
          co_await svc.smtp->handle(c, smtp::server::Mode::submissions);
        else if (name == "imap" || name == "imaps")
          co_await svc.imap->handle(c);
        else
          co_await svc.pop3->handle(c);
      };
      net::ListenerOptions lo;
      lo.name = name;
      lo.host = ep.host;
      lo.port = ep.port;
      lo.implicit_tls = spec.implicit_tls;
      lo.refusal_line = spec.refusal;
      auto port = server.add_listener(lo, handler);
      if (!port) return fail("listen " + name + " " + ep.text + ": " + port.error().message);
      char line[160];
      std::snprintf(line, sizeof line, "  %-12s %-22s %s\n", spec.name, ep.text.c_str(), spec.what);
      banner += line;
    }
  }

  admin::HttpService admin_http;  // /metrics and /healthz are built in
  for (const auto& ep : cfg.listen.admin) {
    net::ListenerOptions lo;
    lo.name = "admin";
    lo.host = ep.host;
    lo.port = ep.port;
    auto port = server.add_listener(lo, admin_http.handler());
    if (!port) return fail("listen admin " + ep.text + ": " + port.error().message);
    char line[160];
    std::snprintf(line, sizeof line, "  %-12s %-22s %s\n", "admin", ep.text.c_str(),
                  "HTTP: /metrics, /healthz");
    banner += line;
  }

  // Bound: now give up root (a no-op when not root or user is "").
  if (!cfg.server.user.empty() && geteuid() == 0) {
    if (Status st = net::chown_tree(cfg.server.data_dir, cfg.server.user); !st)
      return fail("chown " + cfg.server.data_dir + ": " + st.error().message);
    if (Status st = net::drop_privileges(cfg.server.user); !st)
      return fail("drop privileges to " + cfg.server.user + ": " + st.error().message);
    log::info("serve.privileges_dropped", {{"user", cfg.server.user}});
  }

  auto backend = store::open_store({cfg.store.backend, cfg.server.data_dir, cfg.store.url});
  if (!backend) return fail("store: " + backend.error().message);
  svc.backend = std::move(*backend);
  svc.store = std::make_unique<store::AsyncStore>(*svc.backend);
  auth::ThrottleLimits tl;
  tl.max_failures_per_ip = cfg.auth.max_failures_per_ip;
  svc.throttle = std::make_unique<auth::AuthThrottle>(tl);
  svc.authenticator = std::make_unique<login::Authenticator>(*svc.store, *svc.throttle);
  auto resolver = dns::make_resolver(cfg.dns, server.io_context().get_executor());
  if (!resolver) return fail("dns: " + resolver.error().message);
  svc.resolver = std::move(*resolver);
  if (Status st = start_queue(cfg, svc); !st) return fail("queue: " + st.error().message);

  smtp::server::Options so;
  so.hostname = cfg.server.hostname;
  so.max_message_size = cfg.limits.max_message_size;
  so.max_recipients = cfg.limits.max_recipients;
  so.command_timeout = std::chrono::seconds(cfg.limits.idle_timeout);
  so.plaintext_auth_on_loopback = cfg.auth.plaintext_on_loopback;
  if (Status st = mailauth_options(cfg.mailauth, so.mailauth); !st)
    return fail("mailauth: " + st.error().message);
  dns::Resolver* mx_resolver = cfg.mailauth.enabled ? svc.resolver.get() : nullptr;
  svc.smtp = std::make_unique<smtp::server::Service>(so, *svc.store, *svc.authenticator,
                                                     *svc.outbound, mx_resolver);

  imap::server::Options io;
  io.hostname = cfg.server.hostname;
  io.plaintext_auth_on_loopback = cfg.auth.plaintext_on_loopback;
  io.max_message_size = cfg.limits.max_message_size;
  io.autologout = std::chrono::seconds(cfg.limits.imap_idle_timeout);
  svc.imap = std::make_unique<imap::server::Service>(io, *svc.store, *svc.authenticator);

  pop3::server::Options po;
  po.hostname = cfg.server.hostname;
  po.plaintext_auth_on_loopback = cfg.auth.plaintext_on_loopback;
  po.idle_timeout = std::chrono::seconds(cfg.limits.idle_timeout);
  svc.pop3 = std::make_unique<pop3::server::Service>(po, *svc.store, *svc.authenticator);

  std::cout << "postino " << POSTINO_VERSION << " serving " << cfg.server.hostname << " (data in "
            << cfg.server.data_dir << ", config " << cfg.source << ")\n"
            << banner << std::flush;
  log::info("serve.start", {{"hostname", cfg.server.hostname}, {"data_dir", cfg.server.data_dir}});

  if (g_stop_during_startup) {
    svc.outbound->stop();
    log::info("serve.stop", {{"reason", "signal during start-up"}});
    return kExitOk;
  }
  server.run();  // until SIGTERM/SIGINT and the drain
  svc.outbound->stop();
  log::info("serve.stop", {});
  return kExitOk;
}

}  // namespace postino::app
