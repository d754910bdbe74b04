// The command grammar: one or more tests per command, with RFC examples.
#include "imap/proto/parser.hpp"

#include <gtest/gtest.h>

#include "imap_proto/test_util.hpp"

namespace postino::imap {
namespace {

using test::body;
using test::parse_fail;
using test::parse_ok;
using K = SearchKey::Kind;
using A = FetchAtt::Kind;

TEST(Parser, SimpleCommands) {
  EXPECT_TRUE(std::holds_alternative<CapabilityCmd>(parse_ok("a CAPABILITY\r\n").body));
  EXPECT_TRUE(std::holds_alternative<NoopCmd>(parse_ok("a noop\r\n").body));
  EXPECT_TRUE(std::holds_alternative<LogoutCmd>(parse_ok("a Logout\r\n").body));
  EXPECT_TRUE(std::holds_alternative<StartTlsCmd>(parse_ok("a STARTTLS\r\n").body));
  EXPECT_TRUE(std::holds_alternative<NamespaceCmd>(parse_ok("a NAMESPACE\r\n").body));
  EXPECT_TRUE(std::holds_alternative<IdleCmd>(parse_ok("a IDLE\r\n").body));
  EXPECT_TRUE(std::holds_alternative<CheckCmd>(parse_ok("a CHECK\r\n").body));
  EXPECT_TRUE(std::holds_alternative<CloseCmd>(parse_ok("a CLOSE\r\n").body));
  EXPECT_TRUE(std::holds_alternative<UnselectCmd>(parse_ok("a UNSELECT\r\n").body));
  EXPECT_FALSE(body<ExpungeCmd>("a EXPUNGE\r\n").uids.has_value());
  EXPECT_EQ(parse_fail("a NOOP extra\r\n").tag, "a");
  EXPECT_EQ(parse_fail("a NOOP \r\n").tag, "a");
}

TEST(Parser, TagsAndNames) {
  EXPECT_EQ(parse_ok("A.b-c_1] NOOP\r\n").tag, "A.b-c_1]");
  EXPECT_FALSE(parse_fail("a+ NOOP\r\n").tag.has_value());
  EXPECT_FALSE(parse_fail("NOOP\r\n").tag.has_value());
  EXPECT_EQ(parse_fail("a  NOOP\r\n").tag, "a");
  EXPECT_EQ(parse_fail("a UID NOOP\r\n").tag, "a");
  EXPECT_EQ(command_name(parse_ok("a uid fetch 1 UID\r\n")), "UID FETCH");
  EXPECT_EQ(command_name(parse_ok("a examine x\r\n")), "EXAMINE");
}

TEST(Parser, Authenticate) {
  auto a = body<AuthenticateCmd>("a AUTHENTICATE plain dGVzdAB0ZXN0AHRlc3Q=\r\n");
  EXPECT_EQ(a.mechanism, "PLAIN");
  EXPECT_EQ(a.initial_response, "dGVzdAB0ZXN0AHRlc3Q=");
  EXPECT_EQ(body<AuthenticateCmd>("a AUTHENTICATE EXTERNAL =\r\n").initial_response, "=");
  parse_fail("a AUTHENTICATE PLAIN a*b\r\n");
  parse_fail("a AUTHENTICATE\r\n");
}

TEST(Parser, Login) {
  auto l = body<LoginCmd>("a001 LOGIN SMITH SESAME\r\n");
  EXPECT_EQ(l.user, "SMITH");
  EXPECT_EQ(l.password, "SESAME");
  l = body<LoginCmd>("a LOGIN \"joe \\\"q\\\" user\" \"pa\\\\ss\"\r\n");
  EXPECT_EQ(l.user, "joe \"q\" user");
  EXPECT_EQ(l.password, "pa\\ss");
  l = body<LoginCmd>("a LOGIN \"\" \"\xc3\xa9t\xc3\xa9\"\r\n");
  EXPECT_EQ(l.user, "");
  EXPECT_EQ(l.password, "\xc3\xa9t\xc3\xa9");
  parse_fail("a LOGIN user\r\n");
  parse_fail("a LOGIN \"a\\b\" x\r\n");
  parse_fail("a LOGIN {3}x\r\n");
}

TEST(Parser, EnableAndId) {
  EXPECT_EQ(body<EnableCmd>("t ENABLE condstore utf8=accept\r\n").capabilities,
            (std::vector<std::string>{"CONDSTORE", "UTF8=ACCEPT"}));
  parse_fail("t ENABLE\r\n");
  auto id = body<IdCmd>("a023 ID (\"name\" \"sodr\" \"vendor\" NIL)\r\n");
  ASSERT_TRUE(id.params.has_value());
  ASSERT_EQ(id.params->size(), 2u);
  EXPECT_EQ((*id.params)[0].first, "name");
  EXPECT_EQ((*id.params)[0].second, "sodr");
  EXPECT_FALSE((*id.params)[1].second.has_value());
  EXPECT_FALSE(body<IdCmd>("a ID NIL\r\n").params.has_value());
  EXPECT_TRUE(body<IdCmd>("a ID ()\r\n").params->empty());
  parse_fail("a ID (\"name\")\r\n");
}

TEST(Parser, Select) {
  auto s = body<SelectCmd>("A142 SELECT inbox\r\n");
  EXPECT_EQ(s.mailbox, "INBOX");
  EXPECT_FALSE(s.read_only);
  EXPECT_TRUE(body<SelectCmd>("A932 EXAMINE blurdybloop\r\n").read_only);
  EXPECT_EQ(body<SelectCmd>("A SELECT Inbox/Sub\r\n").mailbox, "Inbox/Sub");
  EXPECT_TRUE(body<SelectCmd>("a SELECT x (CONDSTORE)\r\n").condstore);
  s = body<SelectCmd>(
      "B04 SELECT INBOX (QRESYNC (67890007 90060115194045000 1:29997 (5000,7500 15000,22500)))"
      "\r\n");
  ASSERT_TRUE(s.qresync.has_value());
  EXPECT_EQ(s.qresync->uidvalidity, 67890007u);
  EXPECT_EQ(s.qresync->modseq, 90060115194045000u);
  EXPECT_EQ(s.qresync->known_uids->to_string(), "1:29997");
  EXPECT_EQ(s.qresync->seq_match->first.to_string(), "5000,7500");
  EXPECT_EQ(s.qresync->seq_match->second.to_string(), "15000,22500");
  s = body<SelectCmd>("a SELECT INBOX (QRESYNC (1 2 (3 4)))\r\n");
  EXPECT_FALSE(s.qresync->known_uids.has_value());
  EXPECT_TRUE(s.qresync->seq_match.has_value());
  EXPECT_FALSE(body<SelectCmd>("a SELECT I (QRESYNC (1 2))\r\n").qresync->known_uids.has_value());
  parse_fail("a SELECT I (QRESYNC (1 0))\r\n");
  parse_fail("a SELECT I (FOO)\r\n");
  parse_fail("a SELECT\r\n");
}

TEST(Parser, MailboxManagement) {
  EXPECT_EQ(body<CreateCmd>("A003 CREATE owatagusiam/\r\n").mailbox, "owatagusiam/");
  auto c = body<CreateCmd>("t1 CREATE MySpecialArchive (USE (\\Archive \\Junk))\r\n");
  EXPECT_EQ(c.special_use, (std::vector<std::string>{"\\Archive", "\\Junk"}));
  parse_fail("t1 CREATE X (USE (Archive))\r\n");
  EXPECT_EQ(body<DeleteCmd>("A683 DELETE blurdybloop\r\n").mailbox, "blurdybloop");
  auto r = body<RenameCmd>("A682 RENAME \"old name\" {3}\r\nnew\r\n");
  EXPECT_EQ(r.from, "old name");
  EXPECT_EQ(r.to, "new");
  EXPECT_TRUE(body<SubscribeCmd>("A002 SUBSCRIBE #news.comp\r\n").subscribe);
  EXPECT_FALSE(body<SubscribeCmd>("A002 UNSUBSCRIBE #news.comp\r\n").subscribe);
}

TEST(Parser, Status) {
  auto s = body<StatusCmd>(
      "A043 STATUS INBOX (MESSAGES UIDNEXT UIDVALIDITY UNSEEN DELETED SIZE RECENT HIGHESTMODSEQ "
      "appendlimit)\r\n");
  EXPECT_EQ(s.mailbox, "INBOX");
  EXPECT_EQ(s.items, (std::vector<StatusItem>{
                         StatusItem::messages, StatusItem::uidnext, StatusItem::uidvalidity,
                         StatusItem::unseen, StatusItem::deleted, StatusItem::size,
                         StatusItem::recent, StatusItem::highestmodseq, StatusItem::appendlimit}));
  parse_fail("A STATUS INBOX ()\r\n");
  parse_fail("A STATUS INBOX (BOGUS)\r\n");
}

TEST(Parser, ListBasic) {
  auto l = body<ListCmd>("A101 LIST \"\" \"\"\r\n");
  EXPECT_FALSE(l.extended);
  EXPECT_EQ(l.reference, "");
  EXPECT_EQ(l.patterns, std::vector<std::string>{""});
  l = body<ListCmd>("A202 LIST ~/Mail/ %\r\n");
  EXPECT_EQ(l.reference, "~/Mail/");
  EXPECT_EQ(l.patterns, std::vector<std::string>{"%"});
  l = body<ListCmd>("A LIST \"\" foo/*/bar]\r\n");
  EXPECT_EQ(l.patterns, std::vector<std::string>{"foo/*/bar]"});
  auto lsub = body<ListCmd>("A002 LSUB \"#news.\" \"comp.mail.*\"\r\n");
  EXPECT_TRUE(lsub.lsub);
  EXPECT_EQ(lsub.patterns, std::vector<std::string>{"comp.mail.*"});
  parse_fail("A LSUB (SUBSCRIBED) \"\" *\r\n");
}

TEST(Parser, ListExtended) {
  auto l = body<ListCmd>("A05 LIST (SUBSCRIBED RECURSIVEMATCH) \"\" \"%\" RETURN (SUBSCRIBED)\r\n");
  EXPECT_TRUE(l.extended);
  EXPECT_TRUE(l.sel_subscribed);
  EXPECT_TRUE(l.sel_recursive_match);
  EXPECT_TRUE(l.ret_subscribed);
  l = body<ListCmd>("BBB LIST \"\" (\"INBOX\" \"Drafts\" \"Sent/%\")\r\n");
  EXPECT_EQ(l.patterns, (std::vector<std::string>{"INBOX", "Drafts", "Sent/%"}));
  l = body<ListCmd>("A01 LIST \"\" % RETURN (STATUS (MESSAGES UNSEEN) CHILDREN)\r\n");
  ASSERT_TRUE(l.ret_status.has_value());
  EXPECT_EQ(*l.ret_status, (std::vector<StatusItem>{StatusItem::messages, StatusItem::unseen}));
  EXPECT_TRUE(l.ret_children);
  l = body<ListCmd>("t1 LIST (SPECIAL-USE REMOTE) \"\" \"*\" RETURN (SPECIAL-USE)\r\n");
  EXPECT_TRUE(l.sel_special_use);
  EXPECT_TRUE(l.sel_remote);
  EXPECT_TRUE(l.ret_special_use);
  EXPECT_TRUE(body<ListCmd>("A03 LIST () \"\" \"%\" RETURN ()\r\n").extended);
  parse_fail("A LIST (RECURSIVEMATCH) \"\" *\r\n");  // RFC 5258 §3.1
  parse_fail("A LIST (BOGUS) \"\" *\r\n");
  parse_fail("A LIST \"\" * RETURN (BOGUS)\r\n");
  parse_fail("A LIST \"\" * FOO\r\n");
}

TEST(Parser, Append) {
  auto a =
      body<AppendCmd>("A003 APPEND saved-messages (\\Seen) {24}\r\nFrom: fred@example.com\r\n\r\n");
  EXPECT_EQ(a.mailbox, "saved-messages");
  ASSERT_EQ(a.messages.size(), 1u);
  EXPECT_EQ(a.messages[0].flags, std::vector<std::string>{"\\Seen"});
  EXPECT_EQ(a.messages[0].data, "From: fred@example.com\r\n");
  EXPECT_FALSE(a.messages[0].internal_date.has_value());
  a = body<AppendCmd>("A APPEND inbox \" 5-Jan-2021 10:11:12 -0700\" {2+}\r\nhi\r\n");
  EXPECT_EQ(a.mailbox, "INBOX");
  ASSERT_TRUE(a.messages[0].internal_date.has_value());
  EXPECT_EQ(a.messages[0].internal_date->date, (Date{2021, 1, 5}));
  EXPECT_EQ(a.messages[0].internal_date->zone_minutes, -420);
  std::string bin("A APPEND X ~{3}\r\na\0b\r\n", 22);
  a = body<AppendCmd>(bin);
  EXPECT_TRUE(a.messages[0].binary);
  EXPECT_EQ(a.messages[0].data, std::string("a\0b", 3));
  a = body<AppendCmd>(
      "A006 APPEND Drafts {3}\r\none (\\Draft) \"01-Jan-2020 00:00:00 +0000\" {3}\r\n"
      "two\r\n");
  ASSERT_EQ(a.messages.size(), 2u);  // MULTIAPPEND
  EXPECT_EQ(a.messages[1].flags, std::vector<std::string>{"\\Draft"});
  EXPECT_EQ(a.messages[1].data, "two");
  a = body<AppendCmd>("A007 APPEND INBOX UTF8 (~{6+}\r\nhello!)\r\n");
  EXPECT_TRUE(a.messages[0].utf8);
  EXPECT_EQ(a.messages[0].data, "hello!");
  parse_fail("A APPEND INBOX \"not a message\"\r\n");
  parse_fail("A APPEND INBOX\r\n");
  parse_fail("A APPEND INBOX \"32-Jan-2021 10:11:12 -0700\" {1}\r\nx\r\n");
  parse_fail("A APPEND INBOX UTF8 ({1}\r\nx)\r\n");
  parse_fail("A APPEND INBOX {1}\r\nx \r\n");
}

TEST(Parser, SearchBasics) {
  auto s = body<SearchCmd>("A282 SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"\r\n");
  EXPECT_FALSE(s.uid);
  EXPECT_FALSE(s.ret.has_value());
  ASSERT_EQ(s.key.kind, K::and_);
  ASSERT_EQ(s.key.children.size(), 3u);
  EXPECT_EQ(s.key.children[0].kind, K::flagged);
  EXPECT_EQ(s.key.children[1].kind, K::since);
  EXPECT_EQ(s.key.children[1].date, (Date{1994, 2, 1}));
  EXPECT_EQ(s.key.children[2].kind, K::not_);
  EXPECT_EQ(s.key.children[2].children.at(0).kind, K::from);
  EXPECT_EQ(s.key.children[2].children.at(0).str, "Smith");
  s = body<SearchCmd>("A284 SEARCH CHARSET UTF-8 TEXT {6}\r\n\xe6\x97\xa5\xe6\x9c\xac\r\n");
  EXPECT_EQ(s.charset, "UTF-8");
  EXPECT_EQ(s.key.children.at(0).str, "\xe6\x97\xa5\xe6\x9c\xac");
}

TEST(Parser, SearchComplex) {
  auto s = body<SearchCmd>(
      "A UID SEARCH RETURN (MIN MAX COUNT) OR (SEEN DELETED) HEADER Message-ID <a@b> UID 1:*\r\n");
  EXPECT_TRUE(s.uid);
  ASSERT_TRUE(s.ret.has_value());
  EXPECT_EQ(*s.ret, (SearchReturn{true, true, false, true, false}));
  ASSERT_EQ(s.key.children.size(), 2u);
  const auto& orr = s.key.children[0];
  EXPECT_EQ(orr.kind, K::or_);
  EXPECT_EQ(orr.children.at(0).kind, K::and_);
  EXPECT_EQ(orr.children.at(0).children.size(), 2u);
  EXPECT_EQ(orr.children.at(1).kind, K::header);
  EXPECT_EQ(orr.children.at(1).str, "Message-ID");
  EXPECT_EQ(orr.children.at(1).value, "<a@b>");
  EXPECT_EQ(s.key.children[1].kind, K::uid);
  EXPECT_EQ(s.key.children[1].set.to_string(), "1:*");
  EXPECT_TRUE(body<SearchCmd>("a SEARCH RETURN () ALL\r\n").ret.has_value());
  EXPECT_TRUE(body<SearchCmd>("a SEARCH RETURN (SAVE) DELETED\r\n").ret->save);
  s = body<SearchCmd>("a UID SEARCH $ SMALLER 4096 LARGER 10 2,4:7\r\n");
  EXPECT_TRUE(s.key.children[0].set.saved);
  EXPECT_EQ(s.key.children[1].number, 4096u);
  EXPECT_EQ(s.key.children[2].kind, K::larger);
  EXPECT_EQ(s.key.children[3].kind, K::sequence);
  s = body<SearchCmd>("a SEARCH MODSEQ \"/flags/\\\\draft\" all 620162338\r\n");
  EXPECT_EQ(s.key.children[0].kind, K::modseq);
  EXPECT_EQ(s.key.children[0].modseq_entry, "/flags/\\draft");
  EXPECT_EQ(s.key.children[0].modseq_entry_type, "all");
  EXPECT_EQ(s.key.children[0].number, 620162338u);
  EXPECT_EQ(body<SearchCmd>("a SEARCH MODSEQ 5\r\n").key.children[0].number, 5u);
  s = body<SearchCmd>("a SEARCH KEYWORD $Work UNKEYWORD Junk BEFORE \"2-Mar-2020\"\r\n");
  EXPECT_EQ(s.key.children[0].str, "$Work");
  EXPECT_EQ(s.key.children[2].date, (Date{2020, 3, 2}));
}

TEST(Parser, SearchErrors) {
  parse_fail("a SEARCH\r\n");
  parse_fail("a SEARCH FOO\r\n");
  parse_fail("a SEARCH (SEEN\r\n");
  parse_fail("a SEARCH SEEN)\r\n");
  parse_fail("a SEARCH OR SEEN\r\n");
  parse_fail("a SEARCH SINCE 31-Feb-2020\r\n");
  parse_fail("a SEARCH RETURN (FOO) ALL\r\n");
  parse_fail("a SEARCH MODSEQ \"/x\" all 5\r\n");
  parse_fail("a SEARCH 0\r\n");
  parse_fail("a SEARCH LARGER 99999999999999999999\r\n");
  // Nesting is bounded.
  std::string deep = "a SEARCH " + std::string(100, '(') + "SEEN" + std::string(100, ')') + "\r\n";
  EXPECT_EQ(parse_fail(deep).tag, "a");
  std::string nots = "a SEARCH ";
  for (int i = 0; i < 100; ++i) nots += "NOT ";
  parse_fail(nots + "SEEN\r\n");
  std::string ok = "a SEARCH " + std::string(10, '(') + "SEEN" + std::string(10, ')') + "\r\n";
  parse_ok(ok);
}

TEST(Parser, Fetch) {
  auto f = body<FetchCmd>("A654 FETCH 2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)])\r\n");
  EXPECT_EQ(f.set.to_string(), "2:4");
  ASSERT_EQ(f.atts.size(), 2u);
  EXPECT_EQ(f.atts[0].kind, A::flags);
  EXPECT_EQ(f.atts[1].kind, A::body_section);
  EXPECT_FALSE(f.atts[1].peek);
  EXPECT_EQ(f.atts[1].section.text, Section::Text::header_fields);
  EXPECT_EQ(f.atts[1].section.fields, (std::vector<std::string>{"DATE", "FROM"}));
  EXPECT_EQ(body<FetchCmd>("a FETCH 1 ALL\r\n").atts.size(), 4u);
  EXPECT_EQ(body<FetchCmd>("a FETCH 1 fast\r\n").atts.size(), 3u);
  EXPECT_EQ(body<FetchCmd>("a FETCH 1 FULL\r\n").atts.back().kind, A::body);
  f = body<FetchCmd>("a FETCH 3 body.peek[1.2.MIME]<0.1024>\r\n");
  EXPECT_TRUE(f.atts[0].peek);
  EXPECT_EQ(f.atts[0].section.part, (std::vector<uint32_t>{1, 2}));
  EXPECT_EQ(f.atts[0].section.text, Section::Text::mime);
  EXPECT_EQ(f.atts[0].partial, (Partial{0, 1024}));
  f = body<FetchCmd>(
      "a UID FETCH 1:* (UID RFC822.SIZE BODYSTRUCTURE ENVELOPE INTERNALDATE) (CHANGEDSINCE 12345 "
      "VANISHED)\r\n");
  EXPECT_TRUE(f.uid);
  EXPECT_EQ(f.changedsince, 12345u);
  EXPECT_TRUE(f.vanished);
  f = body<FetchCmd>(
      "a FETCH 1 (BINARY[1.2]<0.100> BINARY.PEEK[3] BINARY.SIZE[] MODSEQ RFC822 RFC822.HEADER "
      "RFC822.TEXT BODY BODY[] BODY[TEXT] BODY[2.HEADER.FIELDS.NOT (X-A \"x-b\")] BODY[1])\r\n");
  ASSERT_EQ(f.atts.size(), 12u);
  EXPECT_EQ(f.atts[0].kind, A::binary);
  EXPECT_EQ(f.atts[0].partial, (Partial{0, 100}));
  EXPECT_TRUE(f.atts[1].peek);
  EXPECT_EQ(f.atts[2].kind, A::binary_size);
  EXPECT_TRUE(f.atts[2].section.part.empty());
  EXPECT_EQ(f.atts[3].kind, A::modseq);
  EXPECT_EQ(f.atts[7].kind, A::body);
  EXPECT_EQ(f.atts[8].section, Section{});
  EXPECT_EQ(f.atts[9].section.text, Section::Text::text);
  EXPECT_EQ(f.atts[10].section.text, Section::Text::header_fields_not);
  EXPECT_EQ(f.atts[10].section.fields, (std::vector<std::string>{"X-A", "x-b"}));
  EXPECT_EQ(f.atts[10].section.part, std::vector<uint32_t>{2});
  EXPECT_EQ(f.atts[11].section.part, std::vector<uint32_t>{1});
  EXPECT_EQ(body<FetchCmd>("a FETCH $ FLAGS (CHANGEDSINCE 5)\r\n").set.saved, true);
}

TEST(Parser, FetchErrors) {
  parse_fail("a FETCH 1\r\n");
  parse_fail("a FETCH 1 (ALL)\r\n");  // macros only alone
  parse_fail("a FETCH 1 BOGUS\r\n");
  parse_fail("a FETCH 1 BODY[MIME]\r\n");  // MIME needs a part
  parse_fail("a FETCH 1 BODY[1.]\r\n");
  parse_fail("a FETCH 1 BODY[0]\r\n");
  parse_fail("a FETCH 1 BODY[]<0.0>\r\n");
  parse_fail("a FETCH 1 BODY[]<0>\r\n");
  parse_fail("a FETCH 1 BINARY[TEXT]\r\n");
  parse_fail("a FETCH 1 BINARY.SIZE[1]<0.1>\r\n");
  parse_fail("a FETCH 1 FLAGS (VANISHED)\r\n");  // RFC 7162 §3.2.6
  parse_fail("a FETCH 1 (FLAGS\r\n");
  parse_fail("a FETCH 1:2:3 FLAGS\r\n");
}

TEST(Parser, Store) {
  auto s = body<StoreCmd>("A003 STORE 2:4 +FLAGS (\\Deleted)\r\n");
  EXPECT_EQ(s.mode, StoreCmd::Mode::add);
  EXPECT_FALSE(s.silent);
  EXPECT_EQ(s.flags, std::vector<std::string>{"\\Deleted"});
  s = body<StoreCmd>("A004 STORE 1 FLAGS.SILENT \\Seen \\Flagged\r\n");
  EXPECT_EQ(s.mode, StoreCmd::Mode::replace);
  EXPECT_TRUE(s.silent);
  EXPECT_EQ(s.flags, (std::vector<std::string>{"\\Seen", "\\Flagged"}));
  s = body<StoreCmd>("A UID STORE 1:5 (UNCHANGEDSINCE 320162338) -FLAGS.SILENT ($Junk)\r\n");
  EXPECT_TRUE(s.uid);
  EXPECT_EQ(s.mode, StoreCmd::Mode::remove);
  EXPECT_EQ(s.unchangedsince, 320162338u);
  EXPECT_TRUE(body<StoreCmd>("a STORE 1 FLAGS ()\r\n").flags.empty());
  parse_fail("a STORE 1 +FLAGS (\\*)\r\n");
  parse_fail("a STORE 1 LABELS (x)\r\n");
  parse_fail("a STORE 1 (FOO 1) FLAGS (x)\r\n");
}

TEST(Parser, CopyMoveExpunge) {
  auto c = body<CopyCmd>("A003 COPY 2:4 MEETING\r\n");
  EXPECT_FALSE(c.uid);
  EXPECT_FALSE(c.move);
  EXPECT_EQ(c.mailbox, "MEETING");
  c = body<CopyCmd>("A UID MOVE 4827313:4828442 \"Other Folder\"\r\n");
  EXPECT_TRUE(c.uid);
  EXPECT_TRUE(c.move);
  EXPECT_EQ(c.set.to_string(), "4827313:4828442");
  EXPECT_EQ(c.mailbox, "Other Folder");
  EXPECT_EQ(body<CopyCmd>("a MOVE 1 inbox\r\n").mailbox, "INBOX");
  auto e = body<ExpungeCmd>("A003 UID EXPUNGE 3000:3002\r\n");
  EXPECT_EQ(e.uids->to_string(), "3000:3002");
  parse_fail("a UID EXPUNGE\r\n");
  parse_fail("a EXPUNGE 1\r\n");
}

TEST(Parser, SortAndThread) {
  auto s = body<SortCmd>("A285 UID SORT (REVERSE DATE ARRIVAL) US-ASCII UNDELETED SEEN\r\n");
  EXPECT_TRUE(s.uid);
  EXPECT_EQ(s.keys,
            (std::vector<SortKey>{{SortKey::Kind::date, true}, {SortKey::Kind::arrival, false}}));
  EXPECT_EQ(s.charset, "US-ASCII");
  EXPECT_EQ(s.key.children.size(), 2u);
  auto t = body<ThreadCmd>("A283 THREAD orderedsubject UTF-8 SINCE 5-MAR-2000\r\n");
  EXPECT_EQ(t.algorithm, "ORDEREDSUBJECT");
  EXPECT_EQ(t.charset, "UTF-8");
  EXPECT_EQ(t.key.children.at(0).date, (Date{2000, 3, 5}));
  parse_fail("a SORT () UTF-8 ALL\r\n");
  parse_fail("a SORT (BOGUS) UTF-8 ALL\r\n");
  parse_fail("a SORT (DATE) UTF-8\r\n");
  parse_fail("a THREAD REFERENCES\r\n");
}

TEST(Parser, QuotaAndCompress) {
  EXPECT_EQ(body<GetQuotaCmd>("G GETQUOTA \"\"\r\n").root, "");
  EXPECT_EQ(body<GetQuotaRootCmd>("G GETQUOTAROOT inbox\r\n").mailbox, "INBOX");
  auto s = body<SetQuotaCmd>("S SETQUOTA \"\" (storage 512 MESSAGE 1000)\r\n");
  ASSERT_EQ(s.limits.size(), 2u);
  EXPECT_EQ(s.limits[0], (std::pair<std::string, uint64_t>{"STORAGE", 512}));
  EXPECT_TRUE(body<SetQuotaCmd>("S SETQUOTA r ()\r\n").limits.empty());
  EXPECT_EQ(body<CompressCmd>("a COMPRESS deflate\r\n").mechanism, "DEFLATE");
  parse_fail("a COMPRESS\r\n");
}

TEST(Parser, ArgumentCountBounded) {
  std::string many = "a FETCH ";
  for (int i = 1; i < 6000; ++i) many += std::to_string(i) + ",";
  many += "1 FLAGS\r\n";
  parse_ok(many);  // one token
  std::string keys = "a SEARCH";
  for (int i = 0; i < 12000; ++i) keys += " SEEN";
  parse_fail(keys + "\r\n");
}

}  // namespace
}  // namespace postino::imap
