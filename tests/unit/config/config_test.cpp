#include "config/config.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace postino::config {
namespace {

constexpr const char* kFull = R"(# every key
[server]
hostname = "mail.example.com"
data_dir = "/var/lib/postino"
user = "mail"
log_level = "debug"
log_format = "json"

[listen]
smtp        = ["0.0.0.0:25", "[::]:25"]
submission  = ["0.0.0.0:587"]
submissions = ["0.0.0.0:465"]
imap        = ["0.0.0.0:143"]
imaps       = ["0.0.0.0:993"]
pop3        = ["0.0.0.0:110"]
pop3s       = ["0.0.0.0:995"]
admin       = ["127.0.0.1:8080"]

[tls]
cert = "/etc/postino/cert.pem"
key  = "/etc/postino/key.pem"

[auth]
plaintext_on_loopback = false
max_failures_per_ip = 5

[store]
backend = "postgres"
url = "postgresql://postino@db/postino"

[dns]
servers = ["127.0.0.1:5353", "9.9.9.9"]

[queue]
smtp_port = 2525

[limits]
max_connections_per_ip = 20
max_connections = 1000
idle_timeout = 120
imap_idle_timeout = 900
max_message_size = 10485760
max_recipients = 200
)";

TEST(Config, EveryKeyParsed) {
  auto r = parse_config(kFull, "full.toml");
  ASSERT_TRUE(r.ok()) << r.error().message;
  const Config& c = *r;
  EXPECT_EQ(c.source, "full.toml");
  EXPECT_EQ(c.server.hostname, "mail.example.com");
  EXPECT_EQ(c.server.data_dir, "/var/lib/postino");
  EXPECT_EQ(c.server.user, "mail");
  EXPECT_EQ(c.server.log_level, "debug");
  EXPECT_EQ(c.server.log_format, "json");
  ASSERT_EQ(c.listen.smtp.size(), 2u);
  EXPECT_EQ(c.listen.smtp[0].host, "0.0.0.0");
  EXPECT_EQ(c.listen.smtp[0].port, 25);
  EXPECT_EQ(c.listen.smtp[1].host, "::");
  EXPECT_EQ(c.listen.smtp[1].text, "[::]:25");
  EXPECT_EQ(c.listen.submission.at(0).port, 587);
  EXPECT_EQ(c.listen.submissions.at(0).port, 465);
  EXPECT_EQ(c.listen.imap.at(0).port, 143);
  EXPECT_EQ(c.listen.imaps.at(0).port, 993);
  EXPECT_EQ(c.listen.pop3.at(0).port, 110);
  EXPECT_EQ(c.listen.pop3s.at(0).port, 995);
  EXPECT_EQ(c.listen.admin.at(0).text, "127.0.0.1:8080");
  EXPECT_EQ(c.tls.cert, "/etc/postino/cert.pem");
  EXPECT_EQ(c.tls.key, "/etc/postino/key.pem");
  EXPECT_FALSE(c.auth.plaintext_on_loopback);
  EXPECT_EQ(c.auth.max_failures_per_ip, 5u);
  EXPECT_EQ(c.store.backend, "postgres");
  EXPECT_EQ(c.store.url, "postgresql://postino@db/postino");
  ASSERT_EQ(c.dns.servers.size(), 2u);
  EXPECT_EQ(c.dns.servers[0].port, 5353);
  EXPECT_EQ(c.dns.servers[1].text, "9.9.9.9:53");
  EXPECT_EQ(c.queue.smtp_port, 2525);
  EXPECT_EQ(c.limits.max_connections_per_ip, 20u);
  EXPECT_EQ(c.limits.max_connections, 1000u);
  EXPECT_EQ(c.limits.idle_timeout, 120u);
  EXPECT_EQ(c.limits.imap_idle_timeout, 900u);
  EXPECT_EQ(c.limits.max_message_size, 10485760u);
  EXPECT_EQ(c.limits.max_recipients, 200u);
}

