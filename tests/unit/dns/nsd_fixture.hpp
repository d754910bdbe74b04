// Test helper: a real authoritative DNS server (nsd) on 127.0.0.1 at a free
// port, serving zone files the test writes. nsd runs unprivileged in the
// foreground (-d) with its configuration, zones, pid file and log in a
// TempDir; start() returns once it answers a query, the destructor stops it.
// The C++ counterpart of tests/integration/dns_server.py.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "common/temp_dir.hpp"

extern char** environ;

namespace postino::testing {

inline constexpr const char* kNsd = "/usr/sbin/nsd";

// A UDP socket bound to 127.0.0.1 (port 0 = any free port); closed on destruction.
class UdpSocket {
 public:
  explicit UdpSocket(uint16_t port = 0) {
    fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
      ::close(fd_);
      fd_ = -1;
      return;
    }
    socklen_t len = sizeof sa;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len);
    port_ = ntohs(sa.sin_port);
  }
  ~UdpSocket() {
    if (fd_ >= 0) ::close(fd_);
  }
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;
  int fd() const { return fd_; }
  uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

class NsdServer {
 public:
  // zones: origin -> zone-file lines relative to the origin (SOA/NS added here).
  explicit NsdServer(std::map<std::string, std::vector<std::string>> zones)
      : dir_("nsd"), zones_(std::move(zones)) {}
  ~NsdServer() { stop(); }
  NsdServer(const NsdServer&) = delete;
  NsdServer& operator=(const NsdServer&) = delete;

  static bool available() { return ::access(kNsd, X_OK) == 0; }

  uint16_t port() const { return port_; }
  std::string log() const {
    std::ifstream f(dir_.path() + "/nsd.log");
    return std::string(std::istreambuf_iterator<char>(f), {});
  }

  // Returns false (and leaves the log for the failure message) if nsd did not
  // come up within a few seconds.
  bool start() {
    {
      UdpSocket probe;  // a free port; nsd binds it right after we close it
      port_ = probe.port();
    }
    const std::string d = dir_.path();
    std::ofstream conf(d + "/nsd.conf");
    conf
        << "server:\n  ip-address: 127.0.0.1\n  port: " << port_
        << "\n  username: \"\"\n  chroot: \"\"\n  zonesdir: \"" << d << "\"\n  pidfile: \"" << d
        << "/nsd.pid\"\n  database: \"\"\n  xfrdfile: \"" << d << "/xfrd.state\"\n  xfrdir: \"" << d
        << "\"\n  zonelistfile: \"" << d << "/zone.list\"\n  logfile: \"" << d
        << "/nsd.log\"\n  server-count: 1\n  verbosity: 1\nremote-control:\n  control-enable: no\n";
    for (const auto& [origin, records] : zones_) {
      std::string file = d + "/" + origin + ".zone";
      std::ofstream z(file);
      z << "$ORIGIN " << origin << ".\n$TTL 60\n@ IN SOA ns." << origin << ". hostmaster." << origin
        << ". 1 3600 600 86400 60\n@ IN NS ns." << origin << ".\n";
      for (const auto& r : records) z << r << "\n";
      conf << "zone:\n  name: " << origin << "\n  zonefile: \"" << file << "\"\n";
    }
    conf.close();
    std::string cfg = d + "/nsd.conf";
    std::vector<char*> argv = {const_cast<char*>(kNsd), const_cast<char*>("-d"),
                               const_cast<char*>("-c"), cfg.data(), nullptr};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    std::string out = d + "/nsd.out";
    posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    int rc = posix_spawn(&pid_, kNsd, &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
      pid_ = -1;
      return false;
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (std::chrono::steady_clock::now() < deadline) {
      if (answers()) return true;
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

 private:
  // Sends an SOA query for the first zone and waits briefly for any reply.
  bool answers() const {
    if (zones_.empty()) return false;
    UdpSocket s;
    // RFC 1035 §4.1.1 header: id 0x1234, RD, one question.
    std::string q("\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00", 12);
    std::string origin = zones_.begin()->first;
    size_t start = 0;
    while (start <= origin.size()) {
      size_t dot = origin.find('.', start);
      if (dot == std::string::npos) dot = origin.size();
      q += static_cast<char>(dot - start);
      q += origin.substr(start, dot - start);
      start = dot + 1;
    }
    q += std::string("\x00\x00\x06\x00\x01", 5);  // root, QTYPE SOA, QCLASS IN
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port_);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::sendto(s.fd(), q.data(), q.size(), 0, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    timeval tv{0, 200000};
    ::setsockopt(s.fd(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[512];
    return ::recv(s.fd(), buf, sizeof buf, 0) >= 12;
  }

  TempDir dir_;
  std::map<std::string, std::vector<std::string>> zones_;
  uint16_t port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace postino::testing
