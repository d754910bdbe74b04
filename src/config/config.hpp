// Config: the server's settings, parsed once from TOML into an immutable,
// validated value. Nothing else in postino reads TOML; every module takes the
// part of Config it needs. A file is applied over nothing: a key absent from
// the file keeps the default written in the struct below, and an absent
// [listen] key means that listener is off. default_config() is what postino
// runs with when no --config is given (loopback, unprivileged ports).
// Errors are one line: "FILE:LINE: key 'section.key': reason".
// Thread rules: plain values; parse functions are pure (load_config_file reads
// one file). A Config is shared read-only after startup.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "config/endpoint.hpp"

namespace postino::config {

inline constexpr std::string_view kDefaultSource = "<default>";
inline constexpr std::string_view kDefaultDataDir = "./postino-data";
inline constexpr uint64_t kMiB = 1024 * 1024;

struct Config {
  std::string source;  // file path, or "<default>"
  struct Server {
    std::string hostname;  // absent from a file: the system host name
    std::string data_dir = std::string(kDefaultDataDir);
    std::string user = "postino";    // "" = do not drop privileges
    std::string log_level = "info";  // debug | info | warn | error
    std::string log_format = "kv";   // kv | json
  } server;
  struct Listen {
    std::vector<Endpoint> smtp, submission, submissions, imap, imaps, pop3, pop3s, admin;
  } listen;
  struct Tls {
    std::string cert, key;  // both empty = self-signed, made in data_dir/tls/
  } tls;
  struct Auth {
    bool plaintext_on_loopback = true;
    uint32_t max_failures_per_ip = 10;
  } auth;
  struct Store {
    std::string backend = "sqlite";  // sqlite | postgres
    std::string url;                 // postgres connection string (required for postgres)
  } store;
  struct Dns {
    std::vector<Endpoint> servers;  // empty = /etc/resolv.conf (and /etc/hosts)
    bool dnssec = true;             // validate with the root trust anchor (servers empty only)
    std::vector<std::string> trust_anchors;  // DS/DNSKEY records; set: used instead of the root
                                             // key, also with servers (RFC 4035 §4.4)
    uint32_t timeout = 10;                   // seconds per look-up
  } dns;
  struct Queue {
    uint16_t smtp_port = 25;
    uint16_t mta_sts_port = 443;  // HTTPS port of MTA-STS policy hosts (tests only)
    std::string tls_ca_file;      // extra CA bundle for outbound TLS and MTA-STS; "" = system only
    uint32_t lifetime = 5 * 86400;      // seconds in the queue before a bounce
    uint32_t delay_warning = 4 * 3600;  // seconds before a delay DSN; 0 = none
    uint32_t retry_min = 60;            // seconds before the first retry
    uint32_t retry_max = 4 * 3600;      // longest wait between retries
    uint32_t max_per_domain = 4;        // connections per destination domain
    uint32_t max_connections = 100;     // outbound connections in all
    uint32_t connect_timeout = 30;      // seconds
    uint32_t command_timeout = 300;     // seconds (RFC 5321 §4.5.3.2)
    uint32_t poll_interval = 2;         // seconds between store checks (sees `queue flush`)
    std::string helo_name;              // "" = server.hostname
  } queue;
  struct MailAuth {  // SPF/DKIM/DMARC on mail arriving at the MX listener
    bool enabled = true;
    std::string authserv_id;                // "" = server.hostname (RFC 8601 §2.5)
    std::string dmarc_reject = "reject";    // DMARC fail, p=reject: reject | junk | deliver
    std::string dmarc_quarantine = "junk";  // DMARC fail, p=quarantine: junk | deliver | reject
    std::string temperror = "defer";        // DNS failure the decision needs: defer (451) | accept
    std::string spf_fail = "none";          // SPF fail without DMARC pass: none | reject (550)
    std::string junk_mailbox = "Junk";      // where quarantined mail is delivered
    bool dmarc_report_data = true;          // keep RFC 9990 aggregate-report data
  } mailauth;
  struct Limits {
    uint32_t max_connections_per_ip = 50;
    uint32_t max_connections = 20000;
    uint32_t idle_timeout = 300;  // seconds, SMTP/POP3
    uint32_t imap_idle_timeout = 1800;
    uint64_t max_message_size = 50 * kMiB;
    uint32_t max_recipients = 1000;
  } limits;
};

// The embedded configuration: hostname from gethostname() (fallback
// "localhost"), data under ./postino-data, every listener on 127.0.0.1 at an
// unprivileged port, user "" (no privilege drop).
Config default_config();

// Parses and validates TOML text; source_name is used in error messages.
Result<Config> parse_config(std::string_view toml_text, std::string_view source_name);

// Reads the file at path and parses it (errors name the path).
Result<Config> load_config_file(const std::string& path);

// The system host name (gethostname), or "localhost" if unavailable/invalid.
std::string system_hostname();

}  // namespace postino::config
