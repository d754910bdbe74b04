#include "dns/unbound_resolver.hpp"

#include <unbound.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdint>
#include <mutex>
#include <unordered_map>

#include "dns/rdata.hpp"

namespace postino::dns {
namespace {

// RFC 1035 §3.2.2/§3.2.4, RFC 3596 §2.1, RFC 6698 §7.1.
enum RrType : int { kA = 1, kPtr = 12, kMx = 15, kTxt = 16, kAaaa = 28, kTlsa = 52 };
inline constexpr int kClassIn = 1;
// RFC 1035 §4.1.1 RCODE values.
inline constexpr int kRcodeNoError = 0;
inline constexpr int kRcodeNxdomain = 3;

const char* rcode_text(int rc) {
  switch (rc) {
    case 1:
      return "FORMERR";
    case 2:
      return "SERVFAIL";
    case 4:
      return "NOTIMP";
    case 5:
      return "REFUSED";
    default:
      return "error";
  }
}

struct ResultFree {
  void operator()(ub_result* r) const { ub_resolve_free(r); }
};
using ResultPtr = std::unique_ptr<ub_result, ResultFree>;

// What a look-up completes with, before decoding.
struct Raw {
  enum class Kind { answer, timeout, shutdown, error } kind = Kind::error;
  int err = 0;  // libunbound error code (Kind::error)
  ResultPtr result;
};

inline constexpr const char* kForwardedSpecialZones[] = {
    "test.",                      // RFC 6761 §6.2
    "2.0.192.in-addr.arpa.",      // RFC 5737 §3 TEST-NET-1
    "100.51.198.in-addr.arpa.",   // TEST-NET-2
    "113.0.203.in-addr.arpa.",    // TEST-NET-3
    "8.b.d.0.1.0.0.2.ip6.arpa.",  // RFC 3849 2001:db8::/32
    "127.in-addr.arpa.",          // loopback (RFC 6761 §6.3)
};

// Set while ub_process() runs on this thread, so the C callback finds its Core.
thread_local UnboundResolver::Core* tl_processing = nullptr;

}  // namespace

struct UnboundResolver::Core : std::enable_shared_from_this<Core> {
  // Moved, never assigned: Boost 1.81's any_completion_handler move assignment
  // recurses (it copies from an lvalue through its converting constructor).
  struct Pending {
    Pending(asio::any_io_executor hex, asio::any_completion_handler<void(Raw)> h)
        : handler(std::move(h)),
          handler_ex(asio::prefer(hex, asio::execution::outstanding_work.tracked)) {}
    int ub_id = 0;
    std::unique_ptr<asio::steady_timer> timer;
    asio::any_completion_handler<void(Raw)> handler;
    asio::any_io_executor handler_ex;  // tracks work, so the caller's run() waits
  };

  Core(ub_ctx* c, asio::any_io_executor e, std::chrono::milliseconds t, bool v)
      : ctx(c), ex(e), strand(asio::make_strand(e)), watcher(strand), timeout(t), validating(v) {}

  ~Core() {
    // The descriptor is libunbound's: let go of it before the context closes it.
    if (watcher.is_open()) watcher.release();
    ub_ctx_delete(ctx);
  }

  ub_ctx* ctx;
  asio::any_io_executor ex;
  asio::strand<asio::any_io_executor> strand;
  asio::posix::stream_descriptor watcher;  // ub_fd(ctx); used on `strand` only
  bool waiting = false;                    // a wait on `watcher` is outstanding (strand only)
  const std::chrono::milliseconds timeout;
  const bool validating;

  std::mutex mu;  // guards everything below; never held while calling out
  bool closed = false;
  uint64_t next_seq = 1;
  std::unordered_map<uint64_t, Pending> pending;

  static void complete(Pending p, Raw raw) {
    auto ex = p.handler_ex;
    asio::post(ex, [h = std::move(p.handler), r = std::move(raw)]() mutable {
      std::move(h)(std::move(r));
    });
  }

