// evaluate_inbound over a StaticResolver zone: SPF, DKIM (RSA and Ed25519
// signatures made by our signer), DMARC with one, several or no Author
// Domains, temporary failures, and the Authentication-Results it renders.
#include "mailauth/inbound/evaluate.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "base/strings.hpp"
#include "dns/static_resolver.hpp"
#include "dns/test_run.hpp"
#include "mailauth/arc/seal.hpp"
#include "mailauth/dkim/crypto.hpp"
#include "mailauth/dkim/sign.hpp"
#include "mailauth/inbound/authres.hpp"

namespace postino::mailauth::inbound {
namespace {

using postino::testing::run_sync;

constexpr const char* kId = "mx.receiver.test";

// A fresh 2048-bit RSA key as PEM (OpenSSL 3).
std::string rsa_pem() {
  EVP_PKEY* k = EVP_RSA_gen(2048);
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, k, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  std::string pem(data, size_t(n));
  BIO_free(bio);
  EVP_PKEY_free(k);
  return pem;
}

std::string message(std::string_view from, std::string_view subject = "hello") {
  return "From: " + std::string(from) +
         "\r\n"
         "To: bob@receiver.test\r\n"
         "Subject: " +
         std::string(subject) +
         "\r\n"
         "Date: Thu, 26 Nov 2026 21:00:00 +0000\r\n"
         "Message-ID: <1@example.test>\r\n"
         "\r\n"
         "Hello Bob.\r\n";
}

class Inbound : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto rsa = dkim::load_private_key(rsa_pem());
    ASSERT_TRUE(rsa.ok());
    rsa_ = rsa->release();
    auto ed = dkim::load_private_key(base64_encode(std::string(32, '\x2a')));  // Ed25519 seed
    ASSERT_TRUE(ed.ok());
    ed_ = ed->release();
  }
  static void TearDownTestSuite() {
    dkim::PrivateKeyDeleter{}(rsa_);
    dkim::PrivateKeyDeleter{}(ed_);
  }

  void SetUp() override {
    z_.add_txt("example.test", "v=spf1 ip4:192.0.2.1 -all");
    z_.add_txt("_dmarc.example.test", "v=DMARC1; p=reject; rua=mailto:d@example.test");
    publish("rsa._domainkey.example.test", *rsa_, "rsa");
    publish("ed._domainkey.example.test", *ed_, "ed25519");
    z_.add_txt("quarantine.test", "v=spf1 ip4:192.0.2.1 -all");
    z_.add_txt("_dmarc.quarantine.test", "v=DMARC1; p=quarantine");
    z_.add_txt("relaxed.test", "v=spf1 -all");
    z_.add_txt("_dmarc.relaxed.test", "v=DMARC1; p=none");
    z_.add_txt("helo.example.test", "v=spf1 ip4:192.0.2.1 -all");
    z_.add_txt("_dmarc.testing.test", "v=DMARC1; p=reject; t=y");
  }

  void publish(const std::string& name, const dkim::PrivateKey& k, const char* kt) {
    auto pub = dkim::public_key_bytes(k);
    ASSERT_TRUE(pub.ok());
    z_.add_txt(name, std::string("v=DKIM1; k=") + kt + "; p=" + base64_encode(*pub));
  }

  std::string signed_by(const std::string& msg, const dkim::PrivateKey& k, const char* d,
                        const char* s) {
    dkim::SignOptions o;
    o.domain = d;
    o.selector = s;
    auto h = dkim::sign(msg, k, o);
    EXPECT_TRUE(h.ok()) << (h ? "" : h.error().message);
    return h ? *h + msg : msg;
  }

  InboundResult eval(const std::string& msg, const char* ip = "192.0.2.1",
                     const char* mail_from = "bounce@example.test",
                     const char* helo = "helo.example.test") {
    InboundContext ctx;
    ctx.client_ip = boost::asio::ip::make_address(ip);
    ctx.helo = helo;
    ctx.mail_from = mail_from;
    ctx.authserv_id = kId;
    ctx.now = 1795000000;
    return run_sync(evaluate_inbound(z_, ctx, msg));
  }

