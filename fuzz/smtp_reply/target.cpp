// Fuzz target: bytes from an SMTP server, as the client reads them. Lines go
// through ReplyAssembler; every complete reply goes through the capability
// parser and the stored-reply form. Invariants: no crash; a reply formatted
// again and re-read gives the same code and enhanced code; reply_line() is
// one printable line that parse_reply_line() reads back with the same code;
// dot_stuff() of the input ends with exactly one terminating CRLF.CRLF.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "smtp/client/capabilities.hpp"
#include "smtp/client/dot_stuff.hpp"
#include "smtp/proto/reply.hpp"

using namespace postino::smtp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  ReplyAssembler assembler;
  size_t pos = 0;
  while (pos < in.size()) {
    size_t nl = in.find('\n', pos);
    std::string_view line =
        in.substr(pos, nl == std::string_view::npos ? in.size() - pos : nl - pos);
    pos = nl == std::string_view::npos ? in.size() : nl + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    auto r = assembler.add(line);
    if (!r || !*r) continue;
    const Reply& reply = **r;
    (void)client::parse_ehlo(reply);
    std::string status = client::status_of(reply);
    if (status.size() < 5) std::abort();
    std::string stored = client::reply_line(reply);
    for (unsigned char c : stored)
      if (c < 0x20 || c >= 0x7f) std::abort();
    auto back = client::parse_reply_line(stored);
    if (!back || back->code != reply.code) std::abort();
    // format -> assemble round trip. format_reply() turns a CR inside a line
    // into a space, which may reveal an enhanced code: compare it only for
    // replies without one.
    bool has_cr = false;
    for (const auto& l : reply.lines) has_cr = has_cr || l.find('\r') != std::string::npos;
    std::string wire = format_reply(reply);
    ReplyAssembler again;
    size_t p = 0;
    bool done = false;
    while (p < wire.size()) {
      size_t e = wire.find("\r\n", p);
      auto rr = again.add(std::string_view(wire).substr(p, e - p));
      p = e + 2;
      if (!rr) break;  // formatted lines may exceed the line limit: fine
      if (*rr) {
        if ((*rr)->code != reply.code) std::abort();
        if (!has_cr && (*rr)->enhanced != reply.enhanced) std::abort();
        done = true;
      }
    }
    (void)done;
  }
  std::string stuffed = client::dot_stuff(in);
  if (stuffed.size() < 3 || stuffed.compare(stuffed.size() - 3, 3, ".\r\n") != 0) std::abort();
  size_t first_end = stuffed.find("\r\n.\r\n");
  if (first_end != std::string::npos && first_end + 5 != stuffed.size()) std::abort();
  if (stuffed.rfind(".\r\n", 0) == 0 && stuffed.size() != 3) std::abort();
  return 0;
}
