// libFuzzer target for src/mailauth/dkim parsers: tag lists, DKIM-Signature
// values, key records, dkim-quoted-printable, and the message splitter with both
// canonicalizations and b= blanking.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "mailauth/dkim/canon.hpp"
#include "mailauth/dkim/records.hpp"
#include "mailauth/dkim/tag_list.hpp"

using namespace postino::mailauth::dkim;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string in(reinterpret_cast<const char*>(data), size);
  if (auto t = parse_tag_list(in)) {
    if (t->tags.size() > kMaxTags) std::abort();
  }
  (void)parse_signature(in);
  (void)parse_signature(in, SignatureOptions{true});
  (void)parse_key_record(in);
  (void)decode_dkim_qp(in);
  auto m = split_message(in);
  if (m.headers.size() > kMaxHeaderFields) std::abort();
  for (const auto& h : m.headers) {
    (void)canon_header(h, Canon::simple);
    std::string r = canon_header(h, Canon::relaxed);
    if (r.size() < 3 || r.compare(r.size() - 2, 2, "\r\n") != 0) std::abort();
    (void)blank_b_tag(h.raw);
  }
  std::string relaxed = canon_body(m.body, Canon::relaxed);
  std::string simple = canon_body(m.body, Canon::simple);
  // Canonicalization is idempotent.
  if (canon_body(relaxed, Canon::relaxed) != relaxed) std::abort();
  if (canon_body(simple, Canon::simple) != simple) std::abort();
  return 0;
}
