// Fuzz target for a whole IMAP session after login: the input is the byte
// stream a logged-in client sends (SELECT, FETCH, STORE, SEARCH, APPEND with
// literals, IDLE/DONE, EXPUNGE, MOVE, ...), replayed against the real Session
// (imap/server) over a loopback TCP connection in this process, with a real
// SQLite store. The Connection is made directly on the accepted socket
// (net/connection_impl.hpp, as net::Server does), without a Server.
//
// Every input starts from the same store: a template data directory made once
// per process (an account with INBOX, Work, Work/Sub and the special-use
// mailboxes, a few messages with flags, made through the session's own APPEND),
// copied afresh for each input into a scratch directory (under /dev/shm when
// there is one, so the store's fsyncs cost nothing). The password hash of the
// account is a cheap argon2id (the verifier reads its cost from the hash), so
// the LOGIN the target prepends does not dominate an execution.
//
// Checks, beyond "no crash, no sanitizer report, no hang": the session ends
// once the client's input ends, and everything the server wrote is well-formed
// IMAP framing (RFC 9051 §2.2.2, §7): CRLF-terminated lines without stray CR
// or LF, each response starting "* ", "+" or "<tag> OK|NO|BAD ", literals
// {n} followed by exactly n bytes, and the greeting and the LOGIN completion
// first. Then the store is checked: each mailbox's UIDs, MODSEQs and
// counters agree with its messages (check_store).
// POSTINO_FUZZ_TRACE=1 in the environment writes the server side of each
// conversation to stderr (to read what a seed does).
//
// Determinism: one I/O thread (this one) runs the session and the client side;
// the store's worker pool and writer thread only compute results the session
// awaits in order. Bounds: input over kMaxInput bytes is ignored; the server's
// output is scanned as it arrives and only kept up to kMaxOutput bytes.
// Ownership and thread rules: everything is created and destroyed per input on
// the calling thread, except the template directory (process lifetime).
#include <argon2.h>
#include <unistd.h>
#include <zlib.h>

#include <boost/asio.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include "auth/throttle.hpp"
#include "base/log.hpp"
#include "imap/server/service.hpp"
#include "login/authenticator.hpp"
#include "net/connection.hpp"
#include "net/connection_impl.hpp"
#include "store/async_store.hpp"
#include "store/open.hpp"

namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using tcp = asio::ip::tcp;
using namespace postino;

constexpr size_t kMaxInput = 256u << 10;
constexpr size_t kMaxOutput = 64u << 20;
constexpr std::string_view kUser = "alice@example.test";
constexpr std::string_view kPassword = "alice-secret";
constexpr std::string_view kLogin = "L0 LOGIN alice@example.test alice-secret\r\n";

void check(bool ok) {
  if (!ok) __builtin_trap();
}

// ---- the server's output, checked as it arrives ----------------------------

// RFC 9051 §9 tag: astring characters except "+".
bool tag_char(char c) {
  auto u = static_cast<unsigned char>(c);
  if (u <= 0x20 || u >= 0x7f) return false;
  return c != '(' && c != ')' && c != '{' && c != '%' && c != '*' && c != '"' && c != '\\' &&
         c != '+';
}

class OutputChecker {
 public:
  OutputChecker() = default;
  ~OutputChecker() {
    if (inflating_) inflateEnd(&z_);
  }
  OutputChecker(const OutputChecker&) = delete;
  OutputChecker& operator=(const OutputChecker&) = delete;

  void feed(std::string_view bytes) {
    if (!inflating_) {
      plain(bytes);
      return;
    }
    // After COMPRESS DEFLATE (RFC 4978 §3) the server's bytes are a raw
    // deflate stream; the responses inside get the same checks.
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
    z_.avail_in = static_cast<uInt>(bytes.size());
    char tmp[16384];
    while (z_.avail_in > 0) {
      z_.next_out = reinterpret_cast<Bytef*>(tmp);
      z_.avail_out = sizeof tmp;
      int rc = inflate(&z_, Z_SYNC_FLUSH);
      check(rc == Z_OK || rc == Z_STREAM_END || rc == Z_BUF_ERROR);
      plain(std::string_view(tmp, sizeof tmp - z_.avail_out));
      if (rc != Z_OK) break;
    }
  }
  // At the end every response is complete.
  void finish() const {
    check(buf_.empty() && literal_left_ == 0 && at_start_);
    check(responses_ >= 2);  // the greeting and the LOGIN completion at least
  }
  const std::string& text() const { return kept_; }