  static bool has(const std::string& h, std::string_view s) {
    // Unfold so the check does not depend on where lines were folded.
    std::string u;
    for (size_t i = 0; i < h.size(); ++i) {
      if (h[i] == '\r' && i + 2 < h.size() && h[i + 1] == '\n') {
        i += 2;
        while (i < h.size() && (h[i] == ' ' || h[i] == '\t')) ++i;
        u += ' ';
        --i;
        continue;
      }
      u += h[i];
    }
    return u.find(s) != std::string::npos;
  }

  dns::StaticResolver z_;
  static dkim::PrivateKey* rsa_;
  static dkim::PrivateKey* ed_;
};

dkim::PrivateKey* Inbound::rsa_ = nullptr;
dkim::PrivateKey* Inbound::ed_ = nullptr;

TEST_F(Inbound, AlignedSpfAndDkimPass) {
  auto msg = signed_by(message("Alice <alice@example.test>"), *rsa_, "example.test", "rsa");
  auto r = eval(msg);
  EXPECT_EQ(r.spf.outcome.result, spf::SpfResult::pass);
  ASSERT_EQ(r.dkim.size(), 1u);
  EXPECT_EQ(r.dkim[0].result, dkim::DkimResult::pass);
  EXPECT_EQ(r.dmarc, dmarc::DmarcResult::pass);
  EXPECT_EQ(r.disposition, dmarc::Disposition::none);
  EXPECT_TRUE(r.dmarc_applied());
  ASSERT_EQ(r.authors.size(), 1u);
  EXPECT_EQ(r.authors[0].domain, "example.test");
  EXPECT_EQ(r.header.rfind("Authentication-Results: ", 0), 0u);
  EXPECT_TRUE(has(r.header, "Authentication-Results: mx.receiver.test;")) << r.header;
  EXPECT_TRUE(has(r.header, "spf=pass (matched ip4) smtp.mailfrom=example.test;")) << r.header;
  EXPECT_TRUE(has(r.header,
                  "dkim=pass header.d=example.test header.s=rsa header.a=rsa-sha256 "
                  "header.b="))
      << r.header;
  EXPECT_TRUE(has(r.header, "dmarc=pass (p=reject dis=none) header.from=example.test")) << r.header;
  auto id = parse_authserv_id(r.header.substr(r.header.find(':') + 1));
  ASSERT_TRUE(id);
  EXPECT_EQ(id->id, kId);
}

TEST_F(Inbound, Ed25519AndRsaSignaturesEachReported) {
  auto msg = message("alice@example.test");
  msg = signed_by(msg, *rsa_, "example.test", "rsa");
  msg = signed_by(msg, *ed_, "example.test", "ed");
  // SPF fails (wrong IP), DKIM alone carries DMARC.
  auto r = eval(msg, "198.51.100.7");
  EXPECT_EQ(r.spf.outcome.result, spf::SpfResult::fail);
  ASSERT_EQ(r.dkim.size(), 2u);
  EXPECT_EQ(r.dmarc, dmarc::DmarcResult::pass);
  EXPECT_TRUE(has(r.header, "spf=fail")) << r.header;
  EXPECT_TRUE(has(r.header, "header.s=ed header.a=ed25519-sha256")) << r.header;
  EXPECT_TRUE(has(r.header, "header.s=rsa header.a=rsa-sha256")) << r.header;
}

TEST_F(Inbound, UnauthenticatedMailFailsDmarcWithTheOwnersPolicy) {
  auto r = eval(message("ceo@example.test"), "198.51.100.7", "x@elsewhere.test");
  EXPECT_EQ(r.spf.outcome.result, spf::SpfResult::none);
  EXPECT_TRUE(r.dkim.empty());
  EXPECT_EQ(r.dmarc, dmarc::DmarcResult::fail);
  EXPECT_EQ(r.disposition, dmarc::Disposition::reject);
  EXPECT_TRUE(has(r.header, "spf=none")) << r.header;
  EXPECT_TRUE(has(r.header, "smtp.mailfrom=elsewhere.test")) << r.header;
  EXPECT_TRUE(has(r.header, "dkim=none;")) << r.header;
  EXPECT_TRUE(has(r.header, "dmarc=fail (p=reject dis=reject)")) << r.header;

  auto q = eval(message("x@quarantine.test"), "198.51.100.7", "x@quarantine.test");
  EXPECT_EQ(q.spf.outcome.result, spf::SpfResult::fail);
  EXPECT_EQ(q.disposition, dmarc::Disposition::quarantine);

  auto n = eval(message("x@relaxed.test"), "198.51.100.7", "x@relaxed.test");
  EXPECT_EQ(n.dmarc, dmarc::DmarcResult::fail);
  EXPECT_EQ(n.disposition, dmarc::Disposition::none);

  auto t = eval(message("x@testing.test"), "198.51.100.7", "x@testing.test");
  EXPECT_EQ(t.disposition, dmarc::Disposition::quarantine);  // t=y: one step down
  EXPECT_TRUE(has(t.header, "t=y")) << t.header;
}

