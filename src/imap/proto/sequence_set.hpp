// IMAP sequence sets (RFC 9051 §9 "sequence-set", RFC 5182 "$"): message
// sequence numbers or UIDs as ranges, with "*" meaning "the largest in use".
// A SequenceSet is a plain value as the client wrote it; callers resolve it
// against the mailbox size (or highest UID) with contains/normalised/expand.
// Thread rules: plain values, no shared state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace postino::imap {

// "*" in a sequence set. Never a valid number: nz-number starts at 1.
inline constexpr uint32_t kSeqStar = 0;
// Most ranges one sequence set may hold; bounds memory for hostile input.
inline constexpr size_t kMaxSequenceRanges = 10000;

struct SeqRange {
  uint32_t first = 1;  // as written; either end may be kSeqStar
  uint32_t last = 1;
  bool operator==(const SeqRange&) const = default;
};

struct SequenceSet {
  std::vector<SeqRange> ranges;
  bool saved = false;  // "$": the result saved by SEARCH RETURN (SAVE), RFC 5182 §2.1

  // Parses "1,3:5,7:*" or "$". Error on anything else (no spaces allowed).
  static Result<SequenceSet> parse(std::string_view text);
  // Builds a compact set ("1:3,7") from numbers in any order (duplicates ok).
  static SequenceSet from_numbers(std::vector<uint32_t> numbers);
  static SequenceSet single(uint32_t n) { return SequenceSet{{{n, n}}, false}; }

  // True when n lies in the set, with "*" standing for max (RFC 9051 §9:
  // "n:*" with n > max is the range max:n). A "$" set contains nothing here:
  // the session substitutes the saved result first.
  bool contains(uint32_t n, uint32_t max) const;
  // Ranges with "*" resolved to max, each ordered low..high, clipped to
  // 1..max, sorted and merged. Empty when max == 0.
  std::vector<SeqRange> normalised(uint32_t max) const;
  // Every number of normalised(max) in ascending order; error (Errc::limit)
  // when there would be more than `limit` of them.
  Result<std::vector<uint32_t>> expand(uint32_t max, size_t limit) const;
  // True when some number (not "*") is greater than max: for message
  // sequence numbers that is a BAD (RFC 9051 §6.4.5 / §9).
  bool exceeds(uint32_t max) const;

  // Formats as written ("$" for saved), e.g. "1:3,7:*".
  std::string to_string() const;
  bool empty() const { return ranges.empty() && !saved; }
  bool operator==(const SequenceSet&) const = default;
};

}  // namespace postino::imap