 private:
  void plain(std::string_view bytes) {
    if (kept_.size() < kMaxOutput) kept_.append(bytes.substr(0, kMaxOutput - kept_.size()));
    buf_.append(bytes);
    scan();
  }

  void scan() {
    size_t pos = 0;
    for (;;) {
      if (literal_left_ > 0) {
        size_t n = std::min(literal_left_, buf_.size() - pos);
        pos += n;
        literal_left_ -= n;
        if (literal_left_ > 0) break;
      }
      size_t lf = buf_.find('\n', pos);
      if (lf == std::string::npos) break;
      // A line ends in CRLF; no other CR or LF is in it (RFC 9051 §2.2).
      check(lf > pos && buf_[lf - 1] == '\r');
      std::string_view line(buf_.data() + pos, lf - 1 - pos);
      check(line.find('\r') == std::string_view::npos);
      bool tagged_ok = at_start_ && start_of_response(line);
      pos = lf + 1;
      at_start_ = !literal_at_end(line);
      if (tagged_ok && at_start_ && !inflating_ && line.ends_with(" OK DEFLATE active")) {
        // The rest of the server's output is compressed (cmd_any.cpp's text).
        check(inflateInit2(&z_, -15) == Z_OK);
        inflating_ = true;
        std::string rest = buf_.substr(pos);
        buf_.clear();
        feed(rest);
        return;
      }
    }
    buf_.erase(0, pos);
    check(buf_.size() <= (64u << 10) || literal_left_ > 0);  // no endless line
  }

  // "{n}" (or BINARY's "~{n}") closing a line: n bytes of literal follow.
  bool literal_at_end(std::string_view line) {
    if (line.empty() || line.back() != '}') return false;
    size_t open = line.rfind('{');
    if (open == std::string_view::npos || open + 2 > line.size() - 1) return false;
    uint64_t n = 0;
    for (size_t i = open + 1; i + 1 < line.size(); ++i) {
      char c = line[i];
      if (c < '0' || c > '9' || n > (1ull << 40)) return false;
      n = n * 10 + static_cast<uint64_t>(c - '0');
    }
    literal_left_ = n;
    return true;
  }

  // Checks the first line of a response; true for a tagged OK.
  bool start_of_response(std::string_view line) {
    ++responses_;
    if (responses_ == 1) {  // RFC 9051 §7.1.1 greeting
      check(line.starts_with("* OK "));
      return false;
    }
    if (line.starts_with("* ")) {
      check(line.size() > 2);
      return false;
    }
    if (line.starts_with("+")) {  // continuation request (RFC 9051 §7.5)
      check(line.size() == 1 || line[1] == ' ');
      return false;
    }
    size_t sp = line.find(' ');
    check(sp != std::string_view::npos && sp > 0);
    for (size_t i = 0; i < sp; ++i) check(tag_char(line[i]));
    std::string_view rest = line.substr(sp + 1);
    check(rest.starts_with("OK ") || rest.starts_with("NO ") || rest.starts_with("BAD "));
    if (!login_seen_) {
      // The first tagged completion answers the LOGIN this target sends.
      check(line.starts_with("L0 OK"));
      login_seen_ = true;
    }
    return rest.starts_with("OK ");
  }

  std::string buf_;
  std::string kept_;
  z_stream z_{};
  bool inflating_ = false;
  uint64_t literal_left_ = 0;
  bool at_start_ = true;
  bool login_seen_ = false;
  size_t responses_ = 0;
};

// ---- the store after the session ------------------------------------------------

