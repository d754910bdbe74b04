// Helpers for the imap/proto tests: drive a Receiver over a byte string
// (optionally split into chunks) and collect what it answers.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "imap/proto/receiver.hpp"

namespace postino::imap::test {

// Every event up to (not including) the next NeedMore.
inline std::vector<Event> drain(Receiver& r) {
  std::vector<Event> out;
  for (int guard = 0; guard < 100000; ++guard) {
    Event e = r.next();
    if (std::holds_alternative<NeedMore>(e)) return out;
    out.push_back(std::move(e));
  }
  ADD_FAILURE() << "receiver never asked for more input";
  return out;
}

// Feeds input in pieces cut at the given (ascending) offsets.
inline std::vector<Event> run(std::string_view input, const std::vector<size_t>& cuts = {},
                              ReceiverLimits limits = {}) {
  Receiver r(limits);
  std::vector<Event> out;
  size_t start = 0;
  auto push = [&](size_t end) {
    r.feed(input.substr(start, end - start));
    start = end;
    for (auto& e : drain(r)) out.push_back(std::move(e));
  };
  for (size_t c : cuts) push(c);
  push(input.size());
  return out;
}

// Events other than NeedLiteral.
inline std::vector<Event> results(const std::vector<Event>& events) {
  std::vector<Event> out;
  for (const auto& e : events)
    if (!std::holds_alternative<NeedLiteral>(e)) out.push_back(e);
  return out;
}

inline Command parse_ok(std::string_view input) {
  auto events = results(run(input));
  if (events.size() != 1 || !std::holds_alternative<Command>(events[0])) {
    std::string why = events.empty() ? "no event" : "unexpected event";
    if (!events.empty())
      if (auto* e = std::get_if<ParseError>(&events[0])) why = "ParseError: " + e->message;
    ADD_FAILURE() << "input did not parse to one command: " << input << " (" << why << ")";
    return Command{};
  }
  return std::get<Command>(events[0]);
}

template <class T>
T body(std::string_view input) {
  Command c = parse_ok(input);
  if (auto* b = std::get_if<T>(&c.body)) return *b;
  ADD_FAILURE() << "wrong command type for " << input;
  return T{};
}

inline ParseError parse_fail(std::string_view input) {
  auto events = results(run(input));
  if (events.size() != 1 || !std::holds_alternative<ParseError>(events[0])) {
    ADD_FAILURE() << "expected one ParseError for: " << input;
    return ParseError{};
  }
  return std::get<ParseError>(events[0]);
}

// Commands of every kind, many from RFC 9051 / 3501 and extension examples.
inline const std::vector<std::string>& sample_commands() {
  using namespace std::string_literals;
  static const std::vector<std::string> kSamples = {
      "a001 CAPABILITY\r\n",
      "a002 NOOP\r\n",
      "A023 LOGOUT\r\n",
      "a003 STARTTLS\r\n",
      "A001 AUTHENTICATE GSSAPI\r\n",
      "a004 AUTHENTICATE PLAIN dGVzdAB0ZXN0AHRlc3Q=\r\n",
      "a005 AUTHENTICATE EXTERNAL =\r\n",
      "a001 LOGIN SMITH SESAME\r\n",
      "a001 LOGIN {11+}\r\nFRED FOOBAR {7+}\r\nfat man\r\n",
      "A002 LOGIN \"joe \\\"q\\\" user\" \"pa\\\\ss\"\r\n",
      "t1 ENABLE CONDSTORE QRESYNC UTF8=ACCEPT\r\n",
      "a023 ID (\"name\" \"sodr\" \"version\" \"19.34\" \"vendor\" NIL)\r\n",
      "a024 ID NIL\r\n",
      "A142 SELECT INBOX\r\n",
      "A932 EXAMINE blurdybloop\r\n",
      "a SELECT inbox (CONDSTORE)\r\n",
      "A02 SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541))\r\n",
      "B04 SELECT INBOX (QRESYNC (67890007 90060115194045000 1:29997 (5000,7500,9000,9990:9999 "
      "15000,22500,27000,29970,29973,29976,29979,29982,29985,29988,29991,29994,29997)))\r\n",
      "A003 CREATE owatagusiam/\r\n",
      "t1 CREATE MySpecialArchive (USE (\\Archive))\r\n",
      "A683 DELETE blurdybloop\r\n",
      "A682 RENAME blurdybloop sarasoop\r\n",
      "A002 SUBSCRIBE #news.comp.mail.mime\r\n",
      "A002 UNSUBSCRIBE #news.comp.mail.mime\r\n",
      "A101 LIST \"\" \"\"\r\n",
      "A202 LIST ~/Mail/ %\r\n",
      "A682 LIST \"\" *\r\n",
      "A02 LIST (SUBSCRIBED) \"\" \"*\"\r\n",
      "A03 LIST () \"\" \"%\" RETURN (CHILDREN)\r\n",
      "A04 LIST (REMOTE) \"\" \"%\" RETURN (CHILDREN)\r\n",
      "A05 LIST (SUBSCRIBED RECURSIVEMATCH) \"\" \"%\" RETURN (SUBSCRIBED)\r\n",
      "BBB LIST \"\" (\"INBOX\" \"Drafts\" \"Sent/%\")\r\n",
      "A01 LIST \"\" % RETURN (STATUS (MESSAGES UNSEEN))\r\n",
      "t1 LIST (SPECIAL-USE) \"\" \"*\" RETURN (SPECIAL-USE)\r\n",
      "A002 LSUB \"#news.\" \"comp.mail.*\"\r\n",
      "A001 NAMESPACE\r\n",
      "A042 STATUS blurdybloop (UIDNEXT MESSAGES)\r\n",
      "A043 STATUS INBOX (MESSAGES UIDNEXT UIDVALIDITY UNSEEN DELETED SIZE RECENT HIGHESTMODSEQ "
      "APPENDLIMIT)\r\n",
      "A003 APPEND saved-messages (\\Seen) {24}\r\nFrom: fred@example.com\r\n\r\n",
      "A004 APPEND INBOX (\\Seen $Junk) \"05-Jan-2021 10:11:12 +0100\" {5+}\r\nhello\r\n",
      "A005 APPEND INBOX \" 5-Jan-2021 10:11:12 -0700\" ~{4}\r\nab\0d\r\n"s,
      "A006 APPEND Drafts {3}\r\none (\\Draft) {3}\r\ntwo\r\n",
      "A007 APPEND INBOX UTF8 (~{6+}\r\nhello!)\r\n",
      "A004 IDLE\r\n",
      "FXXZ CHECK\r\n",
      "A341 CLOSE\r\n",
      "a UNSELECT\r\n",
      "A202 EXPUNGE\r\n",
      "A003 UID EXPUNGE 3000:3002\r\n",
      "A282 SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"\r\n",
      "A283 SEARCH TEXT \"string not in mailbox\"\r\n",
      "A284 SEARCH CHARSET UTF-8 TEXT {12}\r\n\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xa7\r\n",
      "A285 UID SEARCH RETURN (MIN MAX COUNT) OR (SEEN DELETED) HEADER Message-ID <a@b> UID "
      "1:*\r\n",
      "A286 SEARCH RETURN (SAVE) DELETED\r\n",
      "A287 UID SEARCH $ SMALLER 4096 LARGER 10\r\n",
      "a SEARCH MODSEQ \"/flags/\\\\draft\" all 620162338\r\n",
      "a SEARCH OR NOT ANSWERED (UNSEEN KEYWORD $Work) BEFORE \"2-Mar-2020\" 2,4:7,9:*\r\n",
      "a SEARCH BCC a CC b BODY c SUBJECT d TO e SENTBEFORE 1-Jan-2000 SENTON 2-Jan-2000 "
      "SENTSINCE 3-Jan-2000 ON 4-Jan-2000 NEW OLD RECENT DRAFT UNDRAFT UNANSWERED UNDELETED "
      "UNFLAGGED UNKEYWORD foo ALL\r\n",
      "A654 FETCH 2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)])\r\n",
      "A655 FETCH 1 ALL\r\n",
      "A656 FETCH 1:* FAST\r\n",
      "A657 FETCH 1 FULL\r\n",
      "A658 FETCH 3 BODY.PEEK[1.2.MIME]<0.1024>\r\n",
      "A659 UID FETCH 1:* (UID RFC822.SIZE FLAGS BODYSTRUCTURE ENVELOPE INTERNALDATE) "
      "(CHANGEDSINCE 12345 VANISHED)\r\n",
      "A660 FETCH 1 (BINARY[1.2]<0.100> BINARY.PEEK[3] BINARY.SIZE[] MODSEQ RFC822 RFC822.HEADER "
      "RFC822.TEXT BODY BODY[] BODY[TEXT] BODY[1] BODY[2.HEADER.FIELDS.NOT (X-A \"x-b\")])\r\n",
      "A661 FETCH $ (FLAGS) (CHANGEDSINCE 5)\r\n",
      "A003 STORE 2:4 +FLAGS (\\Deleted)\r\n",
      "A004 STORE 1 FLAGS.SILENT \\Seen \\Flagged\r\n",
      "A005 UID STORE 1:5 (UNCHANGEDSINCE 320162338) -FLAGS.SILENT ($Junk)\r\n",
      "A003 COPY 2:4 MEETING\r\n",
      "A004 UID COPY 4827313:4828442 \"Other Folder\"\r\n",
      "a MOVE 1:3 Trash\r\n",
      "a UID MOVE 42 {5}\r\nTrash\r\n",
      "A282 SORT (SUBJECT) UTF-8 SINCE 1-Feb-1994\r\n",
      "A285 UID SORT (REVERSE DATE ARRIVAL REVERSE SIZE CC FROM TO) US-ASCII UNDELETED\r\n",
      "A283 THREAD ORDEREDSUBJECT UTF-8 SINCE 5-MAR-2000\r\n",
      "A284 UID THREAD REFERENCES US-ASCII TEXT \"gewp\"\r\n",
      "G0001 GETQUOTA \"\"\r\n",
      "G0002 GETQUOTAROOT INBOX\r\n",
      "S0000 SETQUOTA \"\" (STORAGE 512 MESSAGE 1000)\r\n",
      "a COMPRESS DEFLATE\r\n",
  };
  return kSamples;
}

}  // namespace postino::imap::test