TEST(Config, EmptyFileTakesStructDefaultsAndListenersOff) {
  auto r = parse_config("", "empty.toml");
  ASSERT_TRUE(r.ok()) << r.error().message;
  const Config& c = *r;
  EXPECT_FALSE(c.server.hostname.empty());
  EXPECT_EQ(c.server.data_dir, "./postino-data");
  EXPECT_EQ(c.server.user, "postino");
  EXPECT_EQ(c.server.log_level, "info");
  EXPECT_EQ(c.server.log_format, "kv");
  EXPECT_TRUE(c.listen.smtp.empty());
  EXPECT_TRUE(c.listen.imap.empty());
  EXPECT_TRUE(c.listen.admin.empty());
  EXPECT_TRUE(c.tls.cert.empty());
  EXPECT_TRUE(c.auth.plaintext_on_loopback);
  EXPECT_EQ(c.auth.max_failures_per_ip, 10u);
  EXPECT_EQ(c.store.backend, "sqlite");
  EXPECT_TRUE(c.dns.servers.empty());
  EXPECT_EQ(c.queue.smtp_port, 25);
  EXPECT_EQ(c.limits.max_connections_per_ip, 50u);
  EXPECT_EQ(c.limits.max_connections, 20000u);
  EXPECT_EQ(c.limits.idle_timeout, 300u);
  EXPECT_EQ(c.limits.imap_idle_timeout, 1800u);
  EXPECT_EQ(c.limits.max_message_size, 50u * 1024 * 1024);
  EXPECT_EQ(c.limits.max_recipients, 1000u);
}

TEST(Config, PartialListen) {
  auto r = parse_config("[listen]\nimap = [\"127.0.0.1:1143\"]\n", "p.toml");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->listen.imap.size(), 1u);
  EXPECT_TRUE(r->listen.smtp.empty());
  EXPECT_TRUE(r->listen.pop3.empty());
}

TEST(Config, DefaultConfig) {
  Config c = default_config();
  EXPECT_EQ(c.source, "<default>");
  EXPECT_FALSE(c.server.hostname.empty());
  EXPECT_EQ(c.server.data_dir, "./postino-data");
  EXPECT_EQ(c.server.user, "");
  auto port = [](const std::vector<Endpoint>& v) {
    EXPECT_EQ(v.size(), 1u);
    EXPECT_EQ(v.at(0).host, "127.0.0.1");
    return v.at(0).port;
  };
  EXPECT_EQ(port(c.listen.smtp), 2525);
  EXPECT_EQ(port(c.listen.submission), 2587);
  EXPECT_EQ(port(c.listen.submissions), 2465);
  EXPECT_EQ(port(c.listen.imap), 2143);
  EXPECT_EQ(port(c.listen.imaps), 2993);
  EXPECT_EQ(port(c.listen.pop3), 2110);
  EXPECT_EQ(port(c.listen.pop3s), 2995);
  EXPECT_EQ(port(c.listen.admin), 2080);
  EXPECT_EQ(c.listen.smtp[0].text, "127.0.0.1:2525");
}

// Asserts that parsing fails with exactly "FILE:LINE: key 'KEY': ..." and
// returns the message for further checks.
std::string expect_error(std::string_view toml, int line, std::string_view key) {
  auto r = parse_config(toml, "test.toml");
  EXPECT_FALSE(r.ok());
  if (r.ok()) return {};
  std::string msg = r.error().message;
  std::string prefix = "test.toml:" + std::to_string(line) + ": key '" + std::string(key) + "': ";
  EXPECT_EQ(msg.rfind(prefix, 0), 0u) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  EXPECT_EQ(r.error().code, Errc::invalid);
  return msg;
}

TEST(Config, MisspeltKeyNamesFileLineAndKey) {
  auto msg =
      expect_error("[server]\nhostname = \"a.example\"\nhostnmae = \"b\"\n", 3, "server.hostnmae");
  EXPECT_NE(msg.find("unknown key"), std::string::npos);
}

TEST(Config, UnknownTable) {
  auto msg = expect_error("[server]\n\n[lsiten]\nsmtp = []\n", 3, "lsiten");
  EXPECT_NE(msg.find("unknown table"), std::string::npos);
}

TEST(Config, NestedTableIsUnknownKey) {
  expect_error("[server]\n[server.extra]\nx = 1\n", 2, "server.extra");
}

TEST(Config, WrongType) {
  auto msg = expect_error("[limits]\nidle_timeout = \"300\"\n", 2, "limits.idle_timeout");
  EXPECT_NE(msg.find("expected an integer"), std::string::npos);
  expect_error("[auth]\nplaintext_on_loopback = 1\n", 2, "auth.plaintext_on_loopback");
  expect_error("[server]\n\nhostname = 42\n", 3, "server.hostname");
  expect_error("[listen]\nsmtp = \"0.0.0.0:25\"\n", 2, "listen.smtp");
  expect_error("[listen]\nsmtp = [25]\n", 2, "listen.smtp");
  expect_error("server = 1\n", 1, "server");
  expect_error("[limits]\nmax_message_size = 1.5\n", 2, "limits.max_message_size");
}

