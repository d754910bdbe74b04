#include "app/cli.hpp"

#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/credentials.hpp"
#include "auth/address.hpp"
#include "base/strings.hpp"
#include "dns/present.hpp"
#include "dns/unbound_resolver.hpp"
#include "mailauth/dkim/keyring.hpp"
#include "mime/encoding.hpp"
#include "mime/header.hpp"
#include "net/privileges.hpp"
#include "queue/mta_sts/mta_sts.hpp"
#include "store/open.hpp"

namespace postino::app {
namespace {

constexpr std::string_view kUsage =
    "usage: postino [--config FILE] COMMAND\n"
    "\n"
    "  serve                                 run the mail server\n"
    "  domain add|remove DOMAIN              manage local domains\n"
    "  domain list\n"
    "  user add ADDRESS [--password-stdin]   add an account (prints a random password\n"
    "                                        unless --password-stdin)\n"
    "  user passwd ADDRESS --password-stdin  set an account's password\n"
    "  user remove ADDRESS · user list\n"
    "  alias add ALIAS TARGET[,TARGET…]      ALIAS may be @DOMAIN (catch-all)\n"
    "  alias remove ALIAS · alias list\n"
    "  mailbox list ADDRESS\n"
    "  message list ADDRESS [MAILBOX]        UID, flags, size, date, subject\n"
    "  message show ADDRESS MAILBOX UID      the raw message bytes\n"
    "  queue list · queue show|retry|remove ID · queue flush\n"
    "                                        the outbound queue (flush: retry all now)\n"
    "  dns DOMAIN                            the DNS records to publish (MX, SPF, DKIM,\n"
    "                                        DMARC, MTA-STS, TLS-RPT, SRV), zone-file form\n"
    "  dns mta-sts DOMAIN                    fetch and show DOMAIN's MTA-STS policy\n"
    "  dns lookup a|aaaa|mx|txt|ptr|tlsa NAME  what postino's resolver answers\n"
    "  dkim sign [--domain D] < MESSAGE      print MESSAGE with our DKIM signatures\n"
    "                                        (for testing keys)\n";

int usage_error(std::string_view msg) {
  std::cerr << "postino: " << msg << "\n" << kUsage;
  return kExitUsage;
}

int fail(const Error& e) {
  std::cerr << "postino: " << e.message << "\n";
  return kExitFailed;
}

// Reads the password from the first line of standard input (without its line end).
Result<std::string> read_password_stdin() {
  std::string line;
  if (!std::getline(std::cin, line))
    return make_error(Errc::invalid, "no password on standard input");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

Result<std::string> normalized_address(const std::string& text) {
  auto a = auth::parse_address(text);
  if (!a) return make_error(Errc::invalid, "invalid address '" + text + "': " + a.error().message);
  return a->str();
}

// An alias source: an address, or "@domain" for the domain's catch-all.
Result<std::string> alias_source(const std::string& text) {
  if (!text.empty() && text.front() == '@') {
    auto d = auth::normalize_domain(text.substr(1));
    if (!d)
      return make_error(Errc::invalid, "invalid catch-all '" + text + "': " + d.error().message);
    return "@" + *d;
  }
  return normalized_address(text);
}

struct Cli {
  config::Config cfg;
  std::unique_ptr<store::StoreBackend> store;

  Status open() {
    store::StoreOptions opts{cfg.store.backend, cfg.server.data_dir, cfg.store.url};
    auto s = store::open_store(opts);
    if (!s) return s.take_error();
    store = std::move(*s);
    return {};
  }

  int domain(const std::vector<std::string>& a) {
    if (a.size() == 1 && a[0] == "list") {
      auto list = store->list_domains();
      if (!list) return fail(list.error());
      for (const auto& d : *list) std::cout << d.name << "\n";
      return kExitOk;
    }
    if (a.size() != 2 || (a[0] != "add" && a[0] != "remove"))
      return usage_error("domain add|remove DOMAIN, or domain list");
    auto name = auth::normalize_domain(a[1]);
    if (!name)
      return fail(
          make_error(Errc::invalid, "invalid domain '" + a[1] + "': " + name.error().message));
    Status st = a[0] == "add" ? store->add_domain(*name) : store->remove_domain(*name);
    if (!st) return fail(st.error());
    if (a[0] == "add") {
      // DKIM keys for the new domain (kept on remove: its records may still be published).
      if (Status k = mailauth::dkim::create_domain_keys(cfg.server.data_dir, *name); !k)
        return fail(k.error());
      // Run as root: the keys must stay readable by the server after it drops privileges.
      if (!cfg.server.user.empty() && geteuid() == 0) {
        std::string dir = cfg.server.data_dir + "/" + std::string(mailauth::dkim::kKeyDir);
        if (Status c = net::chown_tree(dir, cfg.server.user); !c) return fail(c.error());
      }
    }
    return kExitOk;
  }

  int user(const std::vector<std::string>& a) {
    if (a.size() == 1 && a[0] == "list") {
      auto list = store->list_accounts();
      if (!list) return fail(list.error());
      for (const auto& acc : *list) std::cout << acc.address << "\n";
      return kExitOk;
    }
    if (a.size() < 2) return usage_error("user add|passwd|remove ADDRESS, or user list");
    const std::string& verb = a[0];
    auto addr = normalized_address(a[1]);
    if (!addr) return fail(addr.error());
    bool from_stdin = a.size() == 3 && a[2] == "--password-stdin";
    if (a.size() > 3 || (a.size() == 3 && !from_stdin)) return usage_error("unexpected arguments");
    if (verb == "remove") {
      if (a.size() != 2) return usage_error("user remove ADDRESS");
      Status st = store->remove_account(*addr);
      return st ? kExitOk : fail(st.error());
    }
    if (verb != "add" && verb != "passwd")
      return usage_error("unknown user command '" + verb + "'");
    if (verb == "passwd" && !from_stdin) return usage_error("user passwd ADDRESS --password-stdin");
    std::string password;
    if (from_stdin) {
      auto p = read_password_stdin();
      if (!p) return fail(p.error());
      password = *p;
    } else {
      password = random_token(16);
    }
    auto creds = make_credentials(password);
    if (!creds) return fail(creds.error());
    if (verb == "add") {
      auto acc = store->add_account(*addr, *creds);
      if (!acc) return fail(acc.error());
      if (!from_stdin) std::cout << *addr << " password: " << password << "\n";
    } else {
      Status st = store->set_credentials(*addr, *creds);
      if (!st) return fail(st.error());
    }
    return kExitOk;
  }

  int alias(const std::vector<std::string>& a) {
    if (a.size() == 1 && a[0] == "list") {
      auto list = store->list_aliases();
      if (!list) return fail(list.error());
      for (const auto& al : *list) std::cout << al.address << " " << al.target << "\n";
      return kExitOk;
    }
    if (a.size() == 3 && a[0] == "add") {
      auto from = alias_source(a[1]);
      if (!from) return fail(from.error());
      // TARGET may list several addresses separated by commas.
      std::string targets;
      for (auto part : split(a[2], ',')) {
        auto to = normalized_address(std::string(trim(part)));
        if (!to) return fail(to.error());
        targets += (targets.empty() ? "" : ",") + *to;
      }
      Status st = store->add_alias(*from, targets);
      return st ? kExitOk : fail(st.error());
    }
    if (a.size() == 2 && a[0] == "remove") {
      auto from = alias_source(a[1]);
      if (!from) return fail(from.error());
      Status st = store->remove_alias(*from);
      return st ? kExitOk : fail(st.error());
    }
    return usage_error("alias add ALIAS TARGET, alias remove ALIAS, or alias list");
  }

  Result<store::Account> account(const std::string& text) {
    auto addr = normalized_address(text);
    if (!addr) return addr.take_error();
    return store->get_account(*addr);
  }

  int mailbox(const std::vector<std::string>& a) {
    if (a.size() != 2 || a[0] != "list") return usage_error("mailbox list ADDRESS");
    auto acc = account(a[1]);
    if (!acc) return fail(acc.error());
    auto list = store->list_mailboxes(acc->id);
    if (!list) return fail(list.error());
    for (const auto& m : *list) {
      std::cout << m.name << "\t" << m.message_count << " messages\t" << m.unseen_count
                << " unseen\t" << m.size_bytes << " bytes";
      if (!m.special_use.empty()) std::cout << "\t" << m.special_use;
      std::cout << "\n";
    }
    return kExitOk;
  }

  int message(const std::vector<std::string>& a) {
    if (a.size() >= 2 && a.size() <= 3 && a[0] == "list") return message_list(a);
    if (a.size() == 4 && a[0] == "show") return message_show(a);
    return usage_error("message list ADDRESS [MAILBOX], or message show ADDRESS MAILBOX UID");
  }

  int message_list(const std::vector<std::string>& a) {
    auto acc = account(a[1]);
    if (!acc) return fail(acc.error());
    auto mb = store->get_mailbox(acc->id, a.size() == 3 ? a[2] : store::kInbox);
    if (!mb) return fail(mb.error());
    auto msgs = store->fetch(mb->id, store::UidSet::all());
    if (!msgs) return fail(msgs.error());
    for (const auto& m : *msgs) {
      std::string flags;
      for (const auto& f : m.flags) flags += (flags.empty() ? "" : ",") + f;
      char date[32];
      time_t t = time_t(m.internal_date);
      struct tm tm;
      gmtime_r(&t, &tm);
      strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm);
      std::cout << m.uid << "\t" << (flags.empty() ? "-" : flags) << "\t" << m.size << "\t" << date
                << "\t" << subject_of(m) << "\n";
    }
    return kExitOk;
  }

  int message_show(const std::vector<std::string>& a) {
    auto acc = account(a[1]);
    if (!acc) return fail(acc.error());
    auto mb = store->get_mailbox(acc->id, a[2]);
    if (!mb) return fail(mb.error());
    auto uid = parse_u64(a[3]);
    if (!uid || *uid == 0 || *uid > UINT32_MAX) return usage_error("UID must be a number");
    auto msgs = store->fetch(mb->id, store::UidSet::of({store::Uid(*uid)}));
    if (!msgs) return fail(msgs.error());
    if (msgs->empty()) return fail(make_error(Errc::not_found, "no message with UID " + a[3]));
    auto raw = store->read_blob(msgs->front().blob_id);
    if (!raw) return fail(raw.error());
    std::fwrite(raw->data(), 1, raw->size(), stdout);
    return kExitOk;
  }

  // The decoded Subject, read from the head of the message (not the whole blob).
  std::string subject_of(const store::MessageMeta& m) {
    auto head = store->read_blob(m.blob_id, 0, kSubjectScanBytes);
    if (!head) return "";
    auto section = mime::parse_header_section(*head, 0, head->size());
    auto subject = mime::find_header(section.fields, "Subject");
    if (!subject) return "";
    std::string s = mime::decode_header_value(*subject);
    for (auto& c : s)
      if (c == '\t' || c == '\r' || c == '\n') c = ' ';
    return s;
  }

  static constexpr uint64_t kSubjectScanBytes = 64 * 1024;
};

// ---- postino dns DOMAIN: the records to publish, in zone-file form ----

constexpr uint32_t kRecordTtl = 3600;
constexpr uint64_t kPublishedStsMaxAge = 604800;  // a week; RFC 8461 §3.2 suggests weeks
constexpr size_t kTxtStringMax = 255;             // RFC 1035 §3.3 <character-string>

// RFC 1035 §5.1 master-file TXT data: quoted strings of at most 255 octets each.
std::string zone_txt(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); i += kTxtStringMax) {
    out += out.empty() ? "\"" : " \"";
    for (char c : text.substr(i, kTxtStringMax)) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out;
}

std::string zone_rr(const std::string& name, std::string_view type, const std::string& data) {
  return name + ".\t" + std::to_string(kRecordTtl) + "\tIN\t" + std::string(type) + "\t" + data +
         "\n";
}

int dns_records(const config::Config& cfg, const std::string& domain) {
  const std::string& host = cfg.server.hostname;
  std::string out = "; DNS records for " + domain + " (postino dns " + domain + ")\n";
  out += "; " + host + " needs A/AAAA records with this server's public addresses.\n";
  out += zone_rr(domain, "MX", "10 " + host + ".");
  out += zone_rr(domain, "TXT", zone_txt("v=spf1 mx -all"));  // RFC 7208 §5.4
  // RFC 6376 §3.6.2.1: keys at <selector>._domainkey.<domain>.
  auto keys = mailauth::dkim::published_keys(cfg.server.data_dir, domain);
  if (keys) {
    for (const auto& k : *keys)
      out += zone_rr(k.selector + "._domainkey." + domain, "TXT", zone_txt(k.txt));
  } else {
    out += "; no DKIM keys for " + domain + " (postino domain add " + domain + " makes them)\n";
  }
  // RFC 9989 §4.7: a policy record; reports to the domain's own postmaster.
  out += zone_rr("_dmarc." + domain, "TXT",
                 zone_txt("v=DMARC1; p=quarantine; rua=mailto:postmaster@" + domain));
  // RFC 8461 §3: "testing" while the certificate is self-signed (an enforcing
  // sender would refuse it), "enforce" with a configured certificate.
  queue::MtaStsPolicy sts;
  sts.mode = cfg.tls.cert.empty() ? queue::MtaStsPolicy::testing : queue::MtaStsPolicy::enforce;
  sts.mx = {host};
  sts.max_age = kPublishedStsMaxAge;
  std::string policy = queue::format_mta_sts_policy(sts);
  out += zone_rr("_mta-sts." + domain, "TXT",
                 zone_txt("v=STSv1; id=" + queue::mta_sts_policy_id(policy) + ";"));
  out += zone_rr("mta-sts." + domain, "CNAME", host + ".");
  out += zone_rr("_smtp._tls." + domain, "TXT",  // RFC 8460 §3
                 zone_txt("v=TLSRPTv1; rua=mailto:postmaster@" + domain));
  // RFC 6186 §3, RFC 8314 §5.1: client service records, implicit TLS preferred
  // (lower priority value); a service that is off gets the target "." (not offered).
  struct Service {
    const char* label;
    const std::vector<config::Endpoint>& listen;
    int priority;
  };
  const Service services[] = {{"_submissions._tcp.", cfg.listen.submissions, 0},
                              {"_submission._tcp.", cfg.listen.submission, 5},
                              {"_imaps._tcp.", cfg.listen.imaps, 0},
                              {"_imap._tcp.", cfg.listen.imap, 5},
                              {"_pop3s._tcp.", cfg.listen.pop3s, 10},
                              {"_pop3._tcp.", cfg.listen.pop3, 15}};
  for (const auto& s : services) {
    std::string data = s.listen.empty()
                           ? "0 0 0 ."
                           : std::to_string(s.priority) + " 1 " +
                                 std::to_string(s.listen.front().port) + " " + host + ".";
    out += zone_rr(s.label + domain, "SRV", data);
  }
  out += zone_rr("autoconfig." + domain, "CNAME", host + ".");
  out += zone_rr("autodiscover." + domain, "CNAME", host + ".");
  out += ";\n; MTA-STS policy: serve it as text/plain at https://mta-sts." + domain +
         "/.well-known/mta-sts.txt\n; with a certificate valid for mta-sts." + domain +
         " (RFC 8461 §3.3). Policy file:\n";
  for (auto line : split(policy, '\n')) {
    line = trim(line);
    if (!line.empty()) out += ";   " + std::string(line) + "\n";
  }
  std::cout << out;
  return kExitOk;
}

// `postino dns mta-sts DOMAIN`: discovery through the configured resolver and
// the HTTPS fetch, as the outbound queue does it.
int dns_mta_sts(const config::Config& cfg, const std::string& domain) {
  boost::asio::io_context io;
  auto resolver = dns::make_resolver(cfg.dns, io.get_executor());
  if (!resolver) return fail(resolver.error());
  queue::MtaStsCache::Options opts;
  opts.port = cfg.queue.mta_sts_port;
  opts.ca_file = cfg.queue.tls_ca_file;
  queue::MtaStsCache cache(**resolver, opts);
  std::optional<queue::MtaStsPolicy> policy;
  auto run = [&]() -> boost::asio::awaitable<void> { policy = co_await cache.policy(domain); };
  boost::asio::co_spawn(io, run(), boost::asio::detached);
  io.run();
  if (!policy) return fail(make_error(Errc::internal, "MTA-STS look-up did not finish"));
  std::cout << "domain: " << domain << "\nmode: " << queue::mta_sts_mode_name(policy->mode) << "\n";
  for (const auto& mx : policy->mx) std::cout << "mx: " << mx << "\n";
  std::cout << "max_age: " << policy->max_age << "\n";
  return kExitOk;
}

// `postino dns lookup TYPE NAME`: one look-up through the configured resolver
// ([dns] servers, timeout, dnssec), printed by dns::lookup_text().
int dns_lookup(const config::Config& cfg, const std::vector<std::string>& a) {
  if (a.size() != 3 || a[0] != "lookup")
    return usage_error("dns lookup " + std::string(dns::kLookupTypes) + " NAME");
  boost::asio::io_context io;
  auto resolver = dns::make_resolver(cfg.dns, io.get_executor());
  if (!resolver) return fail(resolver.error());
  std::optional<Result<std::string>> text;
  auto run = [&]() -> boost::asio::awaitable<void> {
    text = co_await dns::lookup_text(**resolver, a[1], a[2]);
  };
  boost::asio::co_spawn(io, run(), boost::asio::detached);
  io.run();
  if (!text) return fail(make_error(Errc::internal, "DNS look-up did not finish"));
  if (!*text) return fail(text->error());
  std::cout << **text;
  return kExitOk;
}

int dns_command(const config::Config& cfg, const std::vector<std::string>& a) {
  bool sts = a.size() == 2 && a[0] == "mta-sts";
  if (a.size() != 1 && !sts) return usage_error("dns DOMAIN, or dns mta-sts DOMAIN");
  auto domain = auth::normalize_domain(a.back());
  if (!domain)
    return fail(
        make_error(Errc::invalid, "invalid domain '" + a.back() + "': " + domain.error().message));
  return sts ? dns_mta_sts(cfg, *domain) : dns_records(cfg, *domain);
}

// `postino dkim sign [--domain D] < MESSAGE`: an operator's tool to test keys.
int dkim_command(const config::Config& cfg, const std::vector<std::string>& a) {
  bool as = a.size() == 3 && a[1] == "--domain";
  if (a.empty() || a[0] != "sign" || (a.size() != 1 && !as))
    return usage_error("dkim sign [--domain DOMAIN] < MESSAGE");
  std::string message;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, stdin)) > 0) {
    message.append(buf, n);
    if (message.size() > cfg.limits.max_message_size)
      return fail(make_error(Errc::limit, "message larger than limits.max_message_size"));
  }
  auto ring = mailauth::dkim::KeyRing::load(cfg.server.data_dir);
  if (!ring) return fail(ring.error());
  auto fields = as ? ring->sign_as(message, a[2]) : ring->sign(message);
  if (!fields) return fail(fields.error());
  if (fields->empty())
    return fail(make_error(Errc::not_found,
                           as ? "no DKIM keys for " + a[2] : "no DKIM keys for the From domain"));
  std::fwrite(fields->data(), 1, fields->size(), stdout);
  std::fwrite(message.data(), 1, message.size(), stdout);
  return kExitOk;
}

