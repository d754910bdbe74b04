// IMAP load generator: SESSIONS persistent sessions, each logged in as its own
// user (testuser1..N, round robin over --users), run a weighted mix of commands
// for DURATION seconds on their INBOX; prints "ops seconds ops/s" on stdout and
// the per-command counts and mean latencies on stderr.
//
//   imap_load --port P [--sessions 10] [--users 10] [--duration 20] [--seed 1]
//             [--user-format testuser{}@example.test] [--password pass]
//
// The mix (weights, out of 100): SELECT 5, FETCH 35 (20 UID FETCH of 10
// messages' FLAGS/ENVELOPE/RFC822.SIZE, 15 BODY.PEEK[] of one message), STORE 20
// (+/-\Seen on one message), SEARCH 15 (UNSEEN / SUBJECT), APPEND 10 (a 2 KB
// message), EXPUNGE 10 (flag one message this session appended \Deleted, then
// EXPUNGE: one op), IDLE 5 (enter, leave). Every command counts as one op when
// its tagged OK arrives. The mailbox stays about the same size: sessions expunge
// what they appended. Same client, same seed, every server.
//
// All sessions run as coroutines on one thread, one command at a time each, so
// the client needs little CPU beside the server it measures on the same cores.
#include <algorithm>
#include <array>
#include <boost/asio.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

enum Op { kSelect, kFetchMeta, kFetchBody, kStore, kSearch, kAppend, kExpunge, kIdle, kOps };
constexpr std::array<const char*, kOps> kNames = {"select", "fetch_meta", "fetch_body", "store",
                                                  "search", "append",     "expunge",    "idle"};
constexpr std::array<int, kOps> kWeights = {5, 20, 15, 20, 15, 10, 10, 5};

struct Options {
  uint16_t port = 0;
  int sessions = 10;
  int users = 10;
  double duration = 20;
  unsigned seed = 1;
  std::string user_format = "testuser{}@example.test";
  std::string password = "pass";
};

struct Stats {
  std::array<uint64_t, kOps> count{};
  std::array<double, kOps> seconds{};
};

std::string small_message(int i) {
  std::string line;
  for (int k = 0; k < 3; ++k) line += "appended by the load generator ";
  line += "\r\n";
  std::string body;
  for (int k = 0; k < 20; ++k) body += line;
  return "From: load@example.org\r\nTo: testuser@example.test\r\nSubject: load " +
         std::to_string(i) + "\r\nMessage-ID: <load." + std::to_string(i) +
         "@example.org>\r\n\r\n" + body;
}

// One IMAP connection: one command at a time; understands just enough of the
// grammar to find the end of a response (lines, and {n} literals at the end of
// a line, RFC 9051 §4.3).
class Client {
 public:
  explicit Client(tcp::socket s) : sock_(std::move(s)) {}

  // The next response line, literals inlined, CRLF removed.
  awaitable<std::string> line() {
    std::string out;
    for (;;) {
      size_t k;
      while ((k = buf_.find("\r\n", pos_)) == std::string::npos) co_await fill();
      std::string_view part(buf_.data() + pos_, k - pos_);
      out.append(part);
      pos_ = k + 2;
      size_t lit = literal_size(part);
      if (lit == std::string::npos) break;
      while (buf_.size() - pos_ < lit) co_await fill();
      out.append("\r\n").append(buf_, pos_, lit);
      pos_ += lit;
    }
    co_return out;
  }

  awaitable<void> send(const std::string& data) {
    co_await asio::async_write(sock_, asio::buffer(data), use_awaitable);
  }

  std::string next_tag() { return "A" + std::to_string(++n_); }

  // Sends `text` (with a synchronising literal when given) and reads up to the
  // tagged reply; untagged lines go to *untagged. Throws unless it is OK.
  awaitable<std::string> command(const std::string& text, const std::string* literal = nullptr,
                                 std::vector<std::string>* untagged = nullptr) {
    std::string tag = next_tag();
    if (!literal) {
      std::string out = tag + " " + text + "\r\n";
      co_await send(out);
    } else {
      std::string out = tag + " " + text + " {" + std::to_string(literal->size()) + "}\r\n";
      co_await send(out);
      for (;;) {
        std::string l = co_await line();
        if (l.starts_with("+")) break;
        if (l.starts_with(tag)) throw std::runtime_error(text + ": " + l);
      }
      std::string body = *literal + "\r\n";
      co_await send(body);
    }
    co_return co_await tagged(tag, text, untagged);
  }

  awaitable<std::string> tagged(const std::string& tag, const std::string& what,
                                std::vector<std::string>* untagged) {
    std::string prefix = tag + " ";
    for (;;) {
      std::string l = co_await line();
      if (l.starts_with(prefix)) {
        if (l.compare(prefix.size(), 2, "OK") != 0)
          throw std::runtime_error(what.substr(0, 40) + ": " + l);
        co_return l;
      }
      if (untagged) untagged->push_back(std::move(l));
    }
  }