  // Starts a query; on failure completes the handler at once.
  // `hex` is the caller's executor: the answer is posted there.
  void start(const std::string& qname, int rrtype, asio::any_io_executor hex,
             asio::any_completion_handler<void(Raw)> handler) {
    Pending p(std::move(hex), std::move(handler));
    std::unique_lock lock(mu);
    if (closed) {
      lock.unlock();
      complete(std::move(p), Raw{Raw::Kind::shutdown, 0, nullptr});
      return;
    }
    uint64_t seq = next_seq++;
    p.timer = std::make_unique<asio::steady_timer>(ex, timeout);
    p.timer->async_wait([weak = weak_from_this(), seq](boost::system::error_code ec) {
      if (ec) return;
      if (auto self = weak.lock()) self->expire(seq);
    });
    pending.emplace(seq, std::move(p));
    lock.unlock();
    // Not under `mu`: the answer may arrive (in ub_process on the strand) before
    // ub_resolve_async returns; it finds the entry already in `pending`.
    int ub_id = 0;
    int err = ub_resolve_async(ctx, qname.c_str(), rrtype, kClassIn,
                               reinterpret_cast<void*>(static_cast<uintptr_t>(seq)),  // NOLINT
                               &Core::on_answer, &ub_id);
    if (err != 0) {
      if (auto failed = take(seq)) {
        failed->timer->cancel();
        complete(std::move(*failed), Raw{Raw::Kind::error, err, nullptr});
      }
      return;
    }
    lock.lock();
    if (auto it = pending.find(seq); it != pending.end()) it->second.ub_id = ub_id;
    lock.unlock();
    asio::post(strand, [self = shared_from_this()] { self->arm(); });
  }

  // Strand only: keeps one wait on the answer pipe while queries are pending.
  void arm() {
    if (waiting) return;
    {
      std::lock_guard lock(mu);
      if (closed || pending.empty()) return;
    }
    waiting = true;
    watcher.async_wait(asio::posix::stream_descriptor::wait_read,
                       [self = shared_from_this()](boost::system::error_code ec) {
                         self->waiting = false;
                         if (!ec) {
                           tl_processing = self.get();
                           ub_process(self->ctx);
                           tl_processing = nullptr;
                         }
                         self->arm();
                       });
  }

  // Strand only: drops the wait when nothing is pending, so that an io_context
  // with nothing else to do returns from run().
  void disarm() {
    if (!waiting) return;
    std::lock_guard lock(mu);
    if (closed || pending.empty()) watcher.cancel();
  }

  std::optional<Pending> take(uint64_t seq) {
    std::lock_guard lock(mu);
    auto it = pending.find(seq);
    if (it == pending.end()) return std::nullopt;
    Pending p = std::move(it->second);
    pending.erase(it);
    if (pending.empty()) asio::post(strand, [self = shared_from_this()] { self->disarm(); });
    return p;
  }

  void expire(uint64_t seq) {
    auto p = take(seq);
    if (!p) return;
    ub_cancel(ctx, p->ub_id);  // its callback will not be called (or finds nothing)
    complete(std::move(*p), Raw{Raw::Kind::timeout, 0, nullptr});
  }

  static void on_answer(void* mydata, int err, ub_result* result) {
    ResultPtr owned(result);
    Core* self = tl_processing;
    if (self == nullptr) return;
    auto seq = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(mydata));  // NOLINT
    auto p = self->take(seq);
    if (!p) return;  // timed out or shut down already
    p->timer->cancel();
    if (err != 0) {
      complete(std::move(*p), Raw{Raw::Kind::error, err, nullptr});
    } else {
      complete(std::move(*p), Raw{Raw::Kind::answer, 0, std::move(owned)});
    }
  }

  // Fails every outstanding look-up; later ones fail at once.
  void close() {
    std::unordered_map<uint64_t, Pending> all;
    {
      std::lock_guard lock(mu);
      closed = true;
      all.swap(pending);
    }
    for (auto& [seq, p] : all) {
      p.timer->cancel();
      ub_cancel(ctx, p.ub_id);
      complete(std::move(p), Raw{Raw::Kind::shutdown, 0, nullptr});
    }
    asio::post(strand, [self = shared_from_this()] { self->disarm(); });
  }
};

namespace {

Error ub_error(const std::string& what, int err) {
  return make_error(Errc::invalid, "dns: " + what + ": " + ub_strerror(err));
}

std::string type_name(int t) {
  switch (t) {
    case kA:
      return "A";
    case kAaaa:
      return "AAAA";
    case kMx:
      return "MX";
    case kTxt:
      return "TXT";
    case kPtr:
      return "PTR";
    case kTlsa:
      return "TLSA";
  }
  return std::to_string(t);
}

}  // namespace

