// CAPABILITY, NOOP, LOGOUT, ID (RFC 9051 §6.1, RFC 2971), ENABLE (RFC 5161),
// NAMESPACE (RFC 2342), IDLE (RFC 2177), GETQUOTA / GETQUOTAROOT / SETQUOTA
// (RFC 9208), COMPRESS (RFC 4978), CHECK (RFC 3501 §6.4.1).
#include <chrono>

#include "base/log.hpp"
#include "base/strings.hpp"
#include "imap/server/session.hpp"

namespace postino::imap::server {

namespace {
constexpr const char* kQuotaRoot = "";  // one quota root per account (RFC 9208 §3.2)
constexpr uint64_t kQuotaUnit = 1024;   // STORAGE is counted in KiB (RFC 9208 §5.1)
}  // namespace

awaitable<Reply> Session::on(const std::string&, CapabilityCmd&) {
  std::string line = "CAPABILITY";
  for (const auto& c : capabilities()) line += " " + c;
  send(write::untagged(line));
  co_return Reply::ok("CAPABILITY completed");
}

awaitable<Reply> Session::on(const std::string&, NoopCmd&) {
  co_return Reply::ok("NOOP completed");  // execute() syncs the selected mailbox
}

awaitable<Reply> Session::on(const std::string&, CheckCmd&) {
  co_return Reply::ok("CHECK completed");  // every change is already durable
}

awaitable<Reply> Session::on(const std::string& tag, LogoutCmd&) {
  // RFC 9051 §6.1.3: BYE first, then the tagged OK.
  send(write::untagged_status(write::Cond::bye, std::nullopt, "logging out"));
  send(write::tagged(tag, write::Cond::ok, std::nullopt, "LOGOUT completed"));
  state_ = State::logout;
  co_return Reply::done();
}

awaitable<Reply> Session::on(const std::string&, IdCmd&) {
  // RFC 2971 §3.2: our own identification.
  send(write::untagged("ID (\"name\" \"postino\" \"vendor\" \"postino\")"));
  co_return Reply::ok("ID completed");
}

awaitable<Reply> Session::on(const std::string&, EnableCmd& c) {
  std::string enabled;
  for (const auto& cap : c.capabilities) {
    bool now = false;
    if (cap == "CONDSTORE" && !condstore_) {
      condstore_ = now = true;
    } else if (cap == "QRESYNC" && !qresync_) {
      qresync_ = now = true;
      condstore_ = true;  // RFC 7162 §3.2.3: QRESYNC implies CONDSTORE
    } else if (cap == "IMAP4REV2" && !rev2_) {
      rev2_ = now = true;
    } else if ((cap == "UTF8=ACCEPT" || cap == "UTF8=ONLY") && !utf8_) {
      utf8_ = now = true;  // RFC 6855 §3
      if (cap == "UTF8=ONLY") now = false;
    }
    if (now) enabled += " " + (cap == "IMAP4REV2" ? std::string("IMAP4rev2") : cap);
  }
  send(write::untagged("ENABLED" + enabled));  // RFC 5161 §3.2
  co_return Reply::ok("ENABLE completed");
}

awaitable<Reply> Session::on(const std::string&, NamespaceCmd&) {
  // RFC 2342 §5: one personal namespace, no others.
  send(write::untagged("NAMESPACE ((\"\" \"/\")) NIL NIL"));
  co_return Reply::ok("NAMESPACE completed");
}

awaitable<Reply> Session::on(const std::string&, IdleCmd&) {
  send(write::continuation("idling"));
  if (auto st = co_await conn_.flush(); !st) {
    state_ = State::logout;
    co_return Reply::done();
  }
  auto saved_timeout = conn_.timeout();
  auto deadline = std::chrono::steady_clock::now() + opts_.autologout;
  rx_.expect_line();
  for (;;) {
    if (view_) {
      co_await sync(true);  // RFC 2177: anything may be reported while idling
      if (conn_.output_pending() > 0 && !co_await conn_.flush()) {
        state_ = State::logout;
        co_return Reply::done();
      }
    }
    Event ev = rx_.next();
    if (auto* line = std::get_if<Line>(&ev)) {
      conn_.set_timeout(saved_timeout);
      if (!iequals(trim(line->text), "DONE")) co_return Reply::bad("expected DONE");
      co_return Reply::ok("IDLE terminated");
    }
    if (std::get_if<ParseError>(&ev)) {
      conn_.set_timeout(saved_timeout);
      co_return Reply::bad("expected DONE");
    }
    // RFC 2177: changes are reported as they happen. The read ends on input,
    // at the autologout deadline, or when a store change wakes it (watch()).
    Errc why = Errc::busy;  // autologout
    auto left = deadline - std::chrono::steady_clock::now();
    if (left > std::chrono::steady_clock::duration::zero()) {
      conn_.set_timeout(left);
      auto r = co_await conn_.read_some_wakeable(kReadChunk);
      if (r) {
        rx_.feed(*r);
        continue;
      }
      if (r.error().code == Errc::busy && std::chrono::steady_clock::now() < deadline) continue;
      why = r.error().code;
    }
    conn_.set_timeout(saved_timeout);
    if (why == Errc::busy || why == Errc::unavailable) {
      send(write::untagged_status(write::Cond::bye, std::nullopt,
                                  why == Errc::busy ? "autologout" : "server shutting down"));
      (void)co_await conn_.flush();
    }
    state_ = State::logout;
    co_return Reply::done();
  }
}

awaitable<Reply> Session::on(const std::string&, GetQuotaCmd& c) {
  if (!c.root.empty()) co_return Reply::no("no such quota root", write::code::nonexistent());
  auto q = co_await store_.quota(account_id_);
  if (!q) co_return store_error(q.error(), "GETQUOTA");
  std::string line = "QUOTA \"\" (";
  if (q->limit_bytes > 0)
    line += "STORAGE " + std::to_string(q->used_bytes / kQuotaUnit) + " " +
            std::to_string(q->limit_bytes / kQuotaUnit);
  send(write::untagged(line + ")"));
  co_return Reply::ok("GETQUOTA completed");
}

awaitable<Reply> Session::on(const std::string&, GetQuotaRootCmd& c) {
  auto name = decode_name(c.mailbox);
  if (!name) co_return Reply::no("bad mailbox name", write::code::cannot());
  auto mb = co_await store_.get_mailbox(account_id_, *name);
  if (!mb) co_return store_error(mb.error(), "GETQUOTAROOT");
  send(write::untagged("QUOTAROOT " + astring_name(*name) + " \"" + kQuotaRoot + "\""));
  GetQuotaCmd q;
  co_return co_await on(std::string(), q);
}

awaitable<Reply> Session::on(const std::string&, SetQuotaCmd&) {
  co_return Reply::no("quota is set by the administrator", write::code::noperm());
}

// RFC 4978 §3: OK goes out uncompressed; compression starts right after its
// CRLF, both ways. A second COMPRESS: NO [COMPRESSIONACTIVE].
awaitable<Reply> Session::on(const std::string& tag, CompressCmd& c) {
  if (conn_.compression_active())
    co_return Reply::no("DEFLATE active already", write::code::compressionactive());
  if (c.mechanism != "DEFLATE") co_return Reply::bad("unknown compression mechanism");
  send(write::tagged(tag, write::Cond::ok, std::nullopt, "DEFLATE active"));
  if (auto st = co_await conn_.flush(); !st) {
    state_ = State::logout;
    co_return Reply::done();
  }
  if (auto st = conn_.start_compression(rx_.take_buffered()); !st) {
    log::warn("imap.compress_failed", {{"conn", conn_.id()}, {"error", st.error().message}});
    state_ = State::logout;
  }
  co_return Reply::done();
}

}  // namespace postino::imap::server
