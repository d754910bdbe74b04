// Internal to the parser: one parse_* function per command family, each
// called with the lexer just after the command name and responsible for
// consuming the rest of the command. Not part of the public API.
// Thread rules: pure functions.
#pragma once

#include <optional>
#include <string>

#include "base/strings.hpp"
#include "imap/proto/command.hpp"
#include "imap/proto/lexer.hpp"

// Propagate an error value from a Status / Result expression.
#define IMAP_TRY(expr)                                                \
  do {                                                                \
    if (auto try_st_ = (expr); !try_st_) return try_st_.take_error(); \
  } while (0)
#define IMAP_TRY_ASSIGN(var, expr)                       \
  auto var##_result_ = (expr);                           \
  if (!var##_result_) return var##_result_.take_error(); \
  auto var = std::move(*var##_result_)

namespace postino::imap::detail {

using BodyResult = Result<CommandBody>;

// parse_session.cpp: AUTHENTICATE, LOGIN, ENABLE, ID, COMPRESS, quota commands
BodyResult parse_authenticate(Lexer& lx);
BodyResult parse_login(Lexer& lx);
BodyResult parse_enable(Lexer& lx);
BodyResult parse_id(Lexer& lx);
BodyResult parse_compress(Lexer& lx);
BodyResult parse_getquota(Lexer& lx);
BodyResult parse_getquotaroot(Lexer& lx);
BodyResult parse_setquota(Lexer& lx);

// parse_mailbox.cpp: SELECT/EXAMINE, CREATE, DELETE, RENAME, (UN)SUBSCRIBE, STATUS
BodyResult parse_select(Lexer& lx, bool read_only);
BodyResult parse_create(Lexer& lx);
BodyResult parse_delete(Lexer& lx);
BodyResult parse_rename(Lexer& lx);
BodyResult parse_subscribe(Lexer& lx, bool subscribe);
BodyResult parse_status(Lexer& lx);
Result<StatusItem> parse_status_item(Lexer& lx);
Result<std::vector<StatusItem>> parse_status_list(Lexer& lx);

// parse_list.cpp: LIST (RFC 5258), LSUB
BodyResult parse_list(Lexer& lx, bool lsub);

// parse_append.cpp
BodyResult parse_append(Lexer& lx);

// parse_search.cpp: SEARCH, SORT, THREAD
BodyResult parse_search(Lexer& lx, bool uid);
BodyResult parse_sort(Lexer& lx, bool uid);
BodyResult parse_thread(Lexer& lx, bool uid);

// parse_fetch.cpp
BodyResult parse_fetch(Lexer& lx, bool uid);

// parse_message.cpp: STORE, COPY, MOVE, EXPUNGE
BodyResult parse_store(Lexer& lx, bool uid);
BodyResult parse_copy(Lexer& lx, bool uid, bool move);
BodyResult parse_expunge(Lexer& lx, bool uid);

std::string upper(std::string s);

}  // namespace postino::imap::detail