  awaitable<void> idle() {
    std::string tag = next_tag();
    std::string out = tag + " IDLE\r\n";
    co_await send(out);
    for (;;) {
      std::string l = co_await line();
      if (l.starts_with("+")) break;
      if (l.starts_with(tag)) throw std::runtime_error("IDLE: " + l);
    }
    std::string done = "DONE\r\n";
    co_await send(done);
    co_await tagged(tag, "IDLE", nullptr);
  }

 private:
  static size_t literal_size(std::string_view l) {
    if (l.empty() || l.back() != '}') return std::string::npos;
    size_t open = l.rfind('{');
    if (open == std::string_view::npos) return std::string::npos;
    std::string_view n = l.substr(open + 1, l.size() - open - 2);
    if (!n.empty() && n.back() == '+') n.remove_suffix(1);
    if (n.empty() || n.find_first_not_of("0123456789") != std::string_view::npos)
      return std::string::npos;
    return std::stoull(std::string(n));
  }

  awaitable<void> fill() {
    if (pos_ > 0) {
      buf_.erase(0, pos_);
      pos_ = 0;
    }
    size_t old = buf_.size();
    buf_.resize(old + 65536);
    size_t n =
        co_await sock_.async_read_some(asio::buffer(buf_.data() + old, 65536), use_awaitable);
    buf_.resize(old + n);
  }

  tcp::socket sock_;
  std::string buf_;
  size_t pos_ = 0;
  uint64_t n_ = 0;
};

class Session {
 public:
  Session(tcp::socket s, unsigned seed) : c_(std::move(s)), rnd_(seed) {}

  Client& client() { return c_; }

  awaitable<void> select() {
    std::string sel = "SELECT INBOX", all = "UID SEARCH ALL";
    co_await c_.command(sel);
    std::vector<std::string> untagged;
    co_await c_.command(all, nullptr, &untagged);
    uids_.clear();
    for (const auto& l : untagged) {
      if (!l.starts_with("* SEARCH")) continue;
      const char* p = l.c_str() + 8;
      char* end;
      for (;;) {
        unsigned long v = std::strtoul(p, &end, 10);
        if (end == p) break;
        uids_.push_back(static_cast<uint32_t>(v));
        p = end;
      }
    }
    std::sort(uids_.begin(), uids_.end());
    std::erase_if(mine_,
                  [&](uint32_t u) { return !std::binary_search(uids_.begin(), uids_.end(), u); });
  }

  Op pick_op() { return static_cast<Op>(mix_(rnd_)); }

  // Runs one op; false when there was nothing to do it on. (Command texts are
  // named locals: g++ 12 mishandles temporaries inside co_await expressions.)
  awaitable<bool> op(Op o) {
    std::string cmd;
    switch (o) {
      case kSelect:
        co_await select();
        break;
      case kFetchMeta: {
        if (uids_.empty()) co_return false;
        size_t k = pick(uids_.size());
        uint32_t lo = uids_[k], hi = uids_[std::min(k + 9, uids_.size() - 1)];
        cmd = "UID FETCH " + std::to_string(lo) + ":" + std::to_string(hi) +
              " (FLAGS ENVELOPE RFC822.SIZE)";
        co_await c_.command(cmd);
        break;
      }
      case kFetchBody: {
        if (uids_.empty()) co_return false;
        cmd = "UID FETCH " + std::to_string(uids_[pick(uids_.size())]) + " (BODY.PEEK[])";
        co_await c_.command(cmd);
        break;
      }
      case kStore: {
        if (uids_.empty()) co_return false;
        uint32_t u = uids_[pick(uids_.size())];
        char sign = pick(2) ? '+' : '-';
        cmd = "UID STORE " + std::to_string(u) + " " + sign + "FLAGS.SILENT (\\Seen)";
        co_await c_.command(cmd);
        break;
      }
      case kSearch:
        cmd = pick(2) ? std::string("UID SEARCH UNSEEN")
                      : "UID SEARCH SUBJECT \"message " + std::to_string(pick(100)) + "\"";
        co_await c_.command(cmd);
        break;
      case kAppend: {
        std::string msg = small_message(++appended_);
        cmd = "APPEND INBOX (\\Seen)";
        std::string tagged = co_await c_.command(cmd, &msg);
        size_t at = tagged.find("[APPENDUID ");
        if (at != std::string::npos) {
          size_t sp = tagged.find(' ', at + 11);
          if (sp != std::string::npos) {
            auto u = static_cast<uint32_t>(std::strtoul(tagged.c_str() + sp + 1, nullptr, 10));
            mine_.push_back(u);
            uids_.insert(std::upper_bound(uids_.begin(), uids_.end(), u), u);
          }
        }
        break;
      }
      case kExpunge: {
        if (mine_.empty()) co_return false;
        uint32_t u = mine_.front();
        mine_.pop_front();
        cmd = "UID STORE " + std::to_string(u) + " +FLAGS.SILENT (\\Deleted)";
        co_await c_.command(cmd);
        cmd = "EXPUNGE";
        co_await c_.command(cmd);
        std::erase(uids_, u);
        break;
      }
      case kIdle:
        co_await c_.idle();
        break;
      case kOps:
        break;
    }
    co_return true;
  }