// Whatever the client did, each mailbox is consistent (store/backend.hpp rules):
// UIDs ascending and below UIDNEXT, every MODSEQ within HIGHESTMODSEQ, and the
// counters STATUS reports equal to what is really there.
void check_store(store::StoreBackend& b) {
  auto account = b.get_account(kUser);
  if (!account) return;  // the setup session runs before any other
  auto boxes = b.list_mailboxes(account->id);
  check(boxes.ok());
  for (const auto& box : *boxes) {
    auto refs = b.list_messages(box.id);
    check(refs.ok());
    store::Uid last = 0;
    for (const auto& r : *refs) {
      check(r.uid > last && r.uid < box.uidnext);
      last = r.uid;
    }
    check(refs->size() == box.message_count);
    auto flags = b.fetch_flags(box.id, store::UidSet::all());
    check(flags.ok() && flags->size() == refs->size());
    uint64_t unseen = 0;
    for (size_t i = 0; i < flags->size(); ++i) {
      const auto& f = (*flags)[i];
      check(f.uid == (*refs)[i].uid);
      check(f.modseq > 0 && f.modseq <= box.highestmodseq);
      bool seen = false;
      for (const auto& name : f.flags) seen = seen || name == "\\Seen";
      if (!seen) ++unseen;
    }
    check(unseen == box.unseen_count);
  }
}

// ---- one session ------------------------------------------------------------

struct Flags {
  bool session = false, writer = false, reader = false;
  bool all() const { return session && writer && reader; }
};

// Runs a Session on a fresh store in data_dir with `input` as the client's
// bytes, then closes the client's sending side; returns when the session has
// ended and the client has read everything.
void run_session(const fs::path& data_dir, std::string_view input, OutputChecker& out) {
  asio::io_context io;  // declared first: destroyed after everything that posts to it
  store::StoreOptions so;
  so.data_dir = data_dir.string();
  auto backend = store::open_store(so);
  check(backend.ok());
  {
    store::AsyncStore st(**backend, 1);
    auth::AuthThrottle throttle;
    login::Authenticator authenticator(st, throttle);
    imap::server::Options opts;
    opts.hostname = "mail.example.test";
    opts.max_message_size = 1u << 20;
    imap::server::Service service(opts, st, authenticator);

    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    tcp::socket client(io);
    client.connect(acceptor.local_endpoint());
    tcp::socket accepted = acceptor.accept();
    acceptor.close();
    accepted.set_option(tcp::no_delay(true));  // as net::Server does
    client.set_option(tcp::no_delay(true));
    auto conn = std::make_unique<net::Connection>(
        std::make_unique<net::Connection::Impl>(std::move(accepted), "imap", nullptr));

    Flags done;
    std::string bytes(input);
    auto fail = [](std::exception_ptr e) { check(!e); };
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          co_await service.handle(*conn);
          co_await conn->close();
        },
        [&](std::exception_ptr e) {
          fail(e);
          done.session = true;
        });
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          auto [ec, n] = co_await asio::async_write(client, asio::buffer(bytes),
                                                    asio::as_tuple(asio::use_awaitable));
          (void)n;
          boost::system::error_code ignored;
          if (!ec) client.shutdown(tcp::socket::shutdown_send, ignored);
        },
        [&](std::exception_ptr e) {
          fail(e);
          done.writer = true;
        });
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          char buf[16384];
          for (;;) {
            auto [ec, n] = co_await client.async_read_some(asio::buffer(buf),
                                                           asio::as_tuple(asio::use_awaitable));
            if (n > 0) out.feed(std::string_view(buf, n));
            if (ec) break;
          }
        },
        [&](std::exception_ptr e) {
          fail(e);
          done.reader = true;
        });
    // The connection's watchdog timer stays pending: run until our three
    // coroutines are done rather than until the io_context runs dry.
    while (!done.all()) check(io.run_one() > 0);
    conn.reset();
  }
  check_store(**backend);
  backend->reset();  // joins the store's writer thread
}

// ---- the store every input starts from ----------------------------------------

// APPEND with a non-synchronizing literal (RFC 7888) of the right size.
std::string append(std::string_view tag, std::string_view args, std::string_view msg) {
  return std::string(tag) + " APPEND " + std::string(args) + " {" + std::to_string(msg.size()) +
         "+}\r\n" + std::string(msg) + "\r\n";
}

