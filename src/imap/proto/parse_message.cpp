// STORE (RFC 9051 §6.4.6, UNCHANGEDSINCE RFC 7162 §3.1.3), COPY/MOVE
// (RFC 9051 §6.4.7/§6.4.8, RFC 6851), EXPUNGE and UID EXPUNGE (RFC 4315 §2.1).
#include "imap/proto/parse_internal.hpp"

namespace postino::imap::detail {

// store = "STORE" SP sequence-set [store-modifiers] SP store-att-flags
//   store-modifiers = SP "(" "UNCHANGEDSINCE" SP mod-sequence-valzer ")"
//   store-att-flags = (["+" / "-"] "FLAGS" [".SILENT"]) SP (flag-list / (flag *(SP flag)))
BodyResult parse_store(Lexer& lx, bool uid) {
  StoreCmd cmd;
  cmd.uid = uid;
  IMAP_TRY(lx.sp());
  IMAP_TRY_ASSIGN(set, lx.sequence_set());
  cmd.set = std::move(set);
  IMAP_TRY(lx.sp());
  if (lx.peek() == '(') {
    IMAP_TRY(lx.open());
    while (true) {
      if (!lx.keyword("UNCHANGEDSINCE")) return lx.error("unknown STORE modifier");
      IMAP_TRY(lx.sp());
      IMAP_TRY_ASSIGN(v, lx.mod_sequence_value());
      cmd.unchangedsince = v;
      if (lx.peek() == ')') break;
      IMAP_TRY(lx.sp());
    }
    IMAP_TRY(lx.close());
    IMAP_TRY(lx.sp());
  }
  if (lx.consume('+'))
    cmd.mode = StoreCmd::Mode::add;
  else if (lx.consume('-'))
    cmd.mode = StoreCmd::Mode::remove;
  IMAP_TRY_ASSIGN(item, lx.atom());
  std::string name = upper(std::move(item));
  if (name == "FLAGS.SILENT")
    cmd.silent = true;
  else if (name != "FLAGS")
    return lx.error("expected FLAGS");
  IMAP_TRY(lx.sp());
  if (lx.peek() == '(') {
    IMAP_TRY_ASSIGN(flags, lx.flag_list());
    cmd.flags = std::move(flags);
  } else {
    while (true) {
      IMAP_TRY_ASSIGN(flag, lx.flag());
      if (flag == "\\*") return lx.error("\\* is not a flag");
      cmd.flags.push_back(std::move(flag));
      if (!lx.consume(' ')) break;
    }
  }
  IMAP_TRY(lx.end());
  return CommandBody(std::move(cmd));
}

// copy = "COPY" SP sequence-set SP mailbox; move = "MOVE" SP sequence-set SP mailbox
BodyResult parse_copy(Lexer& lx, bool uid, bool move) {
  CopyCmd cmd;
  cmd.uid = uid;
  cmd.move = move;
  IMAP_TRY(lx.sp());
  IMAP_TRY_ASSIGN(set, lx.sequence_set());
  cmd.set = std::move(set);
  IMAP_TRY(lx.sp());
  IMAP_TRY_ASSIGN(mbox, lx.mailbox());
  cmd.mailbox = std::move(mbox);
  IMAP_TRY(lx.end());
  return CommandBody(std::move(cmd));
}

// expunge = "EXPUNGE"; uid-expunge = "UID" SP "EXPUNGE" SP sequence-set
BodyResult parse_expunge(Lexer& lx, bool uid) {
  ExpungeCmd cmd;
  if (uid) {
    IMAP_TRY(lx.sp());
    IMAP_TRY_ASSIGN(set, lx.sequence_set());
    cmd.uids = std::move(set);
  }
  IMAP_TRY(lx.end());
  return CommandBody(std::move(cmd));
}

}  // namespace postino::imap::detail