TEST(Config, BadAddress) {
  auto msg = expect_error("[listen]\nimap = [\n  \"127.0.0.1:143\",\n  \"::1:143\",\n]\n", 4,
                          "listen.imap");
  EXPECT_NE(msg.find("::1:143"), std::string::npos);
  expect_error("[listen]\nsmtp = [\"0.0.0.0:0\"]\n", 2, "listen.smtp");
  expect_error("[listen]\nsmtp = [\"0.0.0.0:70000\"]\n", 2, "listen.smtp");
  expect_error("[listen]\nsmtp = [\"mail.example.com:25\"]\n", 2, "listen.smtp");
  expect_error("[listen]\nsmtp = [\"0.0.0.0\"]\n", 2, "listen.smtp");
  expect_error("[listen]\nsmtp = [\"0.0.0.0:25\", \"0.0.0.0:25\"]\n", 2, "listen.smtp");
  expect_error("[dns]\nservers = [\"localhost:53\"]\n", 2, "dns.servers");
}

TEST(Config, BadValues) {
  expect_error("[server]\nhostname = \"bad_host\"\n", 2, "server.hostname");
  expect_error("[server]\nlog_level = \"verbose\"\n", 2, "server.log_level");
  expect_error("[server]\nlog_format = \"xml\"\n", 2, "server.log_format");
  expect_error("[server]\ndata_dir = \"\"\n", 2, "server.data_dir");
  expect_error("[server]\nuser = \"a b\"\n", 2, "server.user");
  expect_error("[store]\nbackend = \"mysql\"\n", 2, "store.backend");
  expect_error("[queue]\nsmtp_port = 0\n", 2, "queue.smtp_port");
  expect_error("[queue]\nsmtp_port = 65536\n", 2, "queue.smtp_port");
  expect_error("[limits]\nmax_connections = -1\n", 2, "limits.max_connections");
  expect_error("[limits]\nmax_connections = 4294967296\n", 2, "limits.max_connections");
  expect_error("[limits]\nmax_recipients = 10\n", 2, "limits.max_recipients");
  expect_error("[limits]\nmax_message_size = 1099511627776\n", 2, "limits.max_message_size");
  expect_error("[auth]\nmax_failures_per_ip = 0\n", 2, "auth.max_failures_per_ip");
}

TEST(Config, CrossChecks) {
  auto msg = expect_error("[store]\nbackend = \"postgres\"\n", 2, "store.url");
  EXPECT_NE(msg.find("postgres"), std::string::npos);
  expect_error("[tls]\ncert = \"/c.pem\"\n", 2, "tls.key");
  expect_error("[limits]\nmax_connections = 10\nmax_connections_per_ip = 50\n", 3,
               "limits.max_connections_per_ip");
}

TEST(Config, SyntaxErrorHasLine) {
  auto r = parse_config("[server]\nhostname = \"a.example\"\n\ndata_dir = /oops\n", "syn.toml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message.rfind("syn.toml:4: ", 0), 0u) << r.error().message;
  EXPECT_EQ(r.error().message.find('\n'), std::string::npos);

  auto dup = parse_config("[server]\nuser = \"a\"\nuser = \"b\"\n", "dup.toml");
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().message.rfind("dup.toml:3: ", 0), 0u) << dup.error().message;
}

TEST(Config, LoadFile) {
  const char* tmp = std::getenv("POSTINO_TEST_TMP");
  std::filesystem::path dir = tmp ? tmp : std::filesystem::temp_directory_path();
  std::filesystem::create_directories(dir);
  auto path = (dir / "config_test_load.toml").string();
  {
    std::ofstream out(path);
    out << "[server]\nhostname = \"x.example\"\nbogus = 1\n";
  }
  auto r = load_config_file(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, path + ":3: key 'server.bogus': unknown key");
  {
    std::ofstream out(path);
    out << "[server]\nhostname = \"x.example\"\n";
  }
  auto ok = load_config_file(path);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->source, path);
  EXPECT_EQ(ok->server.hostname, "x.example");
  std::filesystem::remove(path);

  auto missing = load_config_file((dir / "does-not-exist.toml").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("does-not-exist.toml"), std::string::npos);
}

