// RFC 5322 §2.2 header section scanning: splits a header block of a raw
// message into fields without copying. Every view points into the raw message
// the caller owns; the caller keeps those bytes alive while fields are used.
// Lenient like Dovecot: bare LF accepted, lines without a colon skipped,
// 8-bit bytes kept, a missing blank line means the header runs to the end.
// Thread rules: pure functions over caller-owned bytes.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace postino::mime {

struct HeaderField {
  std::string_view name;   // as written, trailing WSP removed (obs-header allows "Name :")
  std::string_view value;  // after ':', leading WSP and the final line break removed; folds kept
  size_t begin = 0;        // offset of the field's first byte in the raw message
  size_t end = 0;          // offset one past the field's final line break

  // RFC 5322 §2.2.3: value with every line break that precedes WSP removed.
  std::string unfolded() const;
};

using HeaderList = std::vector<HeaderField>;

struct HeaderSection {
  HeaderList fields;
  size_t end = 0;          // one past the blank line ending the header (== body start)
  bool truncated = false;  // limits::kMaxHeaderBytes reached: later fields not recorded
};

// Scans raw[begin, end) as a header section. Never fails.
HeaderSection parse_header_section(std::string_view raw, size_t begin, size_t end);

// RFC 5322 §2.2.3 unfolding: drops CRLF / LF (and a lone CR) that precede WSP,
// and any trailing line break.
std::string unfold(std::string_view value);

// First field named `name` (ASCII case-insensitive), its value trimmed of
// surrounding whitespace but still folded.
std::optional<std::string_view> find_header(const HeaderList& fields, std::string_view name);
// Every field named `name`, in order.
std::vector<std::string_view> find_headers(const HeaderList& fields, std::string_view name);

}  // namespace postino::mime
