#include "delivery/spool_queue.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/log.hpp"
#include "base/strings.hpp"

namespace postino::delivery {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;

constexpr size_t kQueueIdChars = 20;

bool needs_escape(unsigned char c) { return c <= 0x20 || c == '%' || c == 0x7f; }

std::string encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (needs_escape(c)) {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += char(c);
    }
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

Result<std::string> decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return make_error(Errc::invalid, "truncated escape");
    int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
    if (hi < 0 || lo < 0) return make_error(Errc::invalid, "bad escape");
    out += char(hi * 16 + lo);
    i += 2;
  }
  return out;
}

Status errno_error(const std::string& what) {
  return make_error(Errc::io, what + ": " + std::strerror(errno));
}

Status write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error("write");
    }
    data.remove_prefix(size_t(n));
  }
  return {};
}

Status fsync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno_error("open " + dir);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return errno_error("fsync " + dir);
  return {};
}

}  // namespace

std::string serialize_spool(const OutboundMessage& m) {
  std::string out;
  auto line = [&out](std::string_view key, std::string_view value) {
    out.append(key).append(": ").append(encode(value)).append("\n");
  };
  line("id", m.id);
  line("mail-from", m.mail_from);
  for (size_t i = 0; i < m.rcpts.size(); ++i) {
    line("rcpt", m.rcpts[i]);
    if (i < m.recipients.size()) {
      if (!m.recipients[i].notify.empty()) line("notify", m.recipients[i].notify);
      if (!m.recipients[i].orcpt.empty()) line("orcpt", m.recipients[i].orcpt);
    }
  }
  if (!m.dsn_ret.empty()) line("ret", m.dsn_ret);
  if (!m.dsn_envid.empty()) line("envid", m.dsn_envid);
  line("body", m.body_type);
  line("smtputf8", m.smtputf8 ? "1" : "0");
  if (!m.authenticated_user.empty()) line("auth-user", m.authenticated_user);
  line("client-ip", m.client_ip);
  line("received-at", std::to_string(m.received_at));
  out += "\n";
  if (m.raw) out += *m.raw;
  return out;
}

Result<OutboundMessage> parse_spool(std::string_view content) {
  OutboundMessage m;
  size_t pos = 0;
  for (;;) {
    size_t nl = content.find('\n', pos);
    if (nl == std::string_view::npos || nl > kMaxSpoolEnvelopeBytes)
      return make_error(Errc::invalid, "unterminated envelope");
    std::string_view ln = content.substr(pos, nl - pos);
    pos = nl + 1;
    if (ln.empty()) break;
    size_t colon = ln.find(": ");
    if (colon == std::string_view::npos) return make_error(Errc::invalid, "bad envelope line");
    std::string_view key = ln.substr(0, colon);
    auto value = decode(ln.substr(colon + 2));
    if (!value) return value.take_error();
    std::string v = std::move(*value);
    if (key == "id") {
      m.id = v;
    } else if (key == "mail-from") {
      m.mail_from = v;
    } else if (key == "rcpt") {
      m.rcpts.push_back(v);
      m.recipients.push_back({v, "", ""});
    } else if (key == "notify" || key == "orcpt") {
      if (m.recipients.empty()) return make_error(Errc::invalid, "DSN data before rcpt");
      (key == "notify" ? m.recipients.back().notify : m.recipients.back().orcpt) = v;
    } else if (key == "ret") {
      m.dsn_ret = v;
    } else if (key == "envid") {
      m.dsn_envid = v;
    } else if (key == "body") {
      m.body_type = v;
    } else if (key == "smtputf8") {
      m.smtputf8 = v == "1";
    } else if (key == "auth-user") {
      m.authenticated_user = v;
    } else if (key == "client-ip") {
      m.client_ip = v;
    } else if (key == "received-at") {
      auto n = parse_u64(v);
      if (!n) return make_error(Errc::invalid, "bad received-at");
      m.received_at = int64_t(*n);
    }  // unknown keys: written by a newer version; ignored
  }
  m.raw = std::make_shared<const std::string>(content.substr(pos));
  return m;
}

Result<OutboundMessage> read_spool_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(Errc::not_found, "cannot open " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_spool(ss.str());
}

SpoolQueue::SpoolQueue(std::string data_dir)
    : dir_((fs::path(data_dir) / std::string(kSpoolDir)).string()), pool_(1) {}

SpoolQueue::~SpoolQueue() { pool_.join(); }

Status SpoolQueue::write(const OutboundMessage& msg) {
  std::error_code ec;
  std::string tmp_dir = (fs::path(dir_) / "tmp").string();
  fs::create_directories(tmp_dir, ec);
  if (ec) return make_error(Errc::io, "create " + tmp_dir + ": " + ec.message());
  std::string id = msg.id.empty() ? random_token(kQueueIdChars) : msg.id;
  for (char c : id)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_')
      return make_error(Errc::invalid, "bad queue id");
  std::string name = id + std::string(kSpoolSuffix);
  std::string tmp = (fs::path(tmp_dir) / name).string();
  std::string final_path = (fs::path(dir_) / name).string();

  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return errno_error("open " + tmp);
  OutboundMessage copy = msg;
  copy.id = id;
  Status st = write_all(fd, serialize_spool(copy));
  if (st && ::fsync(fd) != 0) st = errno_error("fsync " + tmp);
  ::close(fd);
  if (st && ::rename(tmp.c_str(), final_path.c_str()) != 0) st = errno_error("rename " + tmp);
  if (st) st = fsync_dir(dir_);
  if (!st) {
    ::unlink(tmp.c_str());
    log::error("spool.write_failed", {{"id", id}, {"error", st.error().message}});
    return st;
  }
  log::info("spool.queued", {{"id", id}, {"rcpts", msg.rcpts.size()}});
  return {};
}

asio::awaitable<Status> SpoolQueue::enqueue(OutboundMessage msg) {
  auto initiation = [this, msg = std::move(msg)](auto handler) mutable {
    auto work = asio::make_work_guard(asio::get_associated_executor(handler));
    asio::post(pool_, [this, msg = std::move(msg), handler = std::move(handler),
                       work = std::move(work)]() mutable {
      Status st = write(msg);
      auto ex = work.get_executor();
      asio::post(ex, [handler = std::move(handler), st = std::move(st)]() mutable {
        std::move(handler)(std::move(st));
      });
    });
  };
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(Status)>(
      std::move(initiation), asio::use_awaitable);
}

}  // namespace postino::delivery
