// TOML → Config: walks the parsed document table by table, rejecting unknown
// tables and keys, checking each value's type and range, then cross-checks.
// toml++ throws on syntax errors; the exception is caught here and turned into
// an Error, so nothing escapes parse_config().
#include <toml++/toml.h>

#include <cctype>
#include <functional>
#include <limits>
#include <map>

#include "base/limits.hpp"
#include "config/config.hpp"

namespace postino::config {
namespace {

inline constexpr uint64_t kMaxPort = 65535;
// RFC 5321 §4.5.3.1.8: a server must accept at least 100 recipients.
inline constexpr uint64_t kMinRecipients = 100;
inline constexpr uint64_t kMinMessageSize = 1024;
inline constexpr uint16_t kDnsPort = 53;
inline constexpr uint32_t kMaxDnsTimeout = 300;  // seconds

// Builds the one-line error "FILE:LINE: key 'section.key': reason".
class Reporter {
 public:
  explicit Reporter(std::string_view source) : source_(source) {}

  Error at(const toml::source_region& where, std::string_view key, std::string_view reason) const {
    std::string msg = source_;
    if (where.begin.line > 0) msg += ":" + std::to_string(where.begin.line);
    msg += ": key '";
    msg += key;
    msg += "': ";
    msg += reason;
    return make_error(Errc::invalid, std::move(msg));
  }

 private:
  std::string source_;
};

using Handler = std::function<Status(const toml::node&, const std::string& path)>;
using Table = std::map<std::string, Handler, std::less<>>;

std::string type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    default:
      return "a date/time";
  }
}

class Walker {
 public:
  Walker(std::string_view source, Config& cfg) : rep_(source), cfg_(cfg) {}

  Status walk(const toml::table& root);

 private:
  Error fail(const toml::node& n, const std::string& path, std::string_view reason) const {
    return rep_.at(n.source(), path, reason);
  }
  Error wrong_type(const toml::node& n, const std::string& path, std::string_view want) const {
    return fail(n, path, "expected " + std::string(want) + ", got " + type_name(n));
  }

  Handler str(std::string& out, std::function<std::string(const std::string&)> check = {}) {
    return [this, &out, check](const toml::node& n, const std::string& path) -> Status {
      auto v = n.value_exact<std::string>();
      if (!v) return wrong_type(n, path, "a string");
      if (check) {
        if (auto why = check(*v); !why.empty()) return fail(n, path, why);
      }
      out = std::move(*v);
      return {};
    };
  }
  Handler one_of(std::string& out, std::vector<std::string> allowed) {
    return str(out, [allowed](const std::string& v) -> std::string {
      std::string list;
      for (const auto& a : allowed) {
        if (a == v) return {};
        list += (list.empty() ? "" : ", ") + a;
      }
      return "'" + v + "' is not one of: " + list;
    });
  }
  Handler boolean(bool& out) {
    return [this, &out](const toml::node& n, const std::string& path) -> Status {
      auto v = n.value_exact<bool>();
      if (!v) return wrong_type(n, path, "a boolean");
      out = *v;
      return {};
    };
  }
  template <class T>
  Handler integer(T& out, uint64_t min, uint64_t max = std::numeric_limits<T>::max()) {
    return [this, &out, min, max](const toml::node& n, const std::string& path) -> Status {
      auto v = n.value_exact<int64_t>();
      if (!v) return wrong_type(n, path, "an integer");
      if (*v < 0 || uint64_t(*v) < min || uint64_t(*v) > max)
        return fail(n, path,
                    std::to_string(*v) + " is out of range " + std::to_string(min) + "-" +
                        std::to_string(max));
      out = static_cast<T>(*v);
      return {};
    };
  }
  Handler endpoints(std::vector<Endpoint>& out, EndpointRules rules) {
    return [this, &out, rules](const toml::node& n, const std::string& path) -> Status {
      const auto* arr = n.as_array();
      if (!arr) return wrong_type(n, path, "an array of \"address:port\" strings");
      out.clear();
      for (const auto& item : *arr) {
        auto s = item.value_exact<std::string>();
        if (!s) return wrong_type(item, path, "a string");
        auto ep = parse_endpoint(*s, rules);
        if (!ep) return fail(item, path, "'" + *s + "': " + ep.error().message);
        for (const auto& seen : out)
          if (seen == *ep) return fail(item, path, "'" + *s + "' is listed twice");
        out.push_back(std::move(*ep));
      }
      return {};
    };
  }

  Handler strings(std::vector<std::string>& out,
                  std::function<std::string(const std::string&)> check) {
    return [this, &out, check](const toml::node& n, const std::string& path) -> Status {
      const auto* arr = n.as_array();
      if (!arr) return wrong_type(n, path, "an array of strings");
      out.clear();
      for (const auto& item : *arr) {
        auto s = item.value_exact<std::string>();
        if (!s) return wrong_type(item, path, "a string");
        if (auto why = check(*s); !why.empty()) return fail(item, path, why);
        out.push_back(std::move(*s));
      }
      return {};
    };
  }

