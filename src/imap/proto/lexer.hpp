// Lexer: the token layer of the IMAP grammar (RFC 9051 §9) over one framed
// command. Each method consumes one token or returns an error and leaves the
// position unspecified (the parser gives up on the first error). Counts the
// tokens and the nesting depth so hostile input stays bounded.
// Thread rules: borrows its Frame; used by one parser call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "imap/proto/parser.hpp"
#include "imap/proto/sequence_set.hpp"

namespace postino::imap {

// Character classes of RFC 9051 §9.
bool is_atom_char(char c);     // ATOM-CHAR
bool is_astring_char(char c);  // ASTRING-CHAR = ATOM-CHAR / "]"
bool is_tag_char(char c);      // ASTRING-CHAR except "+"
bool is_list_char(char c);     // ATOM-CHAR / list-wildcards / resp-specials

class Lexer {
 public:
  explicit Lexer(Frame& frame) : f_(frame) {}

  bool at_end() const { return pos_ >= f_.text.size(); }
  char peek() const { return at_end() ? '\0' : f_.text[pos_]; }
  char peek_ahead(size_t k) const { return pos_ + k < f_.text.size() ? f_.text[pos_ + k] : '\0'; }
  bool consume(char c);
  Status expect(char c);
  Status sp() { return expect(' '); }
  Status end();  // nothing may follow

  // Case-insensitive keyword followed by a delimiter (not an atom char);
  // consumed when it matches.
  bool keyword(std::string_view kw);
  Result<std::string> atom();  // 1*ATOM-CHAR
  Result<std::string> tag();
  Result<uint64_t> number64();  // number64 of RFC 9051
  Result<uint32_t> number();    // number (32 bit)
  Result<uint32_t> nz_number();
  Result<uint64_t> mod_sequence_value();  // 1*DIGIT, < 2^63 (RFC 7162 §7)

  bool at_literal() const;
  // quoted / literal; a literal8 ("~{n}") only when binary_ok.
  Result<std::string> string(bool binary_ok = false, bool* was_binary = nullptr);
  Result<std::string> astring();
  Result<std::optional<std::string>> nstring();
  Result<std::string> mailbox();                 // astring, "INBOX" case-folded
  Result<std::string> list_mailbox();            // 1*list-char / string
  Result<std::string> flag();                    // "\"atom / atom (keyword)
  Result<std::vector<std::string>> flag_list();  // "(" [flag *(SP flag)] ")"
  Result<SequenceSet> sequence_set();
  Result<std::string> date_text();  // date as atom or quoted string

  // Parenthesis nesting guard.
  Status open();  // expects "(" and counts depth
  Status close();
  size_t pos() const { return pos_; }

  Error error(std::string message) const;

 private:
  Status count_token();

  Frame& f_;
  size_t pos_ = 0;
  size_t next_literal_ = 0;
  size_t tokens_ = 0;
  size_t depth_ = 0;
};

// Folds "INBOX" (any case) to "INBOX"; other names unchanged (RFC 9051 §5.1).
std::string fold_inbox(std::string name);

}  // namespace postino::imap