std::string setup_script() {
  std::string s = "S1 CREATE Work\r\nS2 CREATE Work/Sub\r\n";
  s += append("S3", "INBOX (\\Seen)",
              "From: Ann <ann@example.org>\r\nTo: alice@example.test\r\nSubject: hello\r\n"
              "Message-ID: <s1@example.org>\r\nDate: Tue, 3 Mar 2026 10:00:00 +0100\r\n\r\n"
              "plain body\r\n");
  s += append("S4", "INBOX (\\Flagged $Important) \"03-Mar-2026 11:00:00 +0000\"",
              "From: =?UTF-8?Q?J=C3=B6rg?= <jorg@example.org>\r\n"
              "To: \"Alice, A.\" <alice@example.test>, group: a@x.org, b@x.org;\r\n"
              "Subject: tricky\r\n"
              "References: <s1@example.org>\r\n"
              "MIME-Version: 1.0\r\n"
              "Content-Type: multipart/mixed; boundary=\"outer\"\r\n"
              "\r\n"
              "--outer\r\n"
              "Content-Type: text/plain; charset=iso-8859-1\r\n"
              "Content-Transfer-Encoding: quoted-printable\r\n"
              "\r\n"
              "caf=E9\r\n"
              "--outer\r\n"
              "Content-Type: message/rfc822\r\n"
              "\r\n"
              "Subject: inner message\r\n"
              "\r\n"
              "inner body\r\n"
              "--outer\r\n"
              "Content-Type: application/octet-stream; name=\"a.bin\"\r\n"
              "Content-Transfer-Encoding: base64\r\n"
              "\r\n"
              "AAECAw==\r\n"
              "--outer--\r\n");
  s += append("S5", "INBOX ()",
              "Subject: Re: hello\r\nIn-Reply-To: <s1@example.org>\r\n\r\nthird\r\nmessage\r\n");
  s += append("S6", "INBOX (\\Deleted \\Answered)", "Subject: old\r\n\r\nto be expunged\r\n");
  s += append("S7", "Work (\\Draft)", "Subject: draft\r\nTo: bob@x.org\r\n\r\nhi\r\n");
  s += append("S8", "Work", "Subject: work\r\n\r\nwork body\r\n");
  s += "S9 LOGOUT\r\n";
  return s;
}

// argon2id with the smallest cost libargon2 accepts: LOGIN stays cheap.
std::string cheap_hash() {
  const char salt[] = "fuzz-salt-16byte";
  char encoded[256];
  int rc = argon2id_hash_encoded(1, 8, 1, kPassword.data(), kPassword.size(), salt, 16, 32, encoded,
                                 sizeof encoded);
  check(rc == ARGON2_OK);
  return encoded;
}

class Setup {
 public:
  Setup() {
    log::set_level(log::Level::error);
    fs::path base = fs::exists("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
    std::string tmpl = (base / "postino-fuzz-imap-session-XXXXXX").string();
    check(::mkdtemp(tmpl.data()) != nullptr);
    root_ = tmpl;
    fs::path tdir = root_ / "template";
    {
      store::StoreOptions so;
      so.data_dir = tdir.string();
      auto backend = store::open_store(so);
      check(backend.ok());
      check((*backend)->add_domain("example.test").ok());
      store::Credentials cr;
      cr.password_hash = cheap_hash();
      check((*backend)->add_account(kUser, cr).ok());
    }
    OutputChecker out;
    run_session(tdir, std::string(kLogin) + setup_script(), out);
    out.finish();
  }
  ~Setup() {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  // A fresh copy of the template.
  fs::path fresh() {
    fs::path run = root_ / "run";
    std::error_code ec;
    fs::remove_all(run, ec);
    fs::copy(root_ / "template", run, fs::copy_options::recursive);
    return run;
  }

 private:
  fs::path root_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > kMaxInput) return 0;
  static Setup setup;
  std::string input(kLogin);
  input.append(reinterpret_cast<const char*>(data), size);
  OutputChecker out;
  run_session(setup.fresh(), input, out);
  // POSTINO_FUZZ_TRACE=1: the server's side of the conversation on stderr.
  if (static const bool trace = std::getenv("POSTINO_FUZZ_TRACE") != nullptr; trace)
    fwrite(out.text().data(), 1, out.text().size(), stderr);
  out.finish();
  return 0;
}
