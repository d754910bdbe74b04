// DMARC Policy Records (RFC 9989 §4.7, §4.8): parse a TXT record into values.
// Pure. Per RFC 9989 a record whose first tag is not "v=DMARC1" is not a DMARC
// record (an Error); any other bad tag is dropped in favour of its default, and
// unknown tags (including RFC 7489's pct=, rf=, ri=, removed by RFC 9989) are
// ignored.
// Thread rules: pure functions and plain values.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace postino::mailauth::dmarc {

inline constexpr size_t kMaxRecordLength = 4096;
inline constexpr size_t kMaxUris = 16;

enum class Policy { none, quarantine, reject };  // dmarc-request
enum class Alignment { relaxed, strict };        // dmarc-rors
enum class PsdFlag { unknown, yes, no };         // dmarc-psd: u / y / n

const char* policy_name(Policy p);

struct Record {
  std::optional<Policy> p;  // absent or invalid: see has_valid_policy()
  std::optional<Policy> sp;
  std::optional<Policy> np;
  bool sp_invalid = false;  // sp= present but not a dmarc-request
  bool np_invalid = false;
  Alignment adkim = Alignment::relaxed;
  Alignment aspf = Alignment::relaxed;
  PsdFlag psd = PsdFlag::unknown;
  bool testing = false;          // t=y
  std::vector<std::string> rua;  // syntactically valid URIs only
  std::vector<std::string> ruf;
  std::string fo = "0";

  // RFC 9989 §4.10.1: a record without a valid p= (or with a bad sp=/np=) is
  // used as p=none if it has a valid rua=, else DMARC does not apply.
  bool usable() const { return (p.has_value() && !sp_invalid && !np_invalid) || !rua.empty(); }
  Policy effective_p() const { return (p && !sp_invalid && !np_invalid) ? *p : Policy::none; }
};

// True if `txt` starts with the DMARC version tag (RFC 9989 §4.7 v=).
bool is_dmarc_record(std::string_view txt);

Result<Record> parse_record(std::string_view txt);

}  // namespace postino::mailauth::dmarc
