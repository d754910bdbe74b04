// APPEND (RFC 9051 §6.3.12), MULTIAPPEND (RFC 3502), literal8 (RFC 3516 §4.4),
// UTF8 data (RFC 6855 §4).
#include "imap/proto/parse_internal.hpp"

namespace postino::imap::detail {

namespace {

// append-message = append-opts SP append-data
// append-opts    = [SP flag-list] [SP date-time]     (the leading SP already consumed)
// append-data    = literal / literal8 / "UTF8" SP "(" literal8 ")"
Result<AppendMessage> parse_message(Lexer& lx) {
  AppendMessage msg;
  if (lx.peek() == '(') {
    IMAP_TRY_ASSIGN(flags, lx.flag_list());
    msg.flags = std::move(flags);
    IMAP_TRY(lx.sp());
  }
  if (lx.peek() == '"') {
    IMAP_TRY_ASSIGN(text, lx.string());
    IMAP_TRY_ASSIGN(dt, parse_date_time(text));
    msg.internal_date = dt;
    IMAP_TRY(lx.sp());
  }
  if (lx.keyword("UTF8")) {
    msg.utf8 = true;
    IMAP_TRY(lx.sp());
    IMAP_TRY(lx.open());
    if (!lx.at_literal()) return lx.error("expected a literal8");
    bool binary = false;
    IMAP_TRY_ASSIGN(data, lx.string(true, &binary));
    if (!binary) return lx.error("UTF8 APPEND data must be a literal8");
    msg.data = std::move(data);
    msg.binary = true;
    IMAP_TRY(lx.close());
    return msg;
  }
  if (!lx.at_literal()) return lx.error("expected the message as a literal");
  IMAP_TRY_ASSIGN(data, lx.string(true, &msg.binary));
  msg.data = std::move(data);
  return msg;
}

}  // namespace

BodyResult parse_append(Lexer& lx) {
  IMAP_TRY(lx.sp());
  AppendCmd cmd;
  IMAP_TRY_ASSIGN(mbox, lx.mailbox());
  cmd.mailbox = std::move(mbox);
  while (lx.consume(' ')) {
    IMAP_TRY_ASSIGN(msg, parse_message(lx));
    cmd.messages.push_back(std::move(msg));
  }
  if (cmd.messages.empty()) return lx.error("APPEND needs a message");
  IMAP_TRY(lx.end());
  return CommandBody(std::move(cmd));
}

}  // namespace postino::imap::detail
