// Fuzz target for the POP3 command parser and the RETR/TOP dot-stuffer.
// Input: any bytes. Each LF-separated line is parsed as a command; accepted
// commands must survive format → parse unchanged. The whole input is also
// dot-stuffed as a message (RETR and TOP n, n from the first byte), once in
// one slice and once in slices cut at input-derived offsets; both outputs
// must be identical and well formed (CRLF lines, no unstuffed '.' line
// before the terminator). Any violation aborts.
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "pop3/proto/command.hpp"
#include "pop3/proto/dot_stuffer.hpp"

namespace {

using namespace postino::pop3;

void check(bool ok) {
  if (!ok) std::abort();
}

void fuzz_commands(std::string_view in) {
  size_t start = 0;
  while (start <= in.size()) {
    size_t nl = in.find('\n', start);
    if (nl == std::string_view::npos) nl = in.size();
    auto line = in.substr(start, nl - start);
    auto r = parse_pop3_command(line);
    if (r.ok()) {
      auto again = parse_pop3_command(format_pop3_command(*r));
      check(again.ok() && *again == *r);
    } else {
      (void)pop3_error_kind(r.error());
    }
    start = nl + 1;
  }
}

// Every line ends in CRLF; the only line that is exactly "." is the last.
void check_well_formed(const std::string& out) {
  check(out.size() >= 3 && out.compare(out.size() - 3, 3, ".\r\n") == 0);
  size_t pos = 0;
  while (pos < out.size()) {
    size_t cr = out.find('\r', pos);
    check(cr != std::string::npos && cr + 1 < out.size() && out[cr + 1] == '\n');
    check(out.find('\n', pos) == cr + 1);
    std::string_view line(out.data() + pos, cr - pos);
    bool last = cr + 2 == out.size();
    if (last)
      check(line == ".");
    else if (!line.empty() && line.front() == '.')
      check(line.size() >= 2 && line[1] == '.');
    pos = cr + 2;
  }
}

void fuzz_stuffer(std::string_view in) {
  std::optional<uint32_t> top;
  if (!in.empty() && (static_cast<uint8_t>(in[0]) & 1)) top = static_cast<uint8_t>(in[0]) >> 5;
  std::string whole = dot_stuff(in, top);
  check_well_formed(whole);

  DotStuffer d(top);
  std::string sliced;
  size_t pos = 0;
  size_t step = in.empty() ? 1 : (static_cast<uint8_t>(in[in.size() / 2]) % 7) + 1;
  while (pos < in.size()) {
    d.feed(in.substr(pos, step), sliced);
    pos += step;
    step = step % 5 + 1;
  }
  d.finish(sliced);
  check(sliced == whole);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  fuzz_commands(in);
  fuzz_stuffer(in);
  return 0;
}
