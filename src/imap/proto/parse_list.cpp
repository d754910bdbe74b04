// LIST (RFC 9051 §6.3.9, LIST-EXTENDED RFC 5258, LIST-STATUS RFC 5819,
// SPECIAL-USE RFC 6154) and LSUB (RFC 3501 §6.3.9).
#include "imap/proto/parse_internal.hpp"

namespace postino::imap::detail {

namespace {

// list-select-opts = "(" [list-select-opt *(SP list-select-opt)] ")"
Status parse_selection(Lexer& lx, ListCmd& cmd) {
  IMAP_TRY(lx.open());
  while (lx.peek() != ')') {
    if (lx.keyword("SUBSCRIBED")) {
      cmd.sel_subscribed = true;
    } else if (lx.keyword("REMOTE")) {
      cmd.sel_remote = true;
    } else if (lx.keyword("RECURSIVEMATCH")) {
      cmd.sel_recursive_match = true;
    } else if (lx.keyword("SPECIAL-USE")) {
      cmd.sel_special_use = true;
    } else {
      return lx.error("unknown LIST selection option");  // RFC 5258 §3.1: MUST reject
    }
    if (lx.peek() == ')') break;
    IMAP_TRY(lx.sp());
  }
  IMAP_TRY(lx.close());
  // RFC 5258 §3.1: RECURSIVEMATCH needs another selection option to modify.
  if (cmd.sel_recursive_match && !cmd.sel_subscribed && !cmd.sel_special_use)
    return lx.error("RECURSIVEMATCH without a base selection option");
  return {};
}

// list-return-opts = "RETURN" SP "(" [return-option *(SP return-option)] ")"
Status parse_return(Lexer& lx, ListCmd& cmd) {
  IMAP_TRY(lx.open());
  while (lx.peek() != ')') {
    if (lx.keyword("SUBSCRIBED")) {
      cmd.ret_subscribed = true;
    } else if (lx.keyword("CHILDREN")) {
      cmd.ret_children = true;
    } else if (lx.keyword("SPECIAL-USE")) {
      cmd.ret_special_use = true;
    } else if (lx.keyword("STATUS")) {  // RFC 5819 §4
      IMAP_TRY(lx.sp());
      IMAP_TRY_ASSIGN(items, parse_status_list(lx));
      cmd.ret_status = std::move(items);
    } else {
      return lx.error("unknown LIST return option");
    }
    if (lx.peek() == ')') break;
    IMAP_TRY(lx.sp());
  }
  return lx.close();
}

}  // namespace

// list = "LIST" [SP list-select-opts] SP mailbox SP mbox-or-pat [SP list-return-opts]
// mbox-or-pat = list-mailbox / patterns; patterns = "(" list-mailbox *(SP list-mailbox) ")"
BodyResult parse_list(Lexer& lx, bool lsub) {
  ListCmd cmd;
  cmd.lsub = lsub;
  IMAP_TRY(lx.sp());
  if (!lsub && lx.peek() == '(') {
    cmd.extended = true;
    IMAP_TRY(parse_selection(lx, cmd));
    IMAP_TRY(lx.sp());
  }
  IMAP_TRY_ASSIGN(ref, lx.astring());
  cmd.reference = std::move(ref);
  IMAP_TRY(lx.sp());
  if (!lsub && lx.peek() == '(') {
    cmd.extended = true;
    IMAP_TRY(lx.open());
    while (true) {
      IMAP_TRY_ASSIGN(pat, lx.list_mailbox());
      cmd.patterns.push_back(std::move(pat));
      if (lx.peek() == ')') break;
      IMAP_TRY(lx.sp());
    }
    IMAP_TRY(lx.close());
  } else {
    IMAP_TRY_ASSIGN(pat, lx.list_mailbox());
    cmd.patterns.push_back(std::move(pat));
  }
  if (!lsub && lx.consume(' ')) {
    if (!lx.keyword("RETURN")) return lx.error("expected RETURN");
    cmd.extended = true;
    IMAP_TRY(lx.sp());
    IMAP_TRY(parse_return(lx, cmd));
  }
  IMAP_TRY(lx.end());
  return CommandBody(std::move(cmd));
}

}  // namespace postino::imap::detail
