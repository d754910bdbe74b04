#include "app/cli.hpp"

#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "app/credentials.hpp"
#include "auth/address.hpp"
#include "base/strings.hpp"
#include "mime/encoding.hpp"
#include "mime/header.hpp"
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
    "  message show ADDRESS MAILBOX UID      the raw message bytes\n";

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
  if (cmd != "domain" && cmd != "user" && cmd != "alias" && cmd != "mailbox" && cmd != "message")
    return usage_error("unknown command '" + cmd + "'");
  if (rest.empty()) return usage_error(cmd + " needs a subcommand");
  if (Status st = cli.open(); !st) return fail(st.error());
  if (cmd == "domain") return cli.domain(rest);
  if (cmd == "user") return cli.user(rest);
  if (cmd == "alias") return cli.alias(rest);
  if (cmd == "mailbox") return cli.mailbox(rest);
  return cli.message(rest);
}

}  // namespace postino::app