// docs/configuration.md's complete example must stay a valid file that sets
// every key the parser knows.
TEST(Config, DocumentedExampleParses) {
  const char* src = std::getenv("POSTINO_SOURCE_DIR");
  if (!src) GTEST_SKIP() << "POSTINO_SOURCE_DIR not set";
  std::ifstream in(std::filesystem::path(src) / "docs" / "configuration.md");
  ASSERT_TRUE(in) << "docs/configuration.md missing";
  std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto section = doc.find("## Complete example");
  ASSERT_NE(section, std::string::npos);
  auto begin = doc.find("```toml\n", section);
  ASSERT_NE(begin, std::string::npos);
  begin += 8;
  auto end = doc.find("```", begin);
  ASSERT_NE(end, std::string::npos);
  std::string example = doc.substr(begin, end - begin);
  auto r = parse_config(example, "configuration.md");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->server.hostname, "mail.example.com");
  EXPECT_EQ(r->listen.smtp.size(), 2u);
  for (const char* key : {"hostname",
                          "data_dir",
                          "user",
                          "log_level",
                          "log_format",
                          "smtp",
                          "submission",
                          "submissions",
                          "imap",
                          "imaps",
                          "pop3",
                          "pop3s",
                          "admin",
                          "cert",
                          "key",
                          "plaintext_on_loopback",
                          "max_failures_per_ip",
                          "backend",
                          "url",
                          "servers",
                          "trust_anchors",
                          "smtp_port",
                          "mta_sts_port",
                          "tls_ca_file",
                          "enabled",
                          "authserv_id",
                          "dmarc_reject",
                          "dmarc_quarantine",
                          "temperror",
                          "spf_fail",
                          "junk_mailbox",
                          "dmarc_report_data",
                          "max_connections_per_ip",
                          "max_connections",
                          "idle_timeout",
                          "imap_idle_timeout",
                          "max_message_size",
                          "max_recipients"}) {
    EXPECT_NE(example.find(std::string("\n") + key + " "), std::string::npos) << key;
    EXPECT_NE(doc.find(std::string("| `") + key + "` |"), std::string::npos) << key;
  }
}

TEST(Config, DnsTrustAnchors) {
  auto ok = parse_config(
      "[dns]\ntrust_anchors = [\"dane.test. IN DS 2371 13 2 4A5B6C7D\",\n"
      "  \"dane.test. 3600 IN DNSKEY 257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0d "
      "xCjjnopKl+GqJxpVXckHAeF+KkxLbxIL fDLUT0rAK9iUzy1L53eKGQ==\"]\n",
      "ta.toml");
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  ASSERT_EQ(ok->dns.trust_anchors.size(), 2u);
  EXPECT_EQ(ok->dns.trust_anchors[0], "dane.test. IN DS 2371 13 2 4A5B6C7D");
  EXPECT_TRUE(parse_config("", "empty.toml")->dns.trust_anchors.empty());
  expect_error("[dns]\ntrust_anchors = [\"dane.test. IN A 192.0.2.1\"]\n", 2, "dns.trust_anchors");
  expect_error("[dns]\ntrust_anchors = [\"dane.test. DS 1 13 2 XYZ\"]\n", 2, "dns.trust_anchors");
  expect_error("[dns]\ntrust_anchors = \"dane.test. DS 1 13 2 AB\"\n", 2, "dns.trust_anchors");
}

TEST(Config, MailAuthDefaultsAndChoices) {
  auto d = parse_config("", "empty.toml");
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->mailauth.enabled);
  EXPECT_EQ(d->mailauth.authserv_id, "");
  EXPECT_EQ(d->mailauth.dmarc_reject, "reject");
  EXPECT_EQ(d->mailauth.dmarc_quarantine, "junk");
  EXPECT_EQ(d->mailauth.temperror, "defer");
  EXPECT_EQ(d->mailauth.spf_fail, "none");
  EXPECT_EQ(d->mailauth.junk_mailbox, "Junk");
  auto r = parse_config(
      "[mailauth]\nenabled = false\nauthserv_id = \"example.com\"\ndmarc_reject = \"junk\"\n"
      "temperror = \"accept\"\nspf_fail = \"reject\"\n",
      "m.toml");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->mailauth.enabled);
  EXPECT_EQ(r->mailauth.authserv_id, "example.com");
  EXPECT_EQ(r->mailauth.dmarc_reject, "junk");
  EXPECT_EQ(r->mailauth.temperror, "accept");
  EXPECT_EQ(r->mailauth.spf_fail, "reject");
  expect_error("[mailauth]\ndmarc_quarantine = \"drop\"\n", 2, "mailauth.dmarc_quarantine");
  expect_error("[mailauth]\nauthserv_id = \"not valid\"\n", 2, "mailauth.authserv_id");
}

}  // namespace
}  // namespace postino::config