TEST_F(Inbound, BrokenSignatureFails) {
  auto msg = signed_by(message("alice@example.test"), *rsa_, "example.test", "rsa");
  msg.replace(msg.find("Hello Bob."), 10, "Hello Eve.");
  auto r = eval(msg, "198.51.100.7");
  ASSERT_EQ(r.dkim.size(), 1u);
  EXPECT_EQ(r.dkim[0].result, dkim::DkimResult::fail);
  EXPECT_EQ(r.dmarc, dmarc::DmarcResult::fail);
  EXPECT_TRUE(has(r.header, "dkim=fail reason=")) << r.header;
}

TEST_F(Inbound, NullSenderUsesHeloIdentity) {
  auto r = eval(message("alice@example.test"), "192.0.2.1", "", "helo.example.test");
  EXPECT_TRUE(r.spf.helo_identity);
  EXPECT_EQ(r.spf.outcome.result, spf::SpfResult::pass);
  EXPECT_TRUE(has(r.header, "smtp.helo=helo.example.test")) << r.header;
  EXPECT_FALSE(has(r.header, "smtp.mailfrom")) << r.header;
  // helo.example.test is below example.test: relaxed alignment passes.
  EXPECT_EQ(r.dmarc, dmarc::DmarcResult::pass);
}

TEST_F(Inbound, DmarcLookupTemporaryFailure) {
  z_.set_timeout("_dmarc.slow.test");
  auto r = eval(message("a@slow.test"), "198.51.100.7", "a@slow.test");
  EXPECT_EQ(r.dmarc, dmarc::DmarcResult::temperror);
  EXPECT_EQ(r.disposition, dmarc::Disposition::none);
  EXPECT_TRUE(has(r.header, "dmarc=temperror")) << r.header;
}

TEST_F(Inbound, SpfTemporaryFailureTurnsAFailIntoTemperror) {
  z_.set_timeout("spf-slow.test");
  z_.add_txt("_dmarc.spf-slow.test", "v=DMARC1; p=reject");
  auto r = eval(message("a@spf-slow.test"), "192.0.2.1", "a@spf-slow.test");
  EXPECT_EQ(r.spf.outcome.result, spf::SpfResult::temperror);
  EXPECT_EQ(r.dmarc, dmarc::DmarcResult::temperror);
  EXPECT_EQ(r.disposition, dmarc::Disposition::none);
}

TEST_F(Inbound, NoFromDomain) {
  std::string no_from = "To: bob@receiver.test\r\nSubject: x\r\n\r\nbody\r\n";
  auto r = eval(no_from);
  EXPECT_EQ(r.dmarc, dmarc::DmarcResult::permerror);
  EXPECT_TRUE(r.authors.empty());
  EXPECT_FALSE(r.dmarc_applied());
  EXPECT_TRUE(has(r.header, "dmarc=permerror reason=\"no From header field\"")) << r.header;

  auto g = eval(message("undisclosed-recipients:;"));
  EXPECT_EQ(g.dmarc, dmarc::DmarcResult::permerror);
  EXPECT_TRUE(has(g.header, "reason=\"no domain in From\"")) << g.header;
}

