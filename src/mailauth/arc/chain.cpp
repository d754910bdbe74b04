#include "mailauth/arc/chain.hpp"

#include <algorithm>
#include <array>

#include "base/strings.hpp"

namespace postino::mailauth::arc {
namespace {

constexpr size_t kFieldsPerSet = 3;  // AAR, AMS, AS (§4.2)
constexpr size_t kMaxArcFields = kFieldsPerSet * size_t(kMaxInstance);

std::string_view field_value(const dkim::HeaderField& f) {
  auto colon = f.raw.find(':');
  return colon == std::string::npos ? std::string_view()
                                    : std::string_view(f.raw).substr(colon + 1);
}

const char* kind_name(FieldKind k) {
  switch (k) {
    case FieldKind::aar:
      return "AAR";
    case FieldKind::ams:
      return "AMS";
    case FieldKind::seal:
      return "AS";
  }
  return "?";
}

Error field_error(FieldKind k, const Error& e) {
  return make_error(e.code, std::string(kind_name(k)) + ": " + e.message);
}

}  // namespace

Status collect_chain(const std::vector<dkim::HeaderField>& headers, Chain& out) {
  out = Chain{};
  // Slot i holds instance i; counts catch duplicates (§4.2.1 "exactly one").
  std::array<ArcSet, kMaxInstance + 1> slots{};
  std::array<std::array<int, kFieldsPerSet>, kMaxInstance + 1> counts{};
  Status first_error;
  for (const auto& h : headers) {
    auto kind = field_kind(h.name);
    if (!kind) continue;
    // §5.2 step 1: more than 50 sets fail; more fields than 50 full sets
    // cannot be a valid chain and are not parsed.
    if (++out.field_count > kMaxArcFields) {
      return make_error(Errc::limit, "more than 50 ARC sets");
    }
    int inst = 0;
    std::string_view value = field_value(h);
    ArcSet* slot = nullptr;
    switch (*kind) {
      case FieldKind::aar: {
        auto v = parse_aar(value);
        if (!v) {
          if (first_error.ok()) first_error = field_error(*kind, v.error());
          continue;
        }
        inst = v->instance;
        slot = &slots[size_t(inst)];
        slot->aar = std::move(*v);
        slot->aar_field = &h;
        break;
      }
      case FieldKind::ams: {
        auto v = parse_ams(value);
        if (!v) {
          if (first_error.ok()) first_error = field_error(*kind, v.error());
          continue;
        }
        inst = v->instance;
        slot = &slots[size_t(inst)];
        slot->ams = std::move(*v);
        slot->ams_field = &h;
        break;
      }
      case FieldKind::seal: {
        auto v = parse_seal(value);
        if (!v) {
          if (first_error.ok()) first_error = field_error(*kind, v.error());
          continue;
        }
        inst = v->instance;
        slot = &slots[size_t(inst)];
        slot->seal = std::move(*v);
        slot->seal_field = &h;
        break;
      }
    }
    ++counts[size_t(inst)][size_t(*kind)];
    out.highest = std::max(out.highest, inst);
  }
  if (out.field_count == 0) return {};  // step 1: no chain, cv=none
  // Step 2: the newest set says the chain already failed.
  if (out.highest > 0 && slots[size_t(out.highest)].seal_field &&
      slots[size_t(out.highest)].seal.cv == ChainStatus::fail) {
    out.newest_failed = true;
    return make_error(Errc::invalid, "the newest ARC-Seal carries cv=fail");
  }
  // §5.2.1: a malformed ARC header field is a failure.
  if (!first_error.ok()) return first_error;
  // Step 3A/3B: exactly one of each field for every instance 1..N.
  for (int i = 1; i <= out.highest; ++i) {
    for (size_t k = 0; k < kFieldsPerSet; ++k) {
      int c = counts[size_t(i)][k];
      if (c != 1) {
        return make_error(Errc::invalid, std::string(c == 0 ? "missing " : "duplicate ") +
                                             kind_name(FieldKind(k)) +
                                             " for i=" + std::to_string(i));
      }
    }
    // Step 3C.
    ChainStatus want = i == 1 ? ChainStatus::none : ChainStatus::pass;
    if (slots[size_t(i)].seal.cv != want) {
      return make_error(Errc::invalid, "AS i=" + std::to_string(i) + " carries cv=" +
                                           chain_status_name(slots[size_t(i)].seal.cv) +
                                           ", expected " + chain_status_name(want));
    }
  }
  out.sets.assign(slots.begin() + 1, slots.begin() + 1 + out.highest);
  return {};
}

std::string ams_hash_input(const dkim::SplitMessage& msg, const dkim::HeaderField& ams_field,
                           const MessageSignature& ams) {
  std::string data;
  for (const dkim::HeaderField* h : dkim::select_headers(msg.headers, ams.signed_headers)) {
    data += dkim::canon_header(*h, ams.header_canon);
  }
  std::string self = dkim::canon_header(
      dkim::HeaderField{ams_field.name, dkim::blank_b_tag(ams_field.raw)}, ams.header_canon);
  if (self.ends_with("\r\n")) self.resize(self.size() - 2);  // RFC 6376 §3.7
  data += self;
  return data;
}

std::string seal_hash_input(const std::vector<const dkim::HeaderField*>& fields) {
  std::string data;
  for (size_t i = 0; i < fields.size(); ++i) {
    const dkim::HeaderField& f = *fields[i];
    if (i + 1 < fields.size()) {
      data += dkim::canon_header(f, dkim::Canon::relaxed);
    } else {
      std::string self = dkim::canon_header(dkim::HeaderField{f.name, dkim::blank_b_tag(f.raw)},
                                            dkim::Canon::relaxed);
      if (self.ends_with("\r\n")) self.resize(self.size() - 2);
      data += self;
    }
  }
  return data;
}

std::vector<const dkim::HeaderField*> seal_fields(const Chain& chain, size_t i) {
  std::vector<const dkim::HeaderField*> out;
  for (size_t j = 0; j < i && j < chain.sets.size(); ++j) {
    const ArcSet& s = chain.sets[j];
    out.push_back(s.aar_field);
    out.push_back(s.ams_field);
    out.push_back(s.seal_field);
  }
  return out;
}

}  // namespace postino::mailauth::arc
