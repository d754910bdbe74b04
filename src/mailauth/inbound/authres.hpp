// The Authentication-Results header field (RFC 8601): writing ours and
// removing forged copies of it.
//  - AuthResBuilder renders the field of RFC 8601 §2.2: the authserv-id, then
//    one resinfo per method result ("spf=pass smtp.mailfrom=example.test"),
//    each on its own folded line, lines kept to 78 characters where the words
//    allow (RFC 5322 §2.1.1). Property values are written as a token when they
//    are one and as a quoted-string otherwise (RFC 8601 §2.2 "value", RFC 2045
//    §5.1); comments escape '(', ')' and '\' (RFC 5322 §3.2.2 quoted-pair).
//    Text from the network is bounded and stripped of control characters.
//  - parse_authserv_id() reads the authserv-id (and version) at the start of a
//    field value, skipping CFWS (comments may nest).
//  - remove_authres() deletes every Authentication-Results field of the
//    message header whose authserv-id is ours (compared case-insensitively),
//    whose version we do not support (RFC 8601 §5), or that has no readable
//    authserv-id at all (so a malformed copy cannot pass for ours in a more
//    lenient reader); other fields, including other ADMDs'
//    Authentication-Results, are left as they are.
// Thread rules: pure functions and plain values.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace postino::mailauth::inbound {

inline constexpr std::string_view kAuthResName = "Authentication-Results";
inline constexpr size_t kFoldWidth = 78;         // RFC 5322 §2.1.1 SHOULD
inline constexpr size_t kMaxCommentChars = 200;  // longer comments are cut
inline constexpr size_t kMaxValueChars = 255;    // longer property values are cut
inline constexpr size_t kMaxAuthservIdChars = 255;

// One method result: "method=result [(comment)] [reason="..."] ptype.prop=value ...".
struct ResInfo {
  std::string method;   // "spf", "dkim", "dmarc", "arc"
  std::string result;   // "pass", "fail", ...
  std::string comment;  // optional, written in parentheses after the result
  std::string reason;   // optional reasonspec (RFC 8601 §2.2), quoted
  struct Prop {
    std::string name;  // "smtp.mailfrom", "header.d", ...
    std::string value;
  };
  std::vector<Prop> props;
};

class AuthResBuilder {
 public:
  explicit AuthResBuilder(std::string authserv_id) : authserv_id_(std::move(authserv_id)) {}
  void add(ResInfo r) { results_.push_back(std::move(r)); }
  bool empty() const { return results_.empty(); }
  // "Authentication-Results: id;\r\n\t..." ending in CRLF. With no result
  // added: "Authentication-Results: id; none" (RFC 8601 §2.2 no-result).
  std::string render() const;

 private:
  std::string authserv_id_;
  std::vector<ResInfo> results_;
};

// A value as RFC 2045 §5.1 token when possible, else a quoted-string;
// control characters are dropped and the text is cut at `max` characters.
std::string format_value(std::string_view v, size_t max = kMaxValueChars);
// The text of a comment with '(', ')' and '\' escaped, control characters
// turned into spaces, cut at `max` characters (without the parentheses).
std::string escape_comment(std::string_view text, size_t max = kMaxCommentChars);

struct AuthservId {
  std::string id;                   // as written (quoted-string unquoted)
  std::optional<unsigned> version;  // authres-version when present
};

// The authserv-id at the start of an Authentication-Results field value
// (the text after the colon, folded or not). nullopt when there is none.
std::optional<AuthservId> parse_authserv_id(std::string_view field_value);

// RFC 8601 §5: removes from the header section of `message` every
// Authentication-Results field whose authserv-id equals `authserv_id`
// (ASCII case-insensitively, one trailing dot ignored), that carries a
// version other than 1, or whose authserv-id cannot be read.
// The body is untouched. Returns how many fields were removed.
size_t remove_authres(std::string& message, std::string_view authserv_id);

}  // namespace postino::mailauth::inbound