  Status section(const toml::node& n, const std::string& name, const Table& keys) {
    const auto* tbl = n.as_table();
    if (!tbl) return wrong_type(n, name, "a table");
    for (const auto& [k, v] : *tbl) {
      std::string path = name + "." + std::string(k.str());
      auto it = keys.find(k.str());
      if (it == keys.end()) return rep_.at(k.source(), path, "unknown key");
      if (auto st = it->second(v, path); !st) return st;
    }
    return {};
  }

  Status cross_check(const toml::table& root);

  Reporter rep_;
  Config& cfg_;
};

std::string check_hostname(const std::string& v) {
  return is_valid_hostname(v) ? "" : "'" + v + "' is not a valid host name";
}

std::string check_nonempty(const std::string& v) { return v.empty() ? "must not be empty" : ""; }

// A trust anchor in presentation form: "OWNER [TTL] [IN] DS|DNSKEY RDATA"
// (RFC 4034 §5.3 DS: key tag, algorithm, digest type, hex digest; §2.2
// DNSKEY: flags, protocol, algorithm, base64 key). The resolver checks the rest.
std::string check_trust_anchor(const std::string& v) {
  std::vector<std::string> t;
  size_t i = 0;
  while (i < v.size()) {
    size_t j = v.find_first_of(" \t", i);
    if (j == std::string::npos) j = v.size();
    if (j > i) t.push_back(v.substr(i, j - i));
    i = j + 1;
  }
  auto upper = [](std::string x) {
    for (auto& c : x) c = char(std::toupper(static_cast<unsigned char>(c)));
    return x;
  };
  auto number = [](const std::string& x) {
    return !x.empty() && x.size() <= 5 && x.find_first_not_of("0123456789") == std::string::npos;
  };
  size_t k = 1;
  if (k < t.size() && number(t[k])) ++k;         // TTL
  if (k < t.size() && upper(t[k]) == "IN") ++k;  // class
  const std::string bad =
      "'" + v + "' is not a DS or DNSKEY record (\"NAME IN DS TAG ALG TYPE HEX\")";
  if (t.empty() || k >= t.size()) return bad;
  std::string type = upper(t[k]);
  if ((type != "DS" && type != "DNSKEY") || t.size() < k + 5) return bad;
  for (size_t n = k + 1; n <= k + 3; ++n)
    if (!number(t[n])) return bad;
  const char* alphabet = type == "DS"
                             ? "0123456789abcdefABCDEF"
                             : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";
  for (size_t n = k + 4; n < t.size(); ++n)
    if (t[n].find_first_not_of(alphabet) != std::string::npos) return bad;
  return "";
}

std::string check_user(const std::string& v) {
  for (char c : v) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.';
    if (!ok) return "'" + v + "' is not a valid user name";
  }
  return "";
}

