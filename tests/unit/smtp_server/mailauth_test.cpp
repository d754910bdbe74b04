// Mail authentication on the MX listener (smtp/server/mailauth.cpp) against an
// in-memory DNS zone: Authentication-Results above Received, forged fields
// removed, DMARC reject (550 5.7.1), quarantine (Junk), temperror (451),
// optional SPF-fail rejection, no checks for authenticated submission, and
// the RFC 9990 report data left in the store.
#include "dns/static_resolver.hpp"
#include "mailauth/dkim/crypto.hpp"
#include "mailauth/dkim/sign.hpp"
#include "smtp_server/harness.hpp"

namespace postino::smtp::server::testing {
namespace {

std::string message(const std::string& from, const std::string& extra_headers = "") {
  return extra_headers + "From: " + from +
         "\r\nTo: alice@example.test\r\nSubject: hi\r\nMessage-ID: <m1@x>\r\n\r\nHello\r\n";
}

class MailAuthSmtp : public SmtpTest {
 protected:
  void SetUp() override {
    auto k = mailauth::dkim::load_private_key(base64_encode(std::string(32, '\x07')));
    ASSERT_TRUE(k.ok());
    key_ = std::move(*k);
    auto pub = mailauth::dkim::public_key_bytes(*key_);
    ASSERT_TRUE(pub.ok());
    z_.add_txt("ed._domainkey.signed.test", "v=DKIM1; k=ed25519; p=" + base64_encode(*pub));
    z_.add_txt("_dmarc.signed.test", "v=DMARC1; p=reject; rua=mailto:agg@signed.test");
    z_.add_txt("good.test", "v=spf1 ip4:127.0.0.1 -all");
    z_.add_txt("_dmarc.good.test", "v=DMARC1; p=quarantine");
    z_.add_txt("reject.test", "v=spf1 -all");
    z_.add_txt("_dmarc.reject.test", "v=DMARC1; p=reject; adkim=s");
    z_.add_txt("quarantine.test", "v=spf1 -all");
    z_.add_txt("_dmarc.quarantine.test", "v=DMARC1; p=quarantine");
    z_.add_txt("spffail.test", "v=spf1 -all");
    z_.set_timeout("_dmarc.slow.test");
    resolver_ = &z_;
  }

  std::string sign(const std::string& msg) {
    mailauth::dkim::SignOptions o;
    o.domain = "signed.test";
    o.selector = "ed";
    auto h = mailauth::dkim::sign(msg, *key_, o);
    EXPECT_TRUE(h.ok());
    return h ? *h + msg : msg;
  }

  // One transaction on a fresh MX connection; the reply to the final dot.
  std::string send(const std::string& mail_from, const std::string& msg,
                   const std::string& rcpt = "alice@example.test") {
    auto c = connect(mx_port_);
    c.cmd("EHLO client.test");
    std::string r = c.cmd("MAIL FROM:<" + mail_from + ">");
    if (!starts(r, "250")) return r;
    r = c.cmd("RCPT TO:<" + rcpt + ">");
    if (!starts(r, "250")) return r;
    r = c.cmd("DATA");
    if (!starts(r, "354")) return r;
    return c.cmd(msg + ".");
  }

  std::vector<std::string> mailbox(const std::string& address, const std::string& name) {
    std::vector<std::string> out;
    auto acc = backend_->get_account(address);
    if (!acc) return out;
    auto mb = backend_->get_mailbox(acc->id, name);
    if (!mb) return out;
    auto metas = backend_->fetch(mb->id, store::UidSet::all());
    if (!metas) return out;
    for (const auto& m : *metas) out.push_back(*backend_->read_blob(m.blob_id));
    return out;
  }

  std::vector<store::DmarcReportRecord> records() {
    auto r = backend_->list_dmarc_records(0, std::numeric_limits<int64_t>::max());
    EXPECT_TRUE(r.ok());
    return r ? *r : std::vector<store::DmarcReportRecord>{};
  }