 private:
  size_t pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rnd_); }

  Client c_;
  std::mt19937 rnd_;
  std::discrete_distribution<int> mix_{kWeights.begin(), kWeights.end()};
  std::vector<uint32_t> uids_;
  std::deque<uint32_t> mine_;
  int appended_ = 0;
};

std::string user_name(const std::string& format, int n) {
  std::string out = format;
  size_t at = out.find("{}");
  if (at != std::string::npos) out.replace(at, 2, std::to_string(n));
  return out;
}

struct Run {
  Options opts;
  int logged_in = 0;
  int finished = 0;
  Clock::time_point start, end;
  asio::steady_timer* go = nullptr;  // cancelled when every session has logged in
  Stats stats;
  std::string error;
};

awaitable<void> session(Run& run, int k) {
  auto ex = co_await asio::this_coro::executor;
  try {
    tcp::socket sock(ex);
    tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), run.opts.port);
    co_await sock.async_connect(ep, use_awaitable);
    sock.set_option(tcp::no_delay(true));
    Session s(std::move(sock), run.opts.seed * 1000 + unsigned(k));
    std::string greeting = co_await s.client().line();
    if (!greeting.starts_with("* OK")) throw std::runtime_error("greeting: " + greeting);
    std::string user = user_name(run.opts.user_format, k % run.opts.users + 1);
    std::string login = "LOGIN \"" + user + "\" \"" + run.opts.password + "\"";
    co_await s.client().command(login);
    co_await s.select();
    if (++run.logged_in == run.opts.sessions) {
      run.start = Clock::now();
      run.end = run.start + std::chrono::duration_cast<Clock::duration>(
                                std::chrono::duration<double>(run.opts.duration));
      run.go->cancel();
    } else if (run.error.empty()) {  // after a failure nobody starts (and go stays cancelled)
      boost::system::error_code ec;
      co_await run.go->async_wait(asio::redirect_error(use_awaitable, ec));
    }
    while (Clock::now() < run.end) {
      Op o = s.pick_op();
      auto t = Clock::now();
      if (co_await s.op(o)) {
        run.stats.count[o] += 1;
        run.stats.seconds[o] += std::chrono::duration<double>(Clock::now() - t).count();
      }
    }
    std::string logout = "LOGOUT";
    co_await s.client().command(logout);
  } catch (const std::exception& e) {
    if (run.error.empty()) run.error = "session " + std::to_string(k) + ": " + e.what();
    run.go->cancel();
  }
  ++run.finished;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) throw std::runtime_error("missing value for " + a);
    std::string v = argv[++i];
    if (a == "--port")
      o.port = static_cast<uint16_t>(std::stoul(v));
    else if (a == "--sessions")
      o.sessions = std::stoi(v);
    else if (a == "--users")
      o.users = std::stoi(v);
    else if (a == "--duration")
      o.duration = std::stod(v);
    else if (a == "--seed")
      o.seed = static_cast<unsigned>(std::stoul(v));
    else if (a == "--user-format")
      o.user_format = v;
    else if (a == "--password")
      o.password = v;
    else
      throw std::runtime_error("unknown option " + a);
  }
  if (o.port == 0 || o.sessions < 1 || o.users < 1) throw std::runtime_error("need --port");
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  Run run;
  try {
    run.opts = parse(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "imap_load: %s\n", e.what());
    return 2;
  }
  asio::io_context io(1);
  asio::steady_timer go(io, Clock::time_point::max());
  run.go = &go;
  for (int k = 0; k < run.opts.sessions; ++k) asio::co_spawn(io, session(run, k), asio::detached);
  io.run();
  if (!run.error.empty()) {
    std::fprintf(stderr, "imap_load: %s\n", run.error.c_str());
    return 1;
  }
  double secs = std::chrono::duration<double>(Clock::now() - run.start).count();
  uint64_t ops = 0;
  for (auto n : run.stats.count) ops += n;
  std::printf("%llu %.2f %.1f\n", static_cast<unsigned long long>(ops), secs, double(ops) / secs);
  std::string counts = "imap:", lat = "imap ms/op:";
  for (int o = 0; o < kOps; ++o) {
    counts += " " + std::string(kNames[o]) + "=" + std::to_string(run.stats.count[o]);
    if (run.stats.count[o] == 0) continue;
    char b[64];
    std::snprintf(b, sizeof b, " %s=%.2f", kNames[o],
                  1000 * run.stats.seconds[o] / run.stats.count[o]);
    lat += b;
  }
  std::fprintf(stderr, "%s\n%s\n", counts.c_str(), lat.c_str());
  return 0;
}
