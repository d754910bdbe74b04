// DKIM tag=value lists (RFC 6376 §3.2), used by DKIM-Signature header fields,
// DKIM key records and (later) ARC headers. Pure: text in, tags out.
// Thread rules: pure functions and plain values.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.hpp"

namespace postino::mailauth::dkim {

inline constexpr size_t kMaxTagListLength = 16 * 1024;
inline constexpr size_t kMaxTags = 64;

struct Tag {
  std::string name;   // case-sensitive (RFC 6376 §3.2)
  std::string value;  // leading/trailing whitespace removed; inner FWS kept
};

class TagList {
 public:
  std::vector<Tag> tags;

  // The value of `name`, if present.
  const std::string* find(std::string_view name) const;
};

// Parses "tag=value; tag=value[;]". Errors: a spec without '=', a bad tag name,
// a duplicate tag (RFC 6376 §3.2 "MUST be treated as an error"), control
// characters, or input over the limits above.
Result<TagList> parse_tag_list(std::string_view text);

// Removes all whitespace (FWS) from a value, e.g. before base64 decoding.
std::string strip_whitespace(std::string_view v);

// Splits a colon-separated list ("from:to:subject"; RFC 6376 §3.5 h=), trimming
// whitespace around each element. Empty elements are kept as "".
std::vector<std::string> split_colon_list(std::string_view v);

}  // namespace postino::mailauth::dkim
