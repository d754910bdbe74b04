// Scripted C:/S: exchanges against the real session: in-process server on
// 127.0.0.1:0, SQLite store in a temporary directory.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "imap_server/harness.hpp"

namespace postino::imap::server {
namespace {

using testing::Client;
using testing::contains;
using testing::ImapFixture;

const std::string kMsg =
    "From: Ann <ann@example.org>\r\nTo: alice@example.test\r\nSubject: hello there\r\n"
    "Message-ID: <m1@example.org>\r\nDate: Tue, 3 Mar 2026 10:00:00 +0100\r\n\r\nbody one\r\n";

std::string append_cmd(const std::string& mailbox, const std::string& msg,
                       const std::string& flags = "") {
  return "APPEND " + mailbox + (flags.empty() ? "" : " (" + flags + ")") + " {" +
         std::to_string(msg.size()) + "+}\r\n" + msg;
}

TEST(ImapSession, GreetingLoginAndStateRules) {
  ImapFixture f;
  Client c(f.port());
  auto greet = c.line();
  EXPECT_TRUE(greet.starts_with("* OK [CAPABILITY IMAP4rev1 IMAP4rev2")) << greet;
  EXPECT_NE(greet.find("AUTH=PLAIN"), std::string::npos);  // loopback allows plaintext
  EXPECT_NE(greet.find("STARTTLS"), std::string::npos);
  auto r = c.cmd("a1", "SELECT INBOX");
  EXPECT_TRUE(r.back().starts_with("a1 BAD")) << r.back();
  r = c.cmd("a2", "LOGIN alice@example.test wrong");
  EXPECT_TRUE(r.back().starts_with("a2 NO [AUTHENTICATIONFAILED]")) << r.back();
  r = c.cmd("a3", "LOGIN alice@example.test alice-secret");
  EXPECT_TRUE(r.back().starts_with("a3 OK [CAPABILITY")) << r.back();
  EXPECT_NE(r.back().find("QRESYNC"), std::string::npos);
  r = c.cmd("a4", "LOGIN alice@example.test alice-secret");
  EXPECT_TRUE(r.back().starts_with("a4 BAD")) << r.back();
  r = c.cmd("a5", "FETCH 1 FLAGS");
  EXPECT_TRUE(r.back().starts_with("a5 BAD")) << r.back();
  r = c.cmd("a6", "bogus command");
  EXPECT_TRUE(r.back().starts_with("a6 BAD")) << r.back();
  r = c.cmd("a7", "LOGOUT");
  EXPECT_TRUE(contains(r, "* BYE"));
  EXPECT_TRUE(r.back().starts_with("a7 OK"));
}

TEST(ImapSession, AuthenticatePlainWithAndWithoutInitialResponse) {
  ImapFixture f;
  std::string creds = base64_encode(std::string("\0alice@example.test\0alice-secret", 32));
  {
    Client c(f.port());
    c.line();
    auto r = c.cmd("a", "AUTHENTICATE PLAIN " + creds);
    EXPECT_TRUE(r.back().starts_with("a OK")) << r.back();
  }
  {
    Client c(f.port());
    c.line();
    c.send("b AUTHENTICATE PLAIN\r\n");
    EXPECT_EQ(c.line(), "+ \r\n");
    c.send(creds + "\r\n");
    auto r = c.until("b");
    EXPECT_TRUE(r.back().starts_with("b OK")) << r.back();
  }
  {
    Client c(f.port());
    c.line();
    c.send("c AUTHENTICATE PLAIN\r\n");
    c.line();
    c.send("*\r\n");
    auto r = c.until("c");
    EXPECT_TRUE(r.back().starts_with("c BAD")) << r.back();
    r = c.cmd("d", "NOOP");  // still usable, not authenticated
    EXPECT_TRUE(r.back().starts_with("d OK"));
  }
}

TEST(ImapSession, AppendSelectFetchStoreSearchExpunge) {
  ImapFixture f;
  auto c = f.login();
  auto r = c->cmd("a1", append_cmd("INBOX", kMsg, "\\Flagged"));
  ASSERT_TRUE(r.back().starts_with("a1 OK [APPENDUID ")) << r.back();
  r = c->cmd("a2", append_cmd("INBOX", "Subject: second\r\n\r\nxyz\r\n"));
  ASSERT_TRUE(r.back().starts_with("a2 OK")) << r.back();

  r = c->cmd("s", "SELECT INBOX");
  EXPECT_TRUE(contains(r, "* 2 EXISTS"));
  EXPECT_TRUE(contains(r, "[UIDVALIDITY "));
  EXPECT_TRUE(contains(r, "[UIDNEXT 3]"));
  EXPECT_TRUE(contains(r, "[PERMANENTFLAGS ("));
  EXPECT_TRUE(r.back().starts_with("s OK [READ-WRITE]")) << r.back();

  r = c->cmd("f1", "FETCH 1 (UID FLAGS RFC822.SIZE BODY.PEEK[HEADER.FIELDS (SUBJECT)])");
  ASSERT_GE(r.size(), 2u);
  EXPECT_NE(
      r[0].find("* 1 FETCH (UID 1 FLAGS (\\Flagged) RFC822.SIZE " + std::to_string(kMsg.size())),
      std::string::npos)
      << r[0];
  EXPECT_NE(r[0].find("BODY[HEADER.FIELDS (SUBJECT)] {24}\r\nSubject: hello there\r\n\r\n"),
            std::string::npos)
      << r[0];
  r = c->cmd("f2", "FETCH 1 BODY[]");
  EXPECT_NE(r[0].find("BODY[] {" + std::to_string(kMsg.size()) + "}\r\n" + kMsg),
            std::string::npos);
  EXPECT_NE(r[0].find("\\Seen"), std::string::npos) << r[0];  // implicitly set
  r = c->cmd("f3", "UID FETCH 2 (ENVELOPE BODYSTRUCTURE)");
  EXPECT_NE(r[0].find("* 2 FETCH (UID 2 ENVELOPE ("), std::string::npos) << r[0];
  EXPECT_NE(r[0].find("BODYSTRUCTURE (\"text\" \"plain\""), std::string::npos) << r[0];

  r = c->cmd("st", "STORE 2 +FLAGS (\\Deleted $Junk)");
  EXPECT_TRUE(contains(r, "* 2 FETCH (FLAGS ("));
  EXPECT_TRUE(contains(r, "\\Deleted"));
  r = c->cmd("st2", "STORE 1 FLAGS.SILENT (\\Seen)");
  EXPECT_EQ(r.size(), 1u);

  r = c->cmd("se", "SEARCH DELETED");
  EXPECT_TRUE(contains(r, "* SEARCH 2\r\n"));
  r = c->cmd("se2", "UID SEARCH FROM ann SUBJECT hello");
  EXPECT_TRUE(contains(r, "* SEARCH 1\r\n"));
  r = c->cmd("se3", "SEARCH RETURN (MIN MAX COUNT) ALL");
  EXPECT_TRUE(contains(r, "* ESEARCH (TAG \"se3\") MIN 1 MAX 2 COUNT 2"));
  r = c->cmd("se4", "SEARCH BODY xyz");
  EXPECT_TRUE(contains(r, "* SEARCH 2\r\n"));

  r = c->cmd("e", "EXPUNGE");
  EXPECT_TRUE(contains(r, "* 2 EXPUNGE"));
  EXPECT_TRUE(r.back().starts_with("e OK"));
  r = c->cmd("n", "NOOP");
  EXPECT_EQ(r.size(), 1u) << r[0];  // nothing new, own changes not repeated
  r = c->cmd("f4", "FETCH 2 FLAGS");
  EXPECT_TRUE(r.back().starts_with("f4 BAD")) << r.back();
}

TEST(ImapSession, TwoSessionsSeeEachOther) {
  ImapFixture f;
  auto a = f.login();
  auto b = f.login();
  a->cmd("x", append_cmd("INBOX", kMsg));
  a->cmd("s", "SELECT INBOX");
  b->cmd("s", "SELECT INBOX");

  b->cmd("ap", append_cmd("INBOX", "Subject: two\r\n\r\n2\r\n"));
  auto r = a->cmd("n1", "NOOP");
  EXPECT_TRUE(contains(r, "* 2 EXISTS")) << r[0];

  b->cmd("st", "STORE 1 +FLAGS (\\Deleted)");
  r = a->cmd("n2", "NOOP");
  EXPECT_TRUE(contains(r, "* 1 FETCH (UID 1 FLAGS (\\Deleted))")) << r[0];

  b->cmd("ex", "EXPUNGE");
  r = a->cmd("f", "FETCH 1:* FLAGS");  // RFC 9051 §7.5.1: no EXPUNGE during FETCH
  EXPECT_FALSE(contains(r, "* 1 EXPUNGE"));
  r = a->cmd("n3", "NOOP");
  EXPECT_TRUE(contains(r, "* 1 EXPUNGE"));
  r = a->cmd("f2", "FETCH 1 UID");
  EXPECT_TRUE(contains(r, "* 1 FETCH (UID 2)"));
}

// A session's own flag changes are not sent back to it, but a change by
// another session that falls between two of its own still is.
TEST(ImapSession, OwnChangesSkippedOthersInterleavedReported) {
  ImapFixture f;
  auto a = f.login();
  auto b = f.login();
  a->cmd("x1", append_cmd("INBOX", kMsg));
  a->cmd("x2", append_cmd("INBOX", "Subject: two\r\n\r\n2\r\n"));
  a->cmd("s", "SELECT INBOX");
  b->cmd("s", "SELECT INBOX");
  auto r = a->cmd("st1", "STORE 1 +FLAGS.SILENT (\\Flagged)");
  r = a->cmd("n1", "NOOP");
  EXPECT_EQ(r.size(), 1u) << r[0];
  b->cmd("st", "STORE 2 +FLAGS.SILENT (\\Answered)");
  r = a->cmd("st2", "STORE 1 -FLAGS.SILENT (\\Flagged)");  // the sync after it reports b's
  EXPECT_TRUE(contains(r, "* 2 FETCH (UID 2 FLAGS (\\Answered))")) << r[0];
  EXPECT_FALSE(contains(r, "* 1 FETCH")) << r[0];
  r = a->cmd("n2", "NOOP");
  EXPECT_EQ(r.size(), 1u) << r[0];
  // The other session still sees a's changes.
  r = b->cmd("n", "NOOP");
  EXPECT_TRUE(contains(r, "* 1 FETCH (UID 1 FLAGS ())")) << r[0];
  // a's own expunge is answered once, by EXPUNGE itself.
  a->cmd("st3", "STORE 1 +FLAGS.SILENT (\\Deleted)");
  r = a->cmd("e", "EXPUNGE");
  EXPECT_TRUE(contains(r, "* 1 EXPUNGE")) << r[0];
  r = a->cmd("n3", "NOOP");
  EXPECT_EQ(r.size(), 1u) << r[0];
  r = b->cmd("n4", "NOOP");
  EXPECT_TRUE(contains(r, "* 1 EXPUNGE")) << r[0];
  // Own APPEND into the selected mailbox: EXISTS at once; with another
  // session's APPEND in between, both are counted.
  r = a->cmd("ap1", append_cmd("INBOX", "Subject: three\r\n\r\n3\r\n"));
  EXPECT_TRUE(contains(r, "* 2 EXISTS")) << r[0];
  b->cmd("ap2", append_cmd("INBOX", "Subject: four\r\n\r\n4\r\n"));
  r = a->cmd("ap3", append_cmd("INBOX", "Subject: five\r\n\r\n5\r\n"));
  EXPECT_TRUE(contains(r, "* 4 EXISTS")) << r[0];
  r = a->cmd("f", "FETCH 1:* (UID)");
  EXPECT_EQ(r.size(), 5u);
  EXPECT_TRUE(contains(r, "* 4 FETCH (UID 5)")) << r[3];
  r = b->cmd("n5", "NOOP");
  EXPECT_TRUE(contains(r, "* 4 EXISTS")) << r[0];
}

// Header keys read the header section cached at delivery: folded and
// RFC 2047-encoded fields, HEADER with an empty string (field present) and
// SENT* from the Date field; a header too large for the cache is read from
// the message file and still matches.
TEST(ImapSession, SearchHeaderKeysOnCachedAndLargeHeaders) {
  ImapFixture f;
  auto c = f.login();
  std::string m1 =
      "From: =?UTF-8?Q?J=C3=B6rg?= <jorg@example.org>\r\nSubject: a folded\r\n subject line\r\n"
      "X-Tag: \r\nDate: Mon, 2 Mar 2026 09:00:00 +0000\r\n\r\nbody\r\n";
  std::string big(20000, 'x');
  std::string m2 = "From: bob@example.org\r\nX-Big: " + big +
                   "\r\nSubject: needle in a large header\r\n"
                   "Date: Wed, 4 Mar 2026 09:00:00 +0000\r\n\r\nbody\r\n";
  c->cmd("a1", append_cmd("INBOX", m1));
  c->cmd("a2", append_cmd("INBOX", m2));
  c->cmd("s", "SELECT INBOX");
  auto r = c->cmd("q1", "SEARCH CHARSET UTF-8 FROM \"J\xC3\xB6rg\"");
  EXPECT_TRUE(contains(r, "* SEARCH 1\r\n")) << r[0];
  r = c->cmd("q2", "SEARCH SUBJECT \"folded subject\"");
  EXPECT_TRUE(contains(r, "* SEARCH 1\r\n")) << r[0];
  r = c->cmd("q3", "SEARCH HEADER X-Tag \"\"");
  EXPECT_TRUE(contains(r, "* SEARCH 1\r\n")) << r[0];
  r = c->cmd("q4", "SEARCH SUBJECT needle");
  EXPECT_TRUE(contains(r, "* SEARCH 2\r\n")) << r[0];
  r = c->cmd("q5", "SEARCH SENTBEFORE 3-Mar-2026");
  EXPECT_TRUE(contains(r, "* SEARCH 1\r\n")) << r[0];
  r = c->cmd("q6", "SEARCH SENTSINCE 3-Mar-2026 FROM bob");
  EXPECT_TRUE(contains(r, "* SEARCH 2\r\n")) << r[0];
  r = c->cmd("q7", "SEARCH OR SUBJECT nothing-like-this UID 1:*");
  EXPECT_TRUE(contains(r, "* SEARCH 1 2\r\n")) << r[0];
  r = c->cmd("f1", "FETCH 2 BODY.PEEK[HEADER.FIELDS (SUBJECT)]");
  EXPECT_NE(r[0].find("Subject: needle in a large header\r\n\r\n"), std::string::npos) << r[0];
  r = c->cmd("f2", "FETCH 1 RFC822.HEADER");
  EXPECT_NE(r[0].find("RFC822.HEADER {" + std::to_string(m1.size() - 6) + "}"), std::string::npos)
      << r[0];
}

TEST(ImapSession, IdleSeesAppendFromAnotherSession) {
  ImapFixture f;
  auto a = f.login();
  auto b = f.login();
  a->cmd("s", "SELECT INBOX");
  a->send("i IDLE\r\n");
  EXPECT_TRUE(a->line().starts_with("+ "));
  auto start = std::chrono::steady_clock::now();
  b->cmd("ap", append_cmd("INBOX", kMsg));
  auto l = a->line(3000);
  EXPECT_EQ(l, "* 1 EXISTS\r\n");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  a->send("DONE\r\n");
  auto r = a->until("i");
  EXPECT_TRUE(r.back().starts_with("i OK")) << r.back();
}

TEST(ImapSession, QresyncReportsVanishedEarlier) {
  ImapFixture f;
  auto a = f.login();
  for (int i = 0; i < 4; ++i) a->cmd("ap", append_cmd("INBOX", kMsg));
  a->cmd("en", "ENABLE QRESYNC");
  auto r = a->cmd("s", "SELECT INBOX");
  std::string hm;
  for (auto& l : r)
    if (auto p = l.find("[HIGHESTMODSEQ "); p != std::string::npos)
      hm = l.substr(p + 15, l.find(']', p) - p - 15);
  std::string uv;
  for (auto& l : r)
    if (auto p = l.find("[UIDVALIDITY "); p != std::string::npos)
      uv = l.substr(p + 13, l.find(']', p) - p - 13);
  ASSERT_FALSE(hm.empty());
  a->cmd("u", "UNSELECT");
  auto b = f.login();
  b->cmd("s", "SELECT INBOX");
  b->cmd("st", "UID STORE 2 +FLAGS.SILENT (\\Deleted)");
  b->cmd("ex", "EXPUNGE");
  b->cmd("st2", "UID STORE 3 +FLAGS.SILENT (\\Flagged)");
  r = a->cmd("q", "SELECT INBOX (QRESYNC (" + uv + " " + hm + " 1:4))");
  EXPECT_TRUE(contains(r, "* VANISHED (EARLIER) 2\r\n"));
  EXPECT_TRUE(contains(r, "FETCH (UID 3 FLAGS (\\Flagged) MODSEQ ("));
  EXPECT_FALSE(contains(r, "FETCH (UID 1 "));
  EXPECT_TRUE(r.back().starts_with("q OK")) << r.back();
  // A live expunge is reported as VANISHED once QRESYNC is on.
  b->cmd("st3", "UID STORE 4 +FLAGS.SILENT (\\Deleted)");
  b->cmd("ex2", "EXPUNGE");
  r = a->cmd("n", "NOOP");
  EXPECT_TRUE(contains(r, "* VANISHED 4\r\n")) << r[0];
}

TEST(ImapSession, MailboxManagement) {
  ImapFixture f;
  auto c = f.login();
  auto r = c->cmd("l0", "LIST \"\" \"\"");
  EXPECT_TRUE(contains(r, "* LIST (\\Noselect) \"/\" \"\""));
  r = c->cmd("c1", "CREATE Work/Projects/2026");
  EXPECT_TRUE(r.back().starts_with("c1 OK")) << r.back();
  r = c->cmd("l1", "LIST \"\" \"Work/*\"");
  EXPECT_TRUE(contains(r, "* LIST (\\HasChildren) \"/\" Work/Projects\r\n"));
  EXPECT_TRUE(contains(r, "* LIST (\\HasNoChildren) \"/\" Work/Projects/2026\r\n"));
  r = c->cmd("l2", "LIST \"\" %");
  EXPECT_TRUE(contains(r, "\\Sent) \"/\" Sent\r\n"));
  EXPECT_TRUE(contains(r, "\"/\" INBOX\r\n"));
  EXPECT_FALSE(contains(r, "Work/Projects"));
  r = c->cmd("r", "RENAME Work Play");
  EXPECT_TRUE(r.back().starts_with("r OK")) << r.back();
  r = c->cmd("l3", "LIST \"\" *");
  EXPECT_TRUE(contains(r, "\"/\" Play/Projects/2026\r\n"));
  EXPECT_FALSE(contains(r, "Work"));
  r = c->cmd("d", "DELETE INBOX");
  EXPECT_TRUE(r.back().starts_with("d NO")) << r.back();
  r = c->cmd("c2", "CREATE Play");
  EXPECT_TRUE(r.back().starts_with("c2 NO [ALREADYEXISTS]")) << r.back();
  c->cmd("ap", append_cmd("Play", kMsg));
  r = c->cmd("st", "STATUS Play (MESSAGES UIDNEXT UNSEEN SIZE DELETED)");
  EXPECT_TRUE(contains(r, "* STATUS Play (MESSAGES 1 UIDNEXT 2 UNSEEN 1 SIZE " +
                              std::to_string(kMsg.size()) + " DELETED 0)"))
      << r[0];
  r = c->cmd("ls", "LIST (SUBSCRIBED) \"\" * RETURN (STATUS (MESSAGES))");
  EXPECT_TRUE(contains(r, "\\Subscribed"));
  EXPECT_TRUE(contains(r, "* STATUS INBOX (MESSAGES 0)"));
  r = c->cmd("c3", "CREATE &AOQ-rger");  // mUTF-7 "ärger"
  EXPECT_TRUE(r.back().starts_with("c3 OK"));
  r = c->cmd("l4", "LIST \"\" &AOQ-*");
  EXPECT_TRUE(contains(r, "\"/\" &AOQ-rger\r\n"));
  r = c->cmd("ap2", append_cmd("Nowhere", kMsg));
  EXPECT_TRUE(r.back().starts_with("ap2 NO [TRYCREATE]")) << r.back();
}

TEST(ImapSession, CopyMoveWithCopyUid) {
  ImapFixture f;
  auto c = f.login();
  c->cmd("ap", append_cmd("INBOX", kMsg));
  c->cmd("ap", append_cmd("INBOX", kMsg));
  c->cmd("s", "SELECT INBOX");
  auto r = c->cmd("cp", "COPY 1:2 Archive");
  EXPECT_TRUE(r.back().starts_with("cp OK [COPYUID ")) << r.back();
  EXPECT_NE(r.back().find(" 1:2 1:2]"), std::string::npos) << r.back();
  r = c->cmd("mv", "UID MOVE 1 Trash");
  EXPECT_TRUE(contains(r, "* OK [COPYUID "));
  EXPECT_TRUE(contains(r, "* 1 EXPUNGE"));
  r = c->cmd("st", "STATUS Trash (MESSAGES)");
  EXPECT_TRUE(contains(r, "(MESSAGES 1)"));
  r = c->cmd("cp2", "COPY 1 Missing");
  EXPECT_TRUE(r.back().starts_with("cp2 NO [TRYCREATE]"));
}

TEST(ImapSession, OversizedAppendRefusedBeforeLiteral) {
  Options o;
  o.max_message_size = 1000;
  ImapFixture f(o);
  auto c = f.login();
  c->send("big APPEND INBOX {5000}\r\n");
  auto l = c->line();
  EXPECT_TRUE(l.starts_with("big NO [TOOBIG]")) << l;
  auto r = c->cmd("n", "NOOP");
  EXPECT_TRUE(r.back().starts_with("n OK"));
}

TEST(ImapSession, CondstoreUnchangedSince) {
  ImapFixture f;
  auto c = f.login();
  c->cmd("ap", append_cmd("INBOX", kMsg));
  c->cmd("ap", append_cmd("INBOX", kMsg));
  auto r = c->cmd("s", "SELECT INBOX (CONDSTORE)");
  r = c->cmd("f", "FETCH 1:2 (MODSEQ)");
  ASSERT_TRUE(contains(r, "* 1 FETCH (MODSEQ ("));
  r = c->cmd("st", "STORE 1:2 (UNCHANGEDSINCE 1) +FLAGS (\\Flagged)");
  EXPECT_NE(r.back().find("[MODIFIED "), std::string::npos) << r.back();
  r = c->cmd("st2", "STORE 1 (UNCHANGEDSINCE 1000) +FLAGS (\\Answered)");
  EXPECT_TRUE(contains(r, "* 1 FETCH (FLAGS (\\Answered) MODSEQ ("));
  EXPECT_TRUE(r.back().starts_with("st2 OK STORE")) << r.back();
}

TEST(ImapSession, SortAndThread) {
  ImapFixture f;
  auto c = f.login();
  c->cmd("a",
         append_cmd(
             "INBOX",
             "Subject: b topic\r\nMessage-ID: <1@x>\r\nDate: 2 Jan 2026 00:00 +0000\r\n\r\n1\r\n"));
  c->cmd("a",
         append_cmd(
             "INBOX",
             "Subject: a topic\r\nMessage-ID: <2@x>\r\nDate: 1 Jan 2026 00:00 +0000\r\n\r\n2\r\n"));
  c->cmd("a", append_cmd("INBOX",
                         "Subject: Re: b topic\r\nMessage-ID: <3@x>\r\nReferences: <1@x>\r\n"
                         "Date: 3 Jan 2026 00:00 +0000\r\n\r\n3\r\n"));
  c->cmd("s", "SELECT INBOX");
  auto r = c->cmd("so", "SORT (SUBJECT) UTF-8 ALL");
  EXPECT_TRUE(contains(r, "* SORT 2 1 3\r\n")) << r[0];
  r = c->cmd("so2", "SORT (REVERSE DATE) UTF-8 ALL");
  EXPECT_TRUE(contains(r, "* SORT 3 1 2\r\n")) << r[0];
  r = c->cmd("t", "THREAD REFERENCES UTF-8 ALL");
  EXPECT_TRUE(contains(r, "* THREAD (2)(1 3)\r\n")) << r[0];
  r = c->cmd("t2", "THREAD ORDEREDSUBJECT UTF-8 ALL");
  EXPECT_TRUE(contains(r, "* THREAD (2)(1 3)\r\n")) << r[0];
}

// RFC 5256 §2.2 step 5: threads without references but with one base subject
// are merged: a reply under the original, two originals under a dummy; and
// §2.1 base subjects strip blobs, Fwd / Re leaders, "(fwd)" and "[fwd: ...]".
TEST(ImapSession, ThreadReferencesMergesBySubject) {
  ImapFixture f;
  auto c = f.login();
  auto put = [&](const std::string& subject, int id, int day) {
    c->cmd("a", append_cmd("INBOX", "Subject: " + subject + "\r\nMessage-ID: <" +
                                        std::to_string(id) + "@y>\r\nDate: " + std::to_string(day) +
                                        " Jan 2026 00:00 +0000\r\n\r\nx\r\n"));
  };
  put("Lunch", 1, 1);                // 1
  put("[list] RE: lunch", 2, 2);     // 2: a reply, no references
  put("Report", 3, 3);               // 3
  put("report", 4, 4);               // 4: same base subject, not a reply
  put("[Fwd: Report (fwd)]", 5, 5);  // 5: a forward of it
  put("[x] [y]", 6, 6);              // 6: a blob is the base when nothing is left
  c->cmd("s", "SELECT INBOX");
  auto r = c->cmd("t", "THREAD REFERENCES UTF-8 ALL");
  EXPECT_TRUE(contains(r, "* THREAD (1 2)((3)(4)(5))(6)\r\n")) << r[0];
  // "LUNCH" < "REPORT" < "[Y]" under i;unicode-casemap (RFC 5051 titlecase).
  r = c->cmd("so", "SORT (SUBJECT) UTF-8 ALL");
  EXPECT_TRUE(contains(r, "* SORT 1 2 3 4 5 6\r\n")) << r[0];
}

}  // namespace
}  // namespace postino::imap::server
