#include "imap/proto/sequence_set.hpp"

#include <algorithm>

#include "base/strings.hpp"

namespace postino::imap {

namespace {

Result<uint32_t> parse_seq_number(std::string_view s) {
  if (s == "*") return kSeqStar;
  if (s.empty() || s[0] == '0') return make_error(Errc::invalid, "bad sequence number");
  auto v = parse_u64(s);
  if (!v || *v > UINT32_MAX) return make_error(Errc::invalid, "bad sequence number");
  return static_cast<uint32_t>(*v);
}

uint32_t resolve(uint32_t n, uint32_t max) { return n == kSeqStar ? max : n; }

}  // namespace

// RFC 9051 §9: sequence-set = (seq-number / seq-range) ["," sequence-set]
//                             / "$" (RFC 5182 §2.1)
Result<SequenceSet> SequenceSet::parse(std::string_view text) {
  SequenceSet set;
  if (text == "$") {
    set.saved = true;
    return set;
  }
  if (text.empty()) return make_error(Errc::invalid, "empty sequence set");
  for (std::string_view item : split(text, ',')) {
    if (set.ranges.size() >= kMaxSequenceRanges)
      return make_error(Errc::limit, "sequence set too long");
    size_t colon = item.find(':');
    auto first = parse_seq_number(item.substr(0, colon));
    if (!first) return first.take_error();
    uint32_t last = *first;
    if (colon != std::string_view::npos) {
      auto l = parse_seq_number(item.substr(colon + 1));
      if (!l) return l.take_error();
      last = *l;
    }
    set.ranges.push_back({*first, last});
  }
  return set;
}

SequenceSet SequenceSet::from_numbers(std::vector<uint32_t> numbers) {
  std::sort(numbers.begin(), numbers.end());
  numbers.erase(std::unique(numbers.begin(), numbers.end()), numbers.end());
  SequenceSet set;
  for (uint32_t n : numbers) {
    if (n == 0) continue;
    if (!set.ranges.empty() && set.ranges.back().last + 1 == n)
      set.ranges.back().last = n;
    else
      set.ranges.push_back({n, n});
  }
  return set;
}

bool SequenceSet::contains(uint32_t n, uint32_t max) const {
  for (const auto& r : ranges) {
    uint32_t a = resolve(r.first, max), b = resolve(r.last, max);
    if (a > b) std::swap(a, b);
    if (n >= a && n <= b) return true;
  }
  return false;
}

std::vector<SeqRange> SequenceSet::normalised(uint32_t max) const {
  std::vector<SeqRange> out;
  if (max == 0) return out;
  for (const auto& r : ranges) {
    uint32_t a = resolve(r.first, max), b = resolve(r.last, max);
    if (a > b) std::swap(a, b);
    if (a > max) continue;
    out.push_back({std::max<uint32_t>(a, 1), std::min(b, max)});
  }
  std::sort(out.begin(), out.end(),
            [](const SeqRange& x, const SeqRange& y) { return x.first < y.first; });
  std::vector<SeqRange> merged;
  for (const auto& r : out) {
    if (!merged.empty() && uint64_t{merged.back().last} + 1 >= r.first)
      merged.back().last = std::max(merged.back().last, r.last);
    else
      merged.push_back(r);
  }
  return merged;
}

Result<std::vector<uint32_t>> SequenceSet::expand(uint32_t max, size_t limit) const {
  std::vector<uint32_t> out;
  for (const auto& r : normalised(max)) {
    if (uint64_t{r.last} - r.first + 1 + out.size() > limit)
      return make_error(Errc::limit, "sequence set expands to too many numbers");
    for (uint64_t n = r.first; n <= r.last; ++n) out.push_back(static_cast<uint32_t>(n));
  }
  return out;
}

bool SequenceSet::exceeds(uint32_t max) const {
  for (const auto& r : ranges)
    if ((r.first != kSeqStar && r.first > max) || (r.last != kSeqStar && r.last > max)) return true;
  return false;
}

std::string SequenceSet::to_string() const {
  if (saved) return "$";
  std::string out;
  auto put = [&out](uint32_t n) {
    if (n == kSeqStar)
      out.push_back('*');
    else
      out += std::to_string(n);
  };
  for (const auto& r : ranges) {
    if (!out.empty()) out.push_back(',');
    put(r.first);
    if (r.last != r.first) {
      out.push_back(':');
      put(r.last);
    }
  }
  return out;
}

}  // namespace postino::imap
