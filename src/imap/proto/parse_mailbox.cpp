// SELECT/EXAMINE, CREATE, DELETE, RENAME, SUBSCRIBE/UNSUBSCRIBE, STATUS.
#include "imap/proto/parse_internal.hpp"

namespace postino::imap::detail {

// RFC 7162 §7: "QRESYNC" SP "(" uidvalidity SP mod-sequence-value [SP known-uids]
//              [SP seq-match-data] ")";  seq-match-data = "(" sequence-set SP sequence-set ")"
static Status parse_qresync(Lexer& lx, QresyncParams& q) {
  IMAP_TRY(lx.open());
  IMAP_TRY_ASSIGN(uidvalidity, lx.nz_number());
  q.uidvalidity = uidvalidity;
  IMAP_TRY(lx.sp());
  IMAP_TRY_ASSIGN(modseq, lx.mod_sequence_value());
  if (modseq == 0) return lx.error("QRESYNC mod-sequence must be non-zero");
  q.modseq = modseq;
  if (lx.consume(' ')) {
    if (lx.peek() != '(') {
      IMAP_TRY_ASSIGN(known, lx.sequence_set());
      q.known_uids = std::move(known);
      if (lx.consume(' ') && lx.peek() != '(') return lx.error("expected seq-match-data");
    }
    if (lx.peek() == '(') {
      IMAP_TRY(lx.open());
      IMAP_TRY_ASSIGN(seqs, lx.sequence_set());
      IMAP_TRY(lx.sp());
      IMAP_TRY_ASSIGN(uids, lx.sequence_set());
      IMAP_TRY(lx.close());
      q.seq_match.emplace(std::move(seqs), std::move(uids));
    }
  }
  return lx.close();
}

// RFC 9051 §6.3.2/§6.3.3, RFC 7162 §3.1.8 / §3.2.5:
//   "SELECT" SP mailbox [SP "(" select-param *(SP select-param) ")"]
BodyResult parse_select(Lexer& lx, bool read_only) {
  IMAP_TRY(lx.sp());
  SelectCmd cmd;
  cmd.read_only = read_only;
  IMAP_TRY_ASSIGN(mbox, lx.mailbox());
  cmd.mailbox = std::move(mbox);
  if (lx.consume(' ')) {
    IMAP_TRY(lx.open());
    while (true) {
      if (lx.keyword("CONDSTORE")) {
        cmd.condstore = true;
      } else if (lx.keyword("QRESYNC")) {
        if (cmd.qresync) return lx.error("QRESYNC given twice");
        IMAP_TRY(lx.sp());
        IMAP_TRY(parse_qresync(lx, cmd.qresync.emplace()));
      } else {
        return lx.error("unknown SELECT parameter");
      }
      if (lx.peek() == ')') break;
      IMAP_TRY(lx.sp());
    }
    IMAP_TRY(lx.close());
  }
  IMAP_TRY(lx.end());
  return CommandBody(std::move(cmd));
}

// RFC 9051 §6.3.4, RFC 6154 §6: "CREATE" SP mailbox
//   [SP "(" "USE" SP "(" [use-attr *(SP use-attr)] ")" ")"]
BodyResult parse_create(Lexer& lx) {
  IMAP_TRY(lx.sp());
  CreateCmd cmd;
  IMAP_TRY_ASSIGN(mbox, lx.mailbox());
  cmd.mailbox = std::move(mbox);
  if (lx.consume(' ')) {
    IMAP_TRY(lx.open());
    while (true) {
      if (!lx.keyword("USE")) return lx.error("unknown CREATE parameter");
      IMAP_TRY(lx.sp());
      IMAP_TRY_ASSIGN(attrs, lx.flag_list());
      for (auto& a : attrs) {
        if (a.empty() || a[0] != '\\') return lx.error("bad special-use attribute");
        cmd.special_use.push_back(std::move(a));
      }
      if (lx.peek() == ')') break;
      IMAP_TRY(lx.sp());
    }
    IMAP_TRY(lx.close());
  }
  IMAP_TRY(lx.end());
  return CommandBody(std::move(cmd));
}

BodyResult parse_delete(Lexer& lx) {
  IMAP_TRY(lx.sp());
  IMAP_TRY_ASSIGN(mbox, lx.mailbox());
  IMAP_TRY(lx.end());
  return CommandBody(DeleteCmd{std::move(mbox)});
}

BodyResult parse_rename(Lexer& lx) {
  IMAP_TRY(lx.sp());
  IMAP_TRY_ASSIGN(from, lx.mailbox());
  IMAP_TRY(lx.sp());
  IMAP_TRY_ASSIGN(to, lx.mailbox());
  IMAP_TRY(lx.end());
  return CommandBody(RenameCmd{std::move(from), std::move(to)});
}

BodyResult parse_subscribe(Lexer& lx, bool subscribe) {
  IMAP_TRY(lx.sp());
  IMAP_TRY_ASSIGN(mbox, lx.mailbox());
  IMAP_TRY(lx.end());
  return CommandBody(SubscribeCmd{std::move(mbox), subscribe});
}

// RFC 9051 §9 status-att, RFC 8438 SIZE, RFC 7162 HIGHESTMODSEQ, RFC 7889 APPENDLIMIT
Result<StatusItem> parse_status_item(Lexer& lx) {
  IMAP_TRY_ASSIGN(name, lx.atom());
  static constexpr StatusItem kAll[] = {
      StatusItem::messages, StatusItem::uidnext,       StatusItem::uidvalidity,
      StatusItem::unseen,   StatusItem::deleted,       StatusItem::size,
      StatusItem::recent,   StatusItem::highestmodseq, StatusItem::appendlimit};
  std::string up = upper(std::move(name));
  for (StatusItem item : kAll)
    if (up == status_item_name(item)) return item;
  return lx.error("unknown status item");
}

Result<std::vector<StatusItem>> parse_status_list(Lexer& lx) {
  IMAP_TRY(lx.open());
  std::vector<StatusItem> items;
  while (true) {
    IMAP_TRY_ASSIGN(item, parse_status_item(lx));
    items.push_back(item);
    if (lx.peek() == ')') break;
    IMAP_TRY(lx.sp());
  }
  IMAP_TRY(lx.close());
  return items;
}

// RFC 9051 §6.3.11: "STATUS" SP mailbox SP "(" status-att *(SP status-att) ")"
BodyResult parse_status(Lexer& lx) {
  IMAP_TRY(lx.sp());
  IMAP_TRY_ASSIGN(mbox, lx.mailbox());
  IMAP_TRY(lx.sp());
  IMAP_TRY_ASSIGN(items, parse_status_list(lx));
  IMAP_TRY(lx.end());
  return CommandBody(StatusCmd{std::move(mbox), std::move(items)});
}

}  // namespace postino::imap::detail
