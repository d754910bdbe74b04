// libFuzzer target for src/mime: parses the input as a message, renders
// ENVELOPE and BODY/BODYSTRUCTURE, looks up every section that exists (and a
// few that do not), and runs the header and body decoders on each part.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "mime/address.hpp"
#include "mime/encoding.hpp"
#include "mime/imap_format.hpp"
#include "mime/message.hpp"

using namespace postino::mime;

namespace {

constexpr size_t kMaxDecodedBody = 1 << 16;  // keep per-input work small

void check(bool ok) {
  if (!ok) std::abort();
}

void visit(const Message& m, const Part& part) {
  check(part.header_begin <= part.header_end && part.header_end <= part.body_end &&
        part.body_end <= m.raw.size());
  if (auto s = part.header("Subject")) check(is_valid_utf8(decode_header_value(*s)));
  if (auto f = part.header("From")) (void)parse_address_list(*f);
  std::string_view body = body_bytes(m, part);
  if (body.size() <= kMaxDecodedBody) (void)decode_transfer_encoding(body, part.encoding);
  if (part.message) {
    (void)envelope(*part.message);
    visit(m, *part.message);
  }
  for (const Part& c : part.children) visit(m, c);
}

void sections(const Message& m, const Part& container, const std::string& prefix) {
  if (container.is_multipart()) {
    for (size_t i = 0; i < container.children.size(); ++i) {
      std::string s = prefix + std::to_string(i + 1);
      const Part& c = container.children[i];
      check(find_section(m, s) == &c);
      if (c.message) sections(m, *c.message, s + ".");
      if (c.is_multipart()) sections(m, c, s + ".");
    }
    check(find_section(m, prefix + std::to_string(container.children.size() + 1)) == nullptr);
  } else {
    check(find_section(m, prefix + "1") == &container);
    check(find_section(m, prefix + "2") == nullptr);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  Message m = parse_message(raw);
  (void)envelope(m);
  (void)bodystructure(m, false);
  (void)bodystructure(m, true);
  visit(m, m.root);
  sections(m, m.root, "");
  (void)find_section(m, "");
  (void)find_section(m, "0.1");
  return 0;
}
