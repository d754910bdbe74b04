// Response formatting (RFC 9051 §7, §9): strings as quoted or literal, nstring,
// astring, flag lists, compact sequence sets, and status / untagged /
// continuation lines with response codes. Every function returns the exact
// bytes to send (lines end in CRLF); the session owns the socket.
// Thread rules: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "imap/proto/datetime.hpp"
#include "imap/proto/sequence_set.hpp"

namespace postino::imap::write {

// Longest string written as a quoted string; longer ones become literals.
inline constexpr size_t kMaxQuotedBytes = 1024;

// True when s can be a quoted string: no NUL, CR or LF; no 8-bit bytes unless
// utf8 (UTF8=ACCEPT, RFC 9051 §4.3); at most kMaxQuotedBytes.
bool quotable(std::string_view s, bool utf8 = true);
std::string quoted(std::string_view s);    // "..." with \ and " escaped; s must be quotable
std::string literal(std::string_view s);   // {n}CRLF + bytes
std::string literal8(std::string_view s);  // ~{n}CRLF + bytes (RFC 3516 §4.2)
// Quoted when possible, else a literal.
std::string string(std::string_view s, bool utf8 = true);
std::string nstring(std::optional<std::string_view> s, bool utf8 = true);
// An atom when s is a non-empty run of ASTRING-CHARs (and not "NIL"), else string().
std::string astring(std::string_view s, bool utf8 = true);
std::string flag_list(const std::vector<std::string>& flags);  // "(\Seen $Junk)"
std::string sequence_set(const SequenceSet& set);
std::string sequence_set(std::vector<uint32_t> numbers);  // compacted: "1:3,7"
std::string date_time(const DateTime& dt);                // quoted INTERNALDATE

struct ResponseCode {
  std::string text;  // what goes between "[" and "]"
};

// Response codes of RFC 9051 §7.1 and the extensions.
namespace code {
ResponseCode alert();
ResponseCode alreadyexists();
ResponseCode appenduid(uint32_t uidvalidity, const SequenceSet& uids);  // RFC 4315
ResponseCode authenticationfailed();
ResponseCode authorizationfailed();
ResponseCode badcharset(const std::vector<std::string>& charsets);
ResponseCode cannot();
ResponseCode capability(const std::vector<std::string>& caps);
ResponseCode clientbug();
ResponseCode closed();             // RFC 7162 §3.2.11
ResponseCode compressionactive();  // RFC 4978
ResponseCode contactadmin();
ResponseCode copyuid(uint32_t uidvalidity, const SequenceSet& src, const SequenceSet& dst);
ResponseCode corruption();
ResponseCode expired();
ResponseCode expungeissued();
ResponseCode haschildren();
ResponseCode highestmodseq(uint64_t modseq);  // RFC 7162
ResponseCode inuse();
ResponseCode limit();
ResponseCode modified(const SequenceSet& set);  // RFC 7162 §3.1.3
ResponseCode nomodseq();
ResponseCode nonexistent();
ResponseCode noperm();
ResponseCode notsaved();
ResponseCode overquota();
ResponseCode parse();
ResponseCode permanentflags(const std::vector<std::string>& flags);  // may include "\*"
ResponseCode privacyrequired();
ResponseCode readonly();
ResponseCode readwrite();
ResponseCode serverbug();
ResponseCode toobig();  // RFC 7888 / RFC 9051 §7.1
ResponseCode trycreate();
ResponseCode uidnext(uint32_t uid);
ResponseCode uidnotsticky();
ResponseCode uidvalidity(uint32_t v);
ResponseCode unavailable();
ResponseCode unknown_cte();  // RFC 3516
ResponseCode unseen(uint32_t seq);
ResponseCode useattr();  // RFC 6154
}  // namespace code

enum class Cond { ok, no, bad, bye, preauth };
const char* cond_name(Cond c);

// "<tag> OK [CODE] text\r\n". CR/LF inside text are replaced by spaces.
std::string tagged(std::string_view tag, Cond cond, const std::optional<ResponseCode>& code,
                   std::string_view text);
// "* OK [CODE] text\r\n"
std::string untagged_status(Cond cond, const std::optional<ResponseCode>& code,
                            std::string_view text);
// "* <payload>\r\n": payload is already formatted (may contain literals).
std::string untagged(std::string_view payload);
// "+ text\r\n" (RFC 9051 §7.5); "+ \r\n" for an empty text.
std::string continuation(std::string_view text);

}  // namespace postino::imap::write
