// AUTHENTICATE, LOGIN, ENABLE, ID, COMPRESS and the QUOTA commands.
#include "imap/proto/parse_internal.hpp"

namespace postino::imap::detail {

namespace {
constexpr size_t kMaxIdPairs = 30;  // RFC 2971 §3.3
}

// RFC 9051 §6.2.2 + RFC 4959 §7: "AUTHENTICATE" SP auth-type [SP (base64 / "=")]
BodyResult parse_authenticate(Lexer& lx) {
  IMAP_TRY(lx.sp());
  IMAP_TRY_ASSIGN(mech, lx.atom());
  AuthenticateCmd cmd{upper(std::move(mech)), std::nullopt};
  if (lx.consume(' ')) {
    std::string ir;
    while (!lx.at_end()) {
      char c = lx.peek();
      bool b64 = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '+' || c == '/' || c == '=';
      if (!b64) return lx.error("bad initial response");
      ir.push_back(c);
      lx.consume(c);
    }
    if (ir.empty()) return lx.error("empty initial response");
    cmd.initial_response = std::move(ir);
  }
  IMAP_TRY(lx.end());
  return CommandBody(std::move(cmd));
}

// RFC 9051 §6.2.3: "LOGIN" SP userid SP password
BodyResult parse_login(Lexer& lx) {
  IMAP_TRY(lx.sp());
  IMAP_TRY_ASSIGN(user, lx.astring());
  IMAP_TRY(lx.sp());
  IMAP_TRY_ASSIGN(pass, lx.astring());
  IMAP_TRY(lx.end());
  return CommandBody(LoginCmd{std::move(user), std::move(pass)});
}

// RFC 5161 §4: "ENABLE" 1*(SP capability)
BodyResult parse_enable(Lexer& lx) {
  EnableCmd cmd;
  while (lx.consume(' ')) {
    IMAP_TRY_ASSIGN(cap, lx.atom());
    cmd.capabilities.push_back(upper(std::move(cap)));
  }
  if (cmd.capabilities.empty()) return lx.error("ENABLE needs a capability");
  IMAP_TRY(lx.end());
  return CommandBody(std::move(cmd));
}

// RFC 2971 §4: "ID" SP id_params_list; id_params_list ::= "(" #(string SP nstring) ")" / nil
BodyResult parse_id(Lexer& lx) {
  IMAP_TRY(lx.sp());
  IdCmd cmd;
  if (lx.keyword("NIL")) {
    IMAP_TRY(lx.end());
    return CommandBody(std::move(cmd));
  }
  IMAP_TRY(lx.open());
  cmd.params.emplace();
  if (!lx.consume(')')) {
    while (true) {
      if (cmd.params->size() >= kMaxIdPairs) return lx.error("too many ID fields");
      IMAP_TRY_ASSIGN(field, lx.string());
      IMAP_TRY(lx.sp());
      IMAP_TRY_ASSIGN(value, lx.nstring());
      cmd.params->emplace_back(std::move(field), std::move(value));
      if (lx.peek() == ')') break;
      IMAP_TRY(lx.sp());
    }
    IMAP_TRY(lx.close());
  }
  IMAP_TRY(lx.end());
  return CommandBody(std::move(cmd));
}

// RFC 4978 §3: "COMPRESS" SP algorithm
BodyResult parse_compress(Lexer& lx) {
  IMAP_TRY(lx.sp());
  IMAP_TRY_ASSIGN(mech, lx.atom());
  IMAP_TRY(lx.end());
  return CommandBody(CompressCmd{upper(std::move(mech))});
}

// RFC 9208 §7: "GETQUOTA" SP quota-root-name
BodyResult parse_getquota(Lexer& lx) {
  IMAP_TRY(lx.sp());
  IMAP_TRY_ASSIGN(root, lx.astring());
  IMAP_TRY(lx.end());
  return CommandBody(GetQuotaCmd{std::move(root)});
}

// RFC 9208 §7: "GETQUOTAROOT" SP mailbox
BodyResult parse_getquotaroot(Lexer& lx) {
  IMAP_TRY(lx.sp());
  IMAP_TRY_ASSIGN(mbox, lx.mailbox());
  IMAP_TRY(lx.end());
  return CommandBody(GetQuotaRootCmd{std::move(mbox)});
}

// RFC 9208 §7: "SETQUOTA" SP quota-root-name SP setquota-list
//   setquota-list = "(" [setquota-resource *(SP setquota-resource)] ")"
//   setquota-resource = resource-name SP resource-limit
BodyResult parse_setquota(Lexer& lx) {
  IMAP_TRY(lx.sp());
  IMAP_TRY_ASSIGN(root, lx.astring());
  IMAP_TRY(lx.sp());
  IMAP_TRY(lx.open());
  SetQuotaCmd cmd{std::move(root), {}};
  if (lx.peek() != ')') {
    while (true) {
      IMAP_TRY_ASSIGN(name, lx.atom());
      IMAP_TRY(lx.sp());
      IMAP_TRY_ASSIGN(limit, lx.number64());
      cmd.limits.emplace_back(upper(std::move(name)), limit);
      if (lx.peek() == ')') break;
      IMAP_TRY(lx.sp());
    }
  }
  IMAP_TRY(lx.close());
  IMAP_TRY(lx.end());
  return CommandBody(std::move(cmd));
}

}  // namespace postino::imap::detail
