// DATA (RFC 5321 §4.1.1.4) and BDAT (RFC 3030 §2): reading the message.
// DATA ends only at CRLF.CRLF; bare CR / LF are refused unless the operator
// asked to normalise them (SMTP smuggling, see smtp/proto/data_reader.hpp).
// A BDAT chunk is always read in full, even when it is refused, so the
// session stays in step with the client.
#include "base/log.hpp"
#include "smtp/proto/data_reader.hpp"
#include "smtp/server/session.hpp"

namespace postino::smtp::server {

awaitable<Session::Next> Session::on_data(const Command&) {
  if (!tx_.active) {
    reply(kBadSequence, "Need MAIL before DATA");
    co_return Next::go_on;
  }
  if (tx_.bdat) {  // RFC 3030 §2: DATA and BDAT do not mix
    reply(kBadSequence, "DATA not allowed after BDAT");
    co_return Next::go_on;
  }
  if (tx_.rcpts.empty()) {  // RFC 5321 §3.3
    reply(kNoValidRecipients);
    co_return Next::go_on;
  }
  if (tx_.params.body == BodyType::BinaryMime) {  // RFC 3030 §3
    reply(kBadSequence, "BINARYMIME requires BDAT");
    co_return Next::go_on;
  }
  reply(kStartMailInput);
  if (!co_await flush()) co_return Next::close;

  conn_.set_timeout(opts_.data_timeout);
  DataReader reader(body_options());
  std::string body;
  while (!reader.complete()) {
    auto line = co_await conn_.read_line(kMaxDataLineBytes, /*interruptible=*/false);
    if (!line) {
      if (line.error().code == Errc::limit) {
        // The overlong line was dropped, so the body can no longer be
        // followed reliably: refuse the message and end the session.
        reject(kDataLineTooLong, "data_line_too_long");
        reply(kServiceUnavailable, opts_.hostname + " Closing connection");
        co_await flush();
        co_return Next::close;
      }
      co_return co_await read_error(line.error());
    }
    // A line ends in LF, and so does the end marker: every line is consumed.
    reader.feed(*line, body);
  }
  if (!reader.errors().ok()) {
    const auto& e = reader.errors();
    reject(e.reply(), e.size_exceeded ? "size" : e.bare_newline ? "bare_newline" : "line_length");
    reset_transaction();
    co_return Next::go_on;
  }
  tx_.body = std::move(body);
  co_await accept_message();
  co_return Next::go_on;
}

awaitable<Session::Next> Session::on_bdat(const Command& cmd) {
  conn_.set_timeout(opts_.data_timeout);
  bool usable = tx_.active && !tx_.rcpts.empty() && !tx_.bdat_failed;
  if (usable && !tx_.bdat) {
    tx_.bdat.emplace(body_options(), tx_.params.body == BodyType::BinaryMime);
  }
  Status st;
  if (usable) {
    tx_.bdat->start_chunk(cmd.bdat_size, cmd.bdat_last);
    st = co_await conn_.read_exact_chunked(cmd.bdat_size, [this](std::string_view piece) {
      tx_.bdat->feed(piece, tx_.body);
      return Status{};
    });
  } else {
    // RFC 3030 §2: the chunk is read and thrown away before the error reply.
    st =
        co_await conn_.read_exact_chunked(cmd.bdat_size, [](std::string_view) { return Status{}; });
  }
  if (!st) co_return co_await read_error(st.error());
  if (!usable) {
    if (tx_.active && !tx_.bdat_failed && tx_.rcpts.empty())
      reply(kNoValidRecipients);
    else
      reply(kBadSequence, tx_.bdat_failed ? "Transaction failed; send RSET" : "Need MAIL and RCPT");
    co_return Next::go_on;
  }
  if (!tx_.bdat->errors().ok()) {
    const auto& e = tx_.bdat->errors();
    reject(e.reply(), e.size_exceeded ? "size" : e.bare_newline ? "bare_newline" : "line_length");
    // RFC 3030 §2: after an error reply the client sends no more chunks of
    // this message; any it does send are refused until RSET/MAIL.
    tx_.bdat_failed = true;
    tx_.body.clear();
    tx_.body.shrink_to_fit();
    co_return Next::go_on;
  }
  if (!cmd.bdat_last) {
    reply(kOk, std::to_string(cmd.bdat_size) + " octets received");
    co_return Next::go_on;
  }
  co_await accept_message();
  co_return Next::go_on;
}

}  // namespace postino::smtp::server