Result<std::unique_ptr<UnboundResolver>> UnboundResolver::create(const Options& opts,
                                                                 asio::any_io_executor ex) {
  ub_ctx* ctx = ub_ctx_create();
  if (ctx == nullptr) return make_error(Errc::internal, "dns: cannot create libunbound context");
  auto fail = [&](Error e) -> Result<std::unique_ptr<UnboundResolver>> {
    ub_ctx_delete(ctx);
    return e;
  };
  // A worker thread, not a forked process: the server is multi-threaded.
  if (int err = ub_ctx_async(ctx, 1); err != 0) return fail(ub_error("async mode", err));
  bool validate = false;
  auto add_anchor = [&]() -> Status {
    if (!opts.dnssec) return {};
    if (!opts.trust_anchors.empty()) {
      // RFC 4035 §4.4: configured anchors; each one a DS or DNSKEY record.
      for (const auto& ta : opts.trust_anchors) {
        if (int err = ub_ctx_add_ta(ctx, ta.c_str()); err != 0)
          return ub_error("trust anchor '" + ta + "'", err);
      }
      validate = true;
      return {};
    }
    if (opts.trust_anchor.empty() || ::access(opts.trust_anchor.c_str(), R_OK) != 0) return {};
    // Read-only anchor: RFC 5011 updates need a writable file; the package
    // (dns-root-data) keeps this one current.
    if (int err = ub_ctx_add_ta_file(ctx, opts.trust_anchor.c_str()); err != 0)
      return ub_error("trust anchor " + opts.trust_anchor, err);
    validate = true;
    return {};
  };
  if (!opts.servers.empty()) {
    // Forwarders were chosen by the operator, loopback ones included (a local
    // resolver, or nsd in tests): libunbound skips loopback by default.
    if (int err = ub_ctx_set_option(ctx, "do-not-query-localhost:", "no"); err != 0)
      return fail(ub_error("do-not-query-localhost", err));
    // ...and answers private reverse zones itself unless told otherwise.
    if (int err = ub_ctx_set_option(ctx, "unblock-lan-zones:", "yes"); err != 0)
      return fail(ub_error("unblock-lan-zones", err));
    for (const auto& s : opts.servers) {
      std::string fwd = s.host + "@" + std::to_string(s.port);
      if (int err = ub_ctx_set_fwd(ctx, fwd.c_str()); err != 0)
        return fail(ub_error("server " + s.text, err));
    }
    if (opts.validate_forwarded || !opts.trust_anchors.empty()) {
      if (auto st = add_anchor(); !st) return fail(st.take_error());
    }
    // libunbound answers the special-use names of RFC 6761 §6.2 ("test.") and
    // the documentation address blocks (RFC 5737 §3, RFC 3849 §4) from built-in
    // empty zones. The configured servers decide about them instead. (Adding a
    // zone ends configuration, so this comes last.)
    for (const char* zone : kForwardedSpecialZones) {
      if (int err = ub_ctx_zone_add(ctx, zone, "transparent"); err != 0) {
        // Ending configuration parses the trust anchors: a malformed one fails here.
        if (validate && !opts.trust_anchors.empty())
          return fail(ub_error("trust anchor(s) rejected", err));
        return fail(ub_error(std::string("local zone ") + zone, err));
      }
    }
  } else {
    // A missing or empty resolv.conf leaves libunbound resolving from the root
    // itself, which is a working set-up too.
    if (!opts.resolv_conf.empty() && ::access(opts.resolv_conf.c_str(), R_OK) == 0)
      (void)ub_ctx_resolvconf(ctx, opts.resolv_conf.c_str());
    if (!opts.hosts.empty() && ::access(opts.hosts.c_str(), R_OK) == 0)
      (void)ub_ctx_hosts(ctx, opts.hosts.c_str());
    if (auto st = add_anchor(); !st) return fail(st.take_error());
  }
  int fd = ub_fd(ctx);
  if (fd < 0) return fail(make_error(Errc::internal, "dns: libunbound has no answer pipe"));
  auto core = std::make_shared<Core>(ctx, ex, opts.timeout, validate);
  boost::system::error_code ec;
  core->watcher.assign(fd, ec);
  if (ec) return make_error(Errc::internal, "dns: cannot watch libunbound pipe: " + ec.message());
  return std::unique_ptr<UnboundResolver>(new UnboundResolver(std::move(core)));
}

UnboundResolver::UnboundResolver(std::shared_ptr<Core> core) : core_(std::move(core)) {}

UnboundResolver::~UnboundResolver() { core_->close(); }

