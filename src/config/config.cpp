#include "config/config.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace postino::config {
namespace {

// Bigger than any sane config file; stops `--config /dev/zero` from eating memory.
inline constexpr std::streamsize kMaxConfigFileBytes = 1 << 20;

Endpoint loopback(uint16_t port) {
  return Endpoint{"127.0.0.1", port, "127.0.0.1:" + std::to_string(port)};
}

}  // namespace

std::string system_hostname() {
  char buf[kMaxHostnameLength + 2] = {};
  if (gethostname(buf, sizeof(buf) - 1) != 0) return std::string(kLocalhost);
  std::string name(buf);
  if (!is_valid_hostname(name)) return std::string(kLocalhost);
  return name;
}

Config default_config() {
  Config c;
  c.source = std::string(kDefaultSource);
  c.server.hostname = system_hostname();
  c.server.data_dir = std::string(kDefaultDataDir);
  c.server.user = "";
  c.listen.smtp = {loopback(2525)};
  c.listen.submission = {loopback(2587)};
  c.listen.submissions = {loopback(2465)};
  c.listen.imap = {loopback(2143)};
  c.listen.imaps = {loopback(2993)};
  c.listen.pop3 = {loopback(2110)};
  c.listen.pop3s = {loopback(2995)};
  c.listen.admin = {loopback(2080)};
  return c;
}

Result<Config> load_config_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(Errc::io, path + ": cannot open: " + std::strerror(errno));
  std::string text;
  text.resize(static_cast<size_t>(kMaxConfigFileBytes) + 1);
  in.read(text.data(), kMaxConfigFileBytes + 1);
  if (in.bad()) return make_error(Errc::io, path + ": cannot read: " + std::strerror(errno));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > static_cast<size_t>(kMaxConfigFileBytes))
    return make_error(Errc::limit, path + ": file is larger than 1 MiB");
  return parse_config(text, path);
}

}  // namespace postino::config
