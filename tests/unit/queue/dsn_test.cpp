// DSN construction (RFC 3464) read back with our own MIME parser, and the
// NOTIFY rules (RFC 3461 §4.1).
#include "queue/dsn.hpp"

#include <gtest/gtest.h>

#include "mime/message.hpp"

namespace postino::queue {
namespace {

const std::string kOriginal =
    "Received: from x\r\nFrom: a@example.org\r\nSubject: hi\r\n\r\nbody line\r\n";

DsnInput input(DsnAction action) {
  DsnInput in;
  in.reporting_mta = "mail.example.org";
  in.sender = "a@example.org";
  in.envid = "ENV-1";
  in.arrival = 1795700000;
  in.now = 1795700100;
  in.original = kOriginal;
  DsnRecipient r;
  r.address = "bob@example.net";
  r.orcpt = "rfc822;Bob@Example.net";
  r.action = action;
  r.status = action == DsnAction::failed ? "5.1.1" : "4.4.1";
  r.remote_mta = "mx.example.net";
  r.diagnostic = "550 5.1.1 no such user";
  r.last_attempt = 1795700090;
  r.will_retry_until = 1796000000;
  in.recipients.push_back(r);
  return in;
}

TEST(Dsn, FailureReportStructure) {
  std::string dsn = build_dsn(input(DsnAction::failed));
  EXPECT_NE(dsn.find("Content-Type: multipart/report; report-type=delivery-status;"),
            std::string::npos);
  EXPECT_NE(dsn.find("Subject: Undelivered Mail Returned to Sender\r\n"), std::string::npos);
  EXPECT_NE(dsn.find("Auto-Submitted: auto-replied\r\n"), std::string::npos);
  EXPECT_NE(dsn.find("Reporting-MTA: dns; mail.example.org\r\n"), std::string::npos);
  EXPECT_NE(dsn.find("Original-Envelope-Id: ENV-1\r\n"), std::string::npos);
  EXPECT_NE(dsn.find("Original-Recipient: rfc822; Bob@Example.net\r\n"), std::string::npos);
  EXPECT_NE(dsn.find("Final-Recipient: rfc822; bob@example.net\r\nAction: failed\r\n"
                     "Status: 5.1.1\r\nRemote-MTA: dns; mx.example.net\r\n"
                     "Diagnostic-Code: smtp; 550 5.1.1 no such user\r\n"),
            std::string::npos);
  EXPECT_EQ(dsn.find("Will-Retry-Until"), std::string::npos);
  // RET=HDRS (default): the header only, not the body.
  EXPECT_NE(dsn.find("Content-Type: text/rfc822-headers"), std::string::npos);
  EXPECT_NE(dsn.find("Subject: hi\r\n"), std::string::npos);
  EXPECT_EQ(dsn.find("body line"), std::string::npos);

  auto msg = mime::parse_message(dsn);
  ASSERT_EQ(msg.root.type, "multipart");
  ASSERT_EQ(msg.root.subtype, "report");
  ASSERT_EQ(msg.root.children.size(), 3u);
  EXPECT_EQ(msg.root.children[0].subtype, "plain");
  EXPECT_EQ(msg.root.children[1].type, "message");
  EXPECT_EQ(msg.root.children[1].subtype, "delivery-status");
  EXPECT_EQ(msg.root.children[2].subtype, "rfc822-headers");
}

TEST(Dsn, DelayedAndFullReturn) {
  DsnInput in = input(DsnAction::delayed);
  in.full = true;
  std::string dsn = build_dsn(in);
  EXPECT_NE(dsn.find("Subject: Delayed Mail (still being retried)"), std::string::npos);
  EXPECT_NE(dsn.find("Action: delayed\r\nStatus: 4.4.1\r\n"), std::string::npos);
  EXPECT_NE(dsn.find("Will-Retry-Until: "), std::string::npos);
  EXPECT_NE(dsn.find("Content-Type: message/rfc822\r\n"), std::string::npos);
  EXPECT_NE(dsn.find("body line"), std::string::npos);  // RET=FULL
}

TEST(Dsn, HeaderInjectionIsNeutralised) {
  DsnInput in = input(DsnAction::failed);
  in.recipients[0].diagnostic = "550 bad\r\nX-Injected: yes";
  in.sender = "a@example.org>\r\nBcc: victim@example.com";
  std::string dsn = build_dsn(in);
  EXPECT_EQ(dsn.find("\r\nX-Injected"), std::string::npos);
  EXPECT_EQ(dsn.find("\r\nBcc:"), std::string::npos);
}

TEST(Dsn, NotifyRules) {
  EXPECT_TRUE(wants_dsn("", NotifyEvent::failure));
  EXPECT_TRUE(wants_dsn("", NotifyEvent::delay));
  EXPECT_FALSE(wants_dsn("", NotifyEvent::success));
  EXPECT_FALSE(wants_dsn("NEVER", NotifyEvent::failure));
  EXPECT_TRUE(wants_dsn("SUCCESS,FAILURE", NotifyEvent::success));
  EXPECT_FALSE(wants_dsn("SUCCESS,FAILURE", NotifyEvent::delay));
  EXPECT_TRUE(wants_dsn("delay", NotifyEvent::delay));
}

TEST(Dsn, DateFormat) { EXPECT_EQ(rfc5322_date(0), "Thu, 01 Jan 1970 00:00:00 +0000"); }

}  // namespace
}  // namespace postino::queue
