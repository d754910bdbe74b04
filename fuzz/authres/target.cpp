// libFuzzer target for src/mailauth/inbound/authres: the authserv-id parser
// and the removal of our Authentication-Results fields (RFC 8601 §5) from a
// message header. Checks: removal never grows the message, never touches the
// body, is idempotent, and what it leaves has none of our fields; rendering
// a field with the input as every free-text part yields a field whose
// authserv-id parses back as ours and that removal then takes out.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "mailauth/inbound/authres.hpp"

using namespace postino::mailauth::inbound;

namespace {

constexpr const char* kOurs = "mail.example.test";

// Offset of the body: after the first empty line (LF or CRLF), or the end.
size_t body_start(const std::string& m) {
  size_t pos = 0;
  while (pos < m.size()) {
    if (m[pos] == '\n') return pos + 1;
    if (m.compare(pos, 2, "\r\n") == 0) return pos + 2;
    size_t lf = m.find('\n', pos);
    if (lf == std::string::npos) return m.size();
    pos = lf + 1;
  }
  return m.size();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string in(reinterpret_cast<const char*>(data), size);
  (void)parse_authserv_id(in);

  std::string m = in;
  size_t removed = remove_authres(m, kOurs);
  if (m.size() > in.size()) std::abort();
  if (removed == 0 && m != in) std::abort();
  // The body (after the first blank line) is never changed.
  if (in.substr(body_start(in)) != m.substr(body_start(m))) std::abort();
  std::string again = m;
  if (remove_authres(again, kOurs) != 0 || again != m) std::abort();

  AuthResBuilder b(kOurs);
  b.add({"spf", "pass", in, "", {{"smtp.mailfrom", in}}});
  b.add({"dkim", "fail", "", in, {{"header.d", in}, {"header.b", in}}});
  std::string h = b.render();
  auto id = parse_authserv_id(h.substr(h.find(':') + 1));
  if (!id || id->id != kOurs) std::abort();
  // Only the final CRLF ends a line; every other line break is a fold.
  for (size_t p = h.find('\n'); p != std::string::npos; p = h.find('\n', p + 1)) {
    if (p == 0 || h[p - 1] != '\r') std::abort();
    if (p + 1 < h.size() && h[p + 1] != '\t') std::abort();
  }
  std::string msg = h + "Subject: x\r\n\r\nbody\r\n";
  if (remove_authres(msg, kOurs) != 1 || msg != "Subject: x\r\n\r\nbody\r\n") std::abort();
  return 0;
}