Status Walker::walk(const toml::table& root) {
  auto& s = cfg_.server;
  auto& l = cfg_.listen;
  auto& lim = cfg_.limits;
  const EndpointRules listener{};
  const EndpointRules dns{.allow_names = false, .default_port = kDnsPort};
  const std::map<std::string, Table, std::less<>> sections = {
      {"server",
       {{"hostname", str(s.hostname, check_hostname)},
        {"data_dir", str(s.data_dir, check_nonempty)},
        {"user", str(s.user, check_user)},
        {"log_level", one_of(s.log_level, {"debug", "info", "warn", "error"})},
        {"log_format", one_of(s.log_format, {"kv", "json"})}}},
      {"listen",
       {{"smtp", endpoints(l.smtp, listener)},
        {"submission", endpoints(l.submission, listener)},
        {"submissions", endpoints(l.submissions, listener)},
        {"imap", endpoints(l.imap, listener)},
        {"imaps", endpoints(l.imaps, listener)},
        {"pop3", endpoints(l.pop3, listener)},
        {"pop3s", endpoints(l.pop3s, listener)},
        {"admin", endpoints(l.admin, listener)}}},
      {"tls",
       {{"cert", str(cfg_.tls.cert, check_nonempty)}, {"key", str(cfg_.tls.key, check_nonempty)}}},
      {"auth",
       {{"plaintext_on_loopback", boolean(cfg_.auth.plaintext_on_loopback)},
        {"max_failures_per_ip", integer(cfg_.auth.max_failures_per_ip, 1)}}},
      {"store",
       {{"backend", one_of(cfg_.store.backend, {"sqlite", "postgres"})},
        {"url", str(cfg_.store.url)}}},
      {"dns",
       {{"servers", endpoints(cfg_.dns.servers, dns)},
        {"dnssec", boolean(cfg_.dns.dnssec)},
        {"trust_anchors", strings(cfg_.dns.trust_anchors, check_trust_anchor)},
        {"timeout", integer(cfg_.dns.timeout, 1, kMaxDnsTimeout)}}},
      {"queue",
       {{"smtp_port", integer(cfg_.queue.smtp_port, 1, kMaxPort)},
        {"mta_sts_port", integer(cfg_.queue.mta_sts_port, 1, kMaxPort)},
        {"tls_ca_file", str(cfg_.queue.tls_ca_file, check_nonempty)},
        {"lifetime", integer(cfg_.queue.lifetime, 60)},
        {"delay_warning", integer(cfg_.queue.delay_warning, 0)},
        {"retry_min", integer(cfg_.queue.retry_min, 1)},
        {"retry_max", integer(cfg_.queue.retry_max, 1)},
        {"max_per_domain", integer(cfg_.queue.max_per_domain, 1)},
        {"max_connections", integer(cfg_.queue.max_connections, 1)},
        {"connect_timeout", integer(cfg_.queue.connect_timeout, 1)},
        {"command_timeout", integer(cfg_.queue.command_timeout, 1)},
        {"poll_interval", integer(cfg_.queue.poll_interval, 1, 3600)},
        {"helo_name", str(cfg_.queue.helo_name, check_hostname)}}},
      {"mailauth",
       {{"enabled", boolean(cfg_.mailauth.enabled)},
        {"authserv_id", str(cfg_.mailauth.authserv_id, check_hostname)},
        {"dmarc_reject", one_of(cfg_.mailauth.dmarc_reject, {"reject", "junk", "deliver"})},
        {"dmarc_quarantine", one_of(cfg_.mailauth.dmarc_quarantine, {"junk", "deliver", "reject"})},
        {"temperror", one_of(cfg_.mailauth.temperror, {"defer", "accept"})},
        {"spf_fail", one_of(cfg_.mailauth.spf_fail, {"none", "reject"})},
        {"junk_mailbox", str(cfg_.mailauth.junk_mailbox, check_nonempty)},
        {"dmarc_report_data", boolean(cfg_.mailauth.dmarc_report_data)}}},
      {"limits",
       {{"max_connections_per_ip", integer(lim.max_connections_per_ip, 1)},
        {"max_connections", integer(lim.max_connections, 1)},
        {"idle_timeout", integer(lim.idle_timeout, 1)},
        {"imap_idle_timeout", integer(lim.imap_idle_timeout, 1)},
        {"max_message_size",
         integer(lim.max_message_size, kMinMessageSize, postino::limits::kMaxMessageBytes)},
        {"max_recipients", integer(lim.max_recipients, kMinRecipients)}}},
  };
  for (const auto& [k, v] : root) {
    auto it = sections.find(k.str());
    if (it == sections.end())
      return rep_.at(k.source(), std::string(k.str()),
                     v.is_table() ? "unknown table" : "unknown key (settings belong in a [table])");
    if (auto st = section(v, std::string(k.str()), it->second); !st) return st;
  }
  return cross_check(root);
}

Status Walker::cross_check(const toml::table& root) {
  auto where = [&](std::string_view sec, std::string_view key) -> toml::source_region {
    if (auto n = root[sec][key].node()) return n->source();
    if (auto n = root[sec].node()) return n->source();
    return {};
  };
  if (cfg_.tls.cert.empty() != cfg_.tls.key.empty()) {
    std::string_view missing = cfg_.tls.cert.empty() ? "cert" : "key";
    std::string_view given = cfg_.tls.cert.empty() ? "key" : "cert";
    return rep_.at(where("tls", given), "tls." + std::string(missing),
                   "tls." + std::string(given) + " is set, so tls." + std::string(missing) +
                       " is required too");
  }
  if (cfg_.store.backend == "postgres" && cfg_.store.url.empty())
    return rep_.at(where("store", "backend"), "store.url",
                   "backend \"postgres\" needs a connection url");
  if (cfg_.queue.retry_min > cfg_.queue.retry_max)
    return rep_.at(where("queue", "retry_min"), "queue.retry_min",
                   "is larger than queue.retry_max");
  if (cfg_.limits.max_connections_per_ip > cfg_.limits.max_connections)
    return rep_.at(where("limits", "max_connections_per_ip"), "limits.max_connections_per_ip",
                   "is larger than limits.max_connections");
  return {};
}

}  // namespace

Result<Config> parse_config(std::string_view toml_text, std::string_view source_name) {
  Config cfg;
  cfg.source = std::string(source_name);
  toml::table root;
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& e) {
    std::string msg(source_name);
    if (e.source().begin.line > 0) msg += ":" + std::to_string(e.source().begin.line);
    msg += ": syntax error: ";
    for (char c : std::string_view(e.description())) msg += (c == '\n' || c == '\r') ? ' ' : c;
    return make_error(Errc::invalid, std::move(msg));
  } catch (const std::exception& e) {
    return make_error(Errc::invalid, std::string(source_name) + ": " + e.what());
  }
  Walker w(source_name, cfg);
  if (auto st = w.walk(root); !st) return st.take_error();
  if (cfg.server.hostname.empty()) cfg.server.hostname = system_hostname();
  return cfg;
}

}  // namespace postino::config