bool UnboundResolver::validating() const { return core_->validating; }

template <class T, class Decode>
asio::awaitable<Lookup<T>> UnboundResolver::query(std::string name, int rrtype, Decode decode) {
  if (!valid_query_name(name)) co_return make_error(Errc::invalid, "malformed query name");
  std::string qname = normalize_name(name);
  std::string what = type_name(rrtype) + " " + qname;
  auto core = core_;
  auto init = [core, qname, rrtype](auto handler) {
    asio::any_io_executor hex = asio::get_associated_executor(handler, core->ex);
    core->start(qname, rrtype, std::move(hex),
                asio::any_completion_handler<void(Raw)>(std::move(handler)));
  };
  Raw raw = co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(Raw)>(
      init, asio::use_awaitable);
  switch (raw.kind) {
    case Raw::Kind::timeout:
      co_return make_error(Errc::unavailable, "dns: timeout: " + what);
    case Raw::Kind::shutdown:
      co_return make_error(Errc::unavailable, "dns: resolver shut down: " + what);
    case Raw::Kind::error:
      co_return make_error(Errc::unavailable,
                           "dns: " + std::string(ub_strerror(raw.err)) + ": " + what);
    case Raw::Kind::answer:
      break;
  }
  const ub_result& r = *raw.result;
  if (r.bogus) {
    // RFC 4035 §5.5: a bogus answer is a failure, never data.
    std::string why = r.why_bogus != nullptr ? r.why_bogus : "bogus";
    co_return make_error(Errc::unavailable, "dns: DNSSEC validation failed: " + what + ": " + why);
  }
  Answer<T> out;
  out.secure = r.secure != 0;
  if (r.rcode == kRcodeNxdomain) {
    out.rcode = Rcode::nxdomain;
    co_return out;
  }
  if (r.rcode != kRcodeNoError)
    co_return make_error(Errc::unavailable,
                         "dns: " + std::string(rcode_text(r.rcode)) + ": " + what);
  if (!r.havedata || r.data == nullptr) {
    out.rcode = Rcode::nodata;  // RFC 2308 §2.2
    co_return out;
  }
  for (int i = 0; r.data[i] != nullptr; ++i) {
    auto rec = decode(std::string_view(r.data[i], static_cast<size_t>(r.len[i])));
    if (!rec) co_return make_error(Errc::unavailable, "dns: " + rec.error().message + ": " + what);
    out.records.push_back(std::move(*rec));
  }
  if (out.records.empty()) out.rcode = Rcode::nodata;
  co_return out;
}

asio::awaitable<Lookup<std::string>> UnboundResolver::txt(std::string name) {
  return query<std::string>(std::move(name), kTxt, rdata::txt);
}
asio::awaitable<Lookup<Ip4>> UnboundResolver::a(std::string name) {
  return query<Ip4>(std::move(name), kA, rdata::a);
}
asio::awaitable<Lookup<Ip6>> UnboundResolver::aaaa(std::string name) {
  return query<Ip6>(std::move(name), kAaaa, rdata::aaaa);
}
asio::awaitable<Lookup<Mx>> UnboundResolver::mx(std::string name) {
  auto res = co_await query<Mx>(std::move(name), kMx, rdata::mx);
  // Lowest preference first (RFC 5321 §5.1); equal ones keep the server's order.
  if (res.ok())
    std::stable_sort(res->records.begin(), res->records.end(),
                     [](const Mx& x, const Mx& y) { return x.preference < y.preference; });
  co_return res;
}
asio::awaitable<Lookup<std::string>> UnboundResolver::ptr(std::string name) {
  return query<std::string>(std::move(name), kPtr, rdata::ptr);
}
asio::awaitable<Lookup<Tlsa>> UnboundResolver::tlsa(std::string name) {
  return query<Tlsa>(std::move(name), kTlsa, rdata::tlsa);
}

Result<std::unique_ptr<Resolver>> make_resolver(const config::Config::Dns& cfg,
                                                asio::any_io_executor ex) {
  UnboundResolver::Options opts;
  opts.servers = cfg.servers;
  opts.dnssec = cfg.dnssec;
  opts.trust_anchors = cfg.trust_anchors;
  opts.timeout = std::chrono::seconds(cfg.timeout);
  auto r = UnboundResolver::create(opts, std::move(ex));
  if (!r) return r.take_error();
  return std::unique_ptr<Resolver>(std::move(*r));
}

}  // namespace postino::dns