  dns::StaticResolver z_;
  mailauth::dkim::PrivateKeyPtr key_;
};

TEST_F(MailAuthSmtp, PassAddsAuthenticationResultsAboveReceived) {
  start();
  std::string forged =
      "Authentication-Results: MAIL.EXAMPLE.TEST; dmarc=pass header.from=bank.test\r\n"
      "Authentication-Results: upstream.example; spf=pass smtp.mailfrom=x.test\r\n";
  std::string r = send("bounce@good.test", sign(message("a@signed.test", forged)));
  EXPECT_TRUE(starts(r, "250 2.6.0")) << r;
  auto msgs = inbox("alice@example.test");
  ASSERT_EQ(msgs.size(), 1u);
  const std::string& m = msgs[0];
  EXPECT_TRUE(starts(m, "Authentication-Results: mail.example.test;\r\n")) << m;
  size_t received = m.find("\r\nReceived: from client.test");
  ASSERT_NE(received, std::string::npos) << m;
  std::string ar = m.substr(0, received + 2);
  EXPECT_NE(ar.find("spf=pass (matched ip4) smtp.mailfrom=good.test;"), std::string::npos) << ar;
  EXPECT_NE(ar.find("dkim=pass header.d=signed.test header.s=ed header.a=ed25519-sha256"),
            std::string::npos)
      << ar;
  EXPECT_NE(ar.find("dmarc=pass (p=reject dis=none) header.from=signed.test"), std::string::npos)
      << ar;
  // The forged field with our authserv-id is gone; the upstream one stays.
  EXPECT_EQ(m.find("bank.test"), std::string::npos) << m;
  EXPECT_NE(m.find("Authentication-Results: upstream.example; spf=pass"), std::string::npos);
  auto recs = records();
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].header_from, "signed.test");
  EXPECT_EQ(recs[0].policy_domain, "signed.test");
  EXPECT_EQ(recs[0].disposition, "pass");
  EXPECT_EQ(recs[0].dkim_aligned, "pass");
  EXPECT_EQ(recs[0].spf_aligned, "fail");
  EXPECT_EQ(recs[0].source_ip, "127.0.0.1");
  EXPECT_EQ(recs[0].envelope_from, "good.test");
  EXPECT_EQ(recs[0].envelope_to, "example.test");
  EXPECT_EQ(recs[0].p, "reject");
  EXPECT_EQ(recs[0].rua, "mailto:agg@signed.test");
  EXPECT_EQ(recs[0].spf_domain, "good.test");
  EXPECT_EQ(recs[0].spf_scope, "mfrom");
  EXPECT_EQ(recs[0].spf_result, "pass");
  ASSERT_EQ(recs[0].dkim.size(), 1u);
  EXPECT_EQ(recs[0].dkim[0], (store::DmarcReportRecord::Dkim{"signed.test", "ed", "pass"}));
}

TEST_F(MailAuthSmtp, DmarcRejectIsRefusedAndNothingDelivered) {
  start();
  std::string r = send("ceo@reject.test", message("ceo@reject.test"));
  EXPECT_TRUE(starts(r, "550 5.7.1 ")) << r;
  EXPECT_NE(r.find("reject.test"), std::string::npos) << r;
  EXPECT_TRUE(inbox("alice@example.test").empty());
  EXPECT_TRUE(mailbox("alice@example.test", "Junk").empty());
  auto recs = records();
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].disposition, "reject");
  EXPECT_EQ(recs[0].override_reason, "");
  EXPECT_EQ(recs[0].adkim, "s");
  EXPECT_EQ(recs[0].spf_result, "fail");

  // BDAT ends the same way.
  auto c = connect(mx_port_);
  c.cmd("EHLO client.test");
  c.cmd("MAIL FROM:<ceo@reject.test>");
  c.cmd("RCPT TO:<alice@example.test>");
  std::string body = message("ceo@reject.test");
  ASSERT_TRUE(c.send("BDAT " + std::to_string(body.size()) + " LAST\r\n" + body));
  r = c.reply();
  EXPECT_TRUE(starts(r, "550 5.7.1 ")) << r;
  // The session goes on.
  EXPECT_TRUE(starts(c.cmd("NOOP"), "250 "));
  EXPECT_TRUE(inbox("alice@example.test").empty());
}