TEST_F(Inbound, SeveralAuthorDomainsTakeTheStrictestFailure) {
  // One passing domain does not hide a second, spoofed one.
  auto msg =
      signed_by(message("alice@example.test, boss@quarantine.test"), *rsa_, "example.test", "rsa");
  auto r = eval(msg, "198.51.100.7", "x@elsewhere.test");
  ASSERT_EQ(r.authors.size(), 2u);
  EXPECT_EQ(r.authors[0].outcome.result, dmarc::DmarcResult::pass);
  EXPECT_EQ(r.authors[1].outcome.result, dmarc::DmarcResult::fail);
  EXPECT_EQ(r.dmarc, dmarc::DmarcResult::fail);
  EXPECT_EQ(r.disposition, dmarc::Disposition::quarantine);
  EXPECT_TRUE(has(r.header, "header.from=example.test")) << r.header;
  EXPECT_TRUE(has(r.header, "header.from=quarantine.test")) << r.header;

  // Repeated From fields count the same way.
  std::string two = "From: ceo@example.test\r\n" + message("a@relaxed.test");
  auto t = eval(two, "198.51.100.7", "x@elsewhere.test");
  EXPECT_EQ(t.authors.size(), 2u);
  EXPECT_EQ(t.disposition, dmarc::Disposition::reject);
}

TEST_F(Inbound, TooManyAuthorDomainsNeverPass) {
  auto msg = signed_by(message("a@example.test, b@one.test, c@two.test, d@three.test, e@four.test"),
                       *rsa_, "example.test", "rsa");
  auto r = eval(msg);
  EXPECT_EQ(r.authors.size(), kMaxAuthorDomains);
  EXPECT_EQ(r.authors_skipped, 1u);
  EXPECT_EQ(r.dmarc, dmarc::DmarcResult::permerror);
  EXPECT_EQ(r.disposition, dmarc::Disposition::quarantine);
  EXPECT_TRUE(has(r.header, "reason=\"1 more From domains not evaluated\"")) << r.header;

  // However many addresses a From field holds, at most 64 domains are kept.
  std::string many;
  for (int i = 0; i < 1000; ++i) many += (i ? ", u@d" : "u@d") + std::to_string(i) + ".test";
  auto ad = author_domains("From: " + many + "\r\n\r\n");
  EXPECT_EQ(ad.domains.size(), kMaxListedAuthorDomains);
}

TEST_F(Inbound, ArcChainIsReported) {
  publish("arc._domainkey.forwarder.test", *rsa_, "rsa");
  std::string msg =
      "Authentication-Results: forwarder.test; spf=pass smtp.mailfrom=example.test\r\n" +
      message("alice@example.test");
  arc::SealOptions so;
  so.domain = "forwarder.test";
  so.selector = "arc";
  so.authserv_id = "forwarder.test";
  auto set = arc::seal(msg, *rsa_, arc::ArcResult::none, so);
  ASSERT_TRUE(set.ok()) << set.error().message;
  auto r = eval(*set + msg);
  EXPECT_EQ(r.arc.result, arc::ArcResult::pass);
  EXPECT_TRUE(has(r.header, "arc=pass (i=1) header.oldest-pass=0 smtp.remote-ip=192.0.2.1"))
      << r.header;
  // No ARC fields: nothing reported.
  auto plain = eval(message("alice@example.test"));
  EXPECT_EQ(plain.arc.result, arc::ArcResult::none);
  EXPECT_FALSE(has(plain.header, " arc=")) << plain.header;
  // A broken chain fails.
  std::string broken = *set + msg;
  broken.replace(broken.find("Hello Bob."), 10, "Hello Eve.");
  auto f = eval(broken);
  EXPECT_EQ(f.arc.result, arc::ArcResult::fail);
  EXPECT_TRUE(has(f.header, "arc=fail (i=1) reason=")) << f.header;
}

TEST_F(Inbound, AuthorDomainsAreNormalised) {
  auto ad = author_domains(
      "From: =?utf-8?q?A?= <a@EXAMPLE.test>, \"B\" <b@b\xC3\xBC\x63her.example>, a@example.TEST\r\n"
      "\r\n");
  ASSERT_EQ(ad.domains.size(), 2u);
  EXPECT_EQ(ad.domains[0], "example.test");
  EXPECT_EQ(ad.domains[1], "xn--bcher-kva.example");
  EXPECT_EQ(ad.from_fields, 1u);
}

}  // namespace
}  // namespace postino::mailauth::inbound
