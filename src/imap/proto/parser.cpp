#include "imap/proto/parser.hpp"

#include <string_view>

#include "base/strings.hpp"
#include "imap/proto/parse_internal.hpp"

namespace postino::imap {

namespace detail {
std::string upper(std::string s) { return to_upper(s); }
}  // namespace detail

namespace {

using detail::BodyResult;

template <class T>
BodyResult no_args(Lexer& lx) {
  IMAP_TRY(lx.end());
  return CommandBody(T{});
}

// Commands that may follow "UID" (RFC 9051 §6.4.9, RFC 4315, RFC 6851, RFC 5256).
BodyResult dispatch_uid(Lexer& lx, std::string_view name) {
  if (name == "FETCH") return detail::parse_fetch(lx, true);
  if (name == "SEARCH") return detail::parse_search(lx, true);
  if (name == "STORE") return detail::parse_store(lx, true);
  if (name == "COPY") return detail::parse_copy(lx, true, false);
  if (name == "MOVE") return detail::parse_copy(lx, true, true);
  if (name == "EXPUNGE") return detail::parse_expunge(lx, true);
  if (name == "SORT") return detail::parse_sort(lx, true);
  if (name == "THREAD") return detail::parse_thread(lx, true);
  return lx.error("unknown UID command");
}

BodyResult dispatch(Lexer& lx, std::string_view name) {
  using namespace detail;
  switch (name.empty() ? '\0' : name[0]) {
    case 'A':
      if (name == "APPEND") return parse_append(lx);
      if (name == "AUTHENTICATE") return parse_authenticate(lx);
      break;
    case 'C':
      if (name == "CAPABILITY") return no_args<CapabilityCmd>(lx);
      if (name == "CHECK") return no_args<CheckCmd>(lx);
      if (name == "CLOSE") return no_args<CloseCmd>(lx);
      if (name == "COPY") return parse_copy(lx, false, false);
      if (name == "CREATE") return parse_create(lx);
      if (name == "COMPRESS") return parse_compress(lx);
      break;
    case 'D':
      if (name == "DELETE") return parse_delete(lx);
      break;
    case 'E':
      if (name == "EXAMINE") return parse_select(lx, true);
      if (name == "EXPUNGE") return parse_expunge(lx, false);
      if (name == "ENABLE") return parse_enable(lx);
      break;
    case 'F':
      if (name == "FETCH") return parse_fetch(lx, false);
      break;
    case 'G':
      if (name == "GETQUOTA") return parse_getquota(lx);
      if (name == "GETQUOTAROOT") return parse_getquotaroot(lx);
      break;
    case 'I':
      if (name == "IDLE") return no_args<IdleCmd>(lx);
      if (name == "ID") return parse_id(lx);
      break;
    case 'L':
      if (name == "LIST") return parse_list(lx, false);
      if (name == "LOGIN") return parse_login(lx);
      if (name == "LOGOUT") return no_args<LogoutCmd>(lx);
      if (name == "LSUB") return parse_list(lx, true);
      break;
    case 'M':
      if (name == "MOVE") return parse_copy(lx, false, true);
      break;
    case 'N':
      if (name == "NOOP") return no_args<NoopCmd>(lx);
      if (name == "NAMESPACE") return no_args<NamespaceCmd>(lx);
      break;
    case 'R':
      if (name == "RENAME") return parse_rename(lx);
      break;
    case 'S':
      if (name == "SELECT") return parse_select(lx, false);
      if (name == "SEARCH") return parse_search(lx, false);
      if (name == "STORE") return parse_store(lx, false);
      if (name == "STATUS") return parse_status(lx);
      if (name == "SUBSCRIBE") return parse_subscribe(lx, true);
      if (name == "STARTTLS") return no_args<StartTlsCmd>(lx);
      if (name == "SORT") return parse_sort(lx, false);
      if (name == "SETQUOTA") return parse_setquota(lx);
      break;
    case 'T':
      if (name == "THREAD") return parse_thread(lx, false);
      break;
    case 'U':
      if (name == "UNSELECT") return no_args<UnselectCmd>(lx);
      if (name == "UNSUBSCRIBE") return parse_subscribe(lx, false);
      break;
    default:
      break;
  }
  return lx.error("unknown command");
}

}  // namespace

// RFC 9051 §9: command = tag SP (command-any / command-auth / command-nonauth /
//                        command-select) CRLF
ParseResult parse_command(Frame& frame) {
  Lexer lx(frame);
  auto tag = lx.tag();
  if (!tag || !lx.consume(' ')) {
    return ParseError{std::nullopt,
                      tag ? "expected a space after the tag" : "missing or invalid tag",
                      ParseError::Kind::syntax, 0};
  }
  auto syntax = [&](std::string msg) {
    return ParseError{*tag, std::move(msg), ParseError::Kind::syntax, 0};
  };
  auto name = lx.atom();
  if (!name) return syntax("missing command name");
  std::string cmd = to_upper(*name);
  BodyResult body = make_error(Errc::invalid, "");
  if (cmd == "UID") {
    if (!lx.consume(' ')) return syntax("expected a command after UID");
    auto sub = lx.atom();
    if (!sub) return syntax("expected a command after UID");
    body = dispatch_uid(lx, to_upper(*sub));
  } else {
    body = dispatch(lx, cmd);
  }
  if (!body) return syntax(body.error().message);
  return Command{std::move(*tag), std::move(*body)};
}

const char* status_item_name(StatusItem item) {
  switch (item) {
    case StatusItem::messages:
      return "MESSAGES";
    case StatusItem::uidnext:
      return "UIDNEXT";
    case StatusItem::uidvalidity:
      return "UIDVALIDITY";
    case StatusItem::unseen:
      return "UNSEEN";
    case StatusItem::deleted:
      return "DELETED";
    case StatusItem::size:
      return "SIZE";
    case StatusItem::recent:
      return "RECENT";
    case StatusItem::highestmodseq:
      return "HIGHESTMODSEQ";
    case StatusItem::appendlimit:
      return "APPENDLIMIT";
  }
  return "";
}

std::string command_name(const Command& cmd) {
  struct Namer {
    std::string operator()(const CapabilityCmd&) const { return "CAPABILITY"; }
    std::string operator()(const NoopCmd&) const { return "NOOP"; }
    std::string operator()(const LogoutCmd&) const { return "LOGOUT"; }
    std::string operator()(const IdCmd&) const { return "ID"; }
    std::string operator()(const StartTlsCmd&) const { return "STARTTLS"; }
    std::string operator()(const AuthenticateCmd&) const { return "AUTHENTICATE"; }
    std::string operator()(const LoginCmd&) const { return "LOGIN"; }
    std::string operator()(const EnableCmd&) const { return "ENABLE"; }
    std::string operator()(const SelectCmd& c) const { return c.read_only ? "EXAMINE" : "SELECT"; }
    std::string operator()(const CreateCmd&) const { return "CREATE"; }
    std::string operator()(const DeleteCmd&) const { return "DELETE"; }
    std::string operator()(const RenameCmd&) const { return "RENAME"; }
    std::string operator()(const SubscribeCmd& c) const {
      return c.subscribe ? "SUBSCRIBE" : "UNSUBSCRIBE";
    }
    std::string operator()(const ListCmd& c) const { return c.lsub ? "LSUB" : "LIST"; }
    std::string operator()(const NamespaceCmd&) const { return "NAMESPACE"; }
    std::string operator()(const StatusCmd&) const { return "STATUS"; }
    std::string operator()(const AppendCmd&) const { return "APPEND"; }
    std::string operator()(const IdleCmd&) const { return "IDLE"; }
    std::string operator()(const CheckCmd&) const { return "CHECK"; }
    std::string operator()(const CloseCmd&) const { return "CLOSE"; }
    std::string operator()(const UnselectCmd&) const { return "UNSELECT"; }
    std::string operator()(const ExpungeCmd& c) const { return c.uids ? "UID EXPUNGE" : "EXPUNGE"; }
    std::string operator()(const SearchCmd& c) const { return c.uid ? "UID SEARCH" : "SEARCH"; }
    std::string operator()(const FetchCmd& c) const { return c.uid ? "UID FETCH" : "FETCH"; }
    std::string operator()(const StoreCmd& c) const { return c.uid ? "UID STORE" : "STORE"; }
    std::string operator()(const CopyCmd& c) const {
      return std::string(c.uid ? "UID " : "") + (c.move ? "MOVE" : "COPY");
    }
    std::string operator()(const SortCmd& c) const { return c.uid ? "UID SORT" : "SORT"; }
    std::string operator()(const ThreadCmd& c) const { return c.uid ? "UID THREAD" : "THREAD"; }
    std::string operator()(const GetQuotaCmd&) const { return "GETQUOTA"; }
    std::string operator()(const GetQuotaRootCmd&) const { return "GETQUOTAROOT"; }
    std::string operator()(const SetQuotaCmd&) const { return "SETQUOTA"; }
    std::string operator()(const CompressCmd&) const { return "COMPRESS"; }
  };
  return std::visit(Namer{}, cmd.body);
}

}  // namespace postino::imap