TEST_F(MailAuthSmtp, QuarantineGoesToJunk) {
  start();
  std::string r = send("x@quarantine.test", message("x@quarantine.test"));
  EXPECT_TRUE(starts(r, "250 2.6.0")) << r;
  EXPECT_TRUE(inbox("alice@example.test").empty());
  auto junk = mailbox("alice@example.test", "Junk");
  ASSERT_EQ(junk.size(), 1u);
  EXPECT_NE(junk[0].find("dmarc=fail (p=quarantine dis=quarantine)"), std::string::npos) << junk[0];
  auto recs = records();
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].disposition, "quarantine");

  // Without a Junk mailbox the message still arrives, in INBOX.
  auto acc = backend_->get_account("bob@example.test");
  ASSERT_TRUE(acc.ok());
  ASSERT_TRUE(backend_->delete_mailbox(acc->id, "Junk").ok());
  r = send("x@quarantine.test", message("x@quarantine.test"), "bob@example.test");
  EXPECT_TRUE(starts(r, "250 2.6.0")) << r;
  EXPECT_EQ(inbox("bob@example.test").size(), 1u);
}

TEST_F(MailAuthSmtp, OperatorPolicyOverridesAreReported) {
  Options o;
  o.mailauth.policy.on_reject = mailauth::inbound::FailAction::junk;
  start(o);
  std::string r = send("ceo@reject.test", message("ceo@reject.test"));
  EXPECT_TRUE(starts(r, "250 2.6.0")) << r;
  EXPECT_EQ(mailbox("alice@example.test", "Junk").size(), 1u);
  auto recs = records();
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].disposition, "quarantine");
  EXPECT_EQ(recs[0].override_reason, "local_policy");
}

TEST_F(MailAuthSmtp, TemporaryDnsFailureDefers) {
  start();
  std::string r = send("x@slow.test", message("x@slow.test"));
  EXPECT_TRUE(starts(r, "451 4.7.1 ")) << r;
  EXPECT_TRUE(inbox("alice@example.test").empty());
  EXPECT_TRUE(records().empty());
}

TEST_F(MailAuthSmtp, TemporaryDnsFailureAcceptedWhenConfigured) {
  Options o;
  o.mailauth.policy.on_temperror = mailauth::inbound::TempAction::accept;
  start(o);
  std::string r = send("x@slow.test", message("x@slow.test"));
  EXPECT_TRUE(starts(r, "250 2.6.0")) << r;
  auto msgs = inbox("alice@example.test");
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_NE(msgs[0].find("dmarc=temperror"), std::string::npos) << msgs[0];
}

TEST_F(MailAuthSmtp, SpfFailRejectedOnlyWhenConfigured) {
  start();
  EXPECT_TRUE(starts(send("x@spffail.test", message("x@spffail.test")), "250 2.6.0"));
  auto msgs = inbox("alice@example.test");
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_NE(msgs[0].find("spf=fail"), std::string::npos) << msgs[0];
  EXPECT_NE(msgs[0].find("dmarc=none header.from=spffail.test"), std::string::npos) << msgs[0];
  EXPECT_TRUE(records().empty());  // no DMARC record: nothing to report

  TearDown();
  Options o;
  o.mailauth.policy.reject_spf_fail = true;
  start(o);
  std::string r = send("x@spffail.test", message("x@spffail.test"));
  EXPECT_TRUE(starts(r, "550 5.7.23 ")) << r;
  // DKIM-aligned DMARC pass survives an SPF fail (forwarded mail).
  r = send("x@spffail.test", sign(message("a@signed.test")));
  EXPECT_TRUE(starts(r, "250 2.6.0")) << r;
}

TEST_F(MailAuthSmtp, AuthenticatedSubmissionIsNotChecked) {
  start();
  auto c = connect(sub_port_);
  c.cmd("EHLO client.test");
  ASSERT_TRUE(starts(c.cmd("AUTH PLAIN " + plain_token("bob@example.test", "bob-secret")), "235"));
  c.cmd("MAIL FROM:<bob@example.test>");
  c.cmd("RCPT TO:<alice@example.test>");
  c.cmd("DATA");
  std::string forged = "Authentication-Results: mail.example.test; dmarc=pass\r\n";
  EXPECT_TRUE(starts(c.cmd(message("bob@example.test", forged) + "."), "250 2.6.0"));
  auto msgs = inbox("alice@example.test");
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_TRUE(starts(msgs[0], "Received: ")) << msgs[0];
  // Not checked (no look-ups), but a field claiming our results is removed.
  EXPECT_EQ(z_.query_count(), 0u);
  EXPECT_EQ(msgs[0].find("Authentication-Results"), std::string::npos) << msgs[0];
}

}  // namespace
}  // namespace postino::smtp::server::testing