// Splits "--config FILE" off the front; the rest is the command.
struct Args {
  std::string config_path;
  std::vector<std::string> words;
};

Result<Args> parse_args(int argc, char** argv) {
  Args out;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (out.words.empty() && (a == "--config" || a == "-c")) {
      if (i + 1 >= argc) return make_error(Errc::invalid, "--config needs a FILE");
      out.config_path = argv[++i];
    } else if (out.words.empty() && a.rfind("--config=", 0) == 0) {
      out.config_path = a.substr(9);
    } else if (out.words.empty() && (a == "--help" || a == "-h" || a == "help")) {
      out.words.push_back("help");
    } else if (out.words.empty() && a == "--version") {
      out.words.push_back("version");
    } else {
      out.words.push_back(a);
    }
  }
  return out;
}

}  // namespace

int run_cli(int argc, char** argv) {
  auto args = parse_args(argc, argv);
  if (!args) return usage_error(args.error().message);
  if (args->words.empty()) return usage_error("no command given");
  const std::string cmd = args->words[0];
  if (cmd == "help") {
    std::cout << kUsage;
    return kExitOk;
  }
  if (cmd == "version") {
    std::cout << "postino " << POSTINO_VERSION << "\n";
    return kExitOk;
  }

  Cli cli;
  if (args->config_path.empty()) {
    cli.cfg = config::default_config();
  } else {
    auto cfg = config::load_config_file(args->config_path);
    if (!cfg) {
      std::cerr << "postino: " << cfg.error().message << "\n";
      return kExitUsage;
    }
    cli.cfg = std::move(*cfg);
  }

  std::vector<std::string> rest(args->words.begin() + 1, args->words.end());
  if (cmd == "serve") {
    if (!rest.empty()) return usage_error("serve takes no arguments");
    return serve(cli.cfg);
  }
  if (cmd == "dns" && !(!rest.empty() && rest[0] == "lookup")) return dns_command(cli.cfg, rest);
  if (cmd == "dns") return dns_lookup(cli.cfg, rest);
  if (cmd == "dkim") return dkim_command(cli.cfg, rest);
  if (cmd != "domain" && cmd != "user" && cmd != "alias" && cmd != "mailbox" && cmd != "message" &&
      cmd != "queue")
    return usage_error("unknown command '" + cmd + "'");
  if (rest.empty()) return usage_error(cmd + " needs a subcommand");
  if (Status st = cli.open(); !st) return fail(st.error());
  if (cmd == "domain") return cli.domain(rest);
  if (cmd == "user") return cli.user(rest);
  if (cmd == "alias") return cli.alias(rest);
  if (cmd == "mailbox") return cli.mailbox(rest);
  if (cmd == "queue") return queue_command(*cli.store, rest);
  return cli.message(rest);
}

}  // namespace postino::app
