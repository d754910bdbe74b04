#include "mailauth/arc/headers.hpp"

#include "base/strings.hpp"
#include "mailauth/dkim/tag_list.hpp"

namespace postino::mailauth::arc {
namespace {

using dkim::Algorithm;
using dkim::Canon;
using dkim::TagList;

constexpr size_t kMaxTimestampDigits = 12;  // RFC 6376 §3.5 t= is 1*12DIGIT
constexpr size_t kMaxCommentDepth = 8;

bool is_fws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Skips FWS and RFC 5322 §3.2.2 comments (nested up to a small depth).
// Returns false on an unterminated or too deeply nested comment.
bool skip_cfws(std::string_view& s) {
  while (!s.empty()) {
    if (is_fws(s.front())) {
      s.remove_prefix(1);
      continue;
    }
    if (s.front() != '(') return true;
    size_t depth = 0;
    size_t i = 0;
    for (; i < s.size(); ++i) {
      char c = s[i];
      if (c == '\\') {
        ++i;
      } else if (c == '(') {
        if (++depth > kMaxCommentDepth) return false;
      } else if (c == ')') {
        if (--depth == 0) break;
      }
    }
    if (i >= s.size()) return false;
    s.remove_prefix(i + 1);
  }
  return true;
}

Result<std::string> base64_tag(const TagList& tl, const char* name) {
  const std::string* v = tl.find(name);
  if (!v) return make_error(Errc::invalid, std::string("missing ") + name + "=");
  auto d = base64_decode(dkim::strip_whitespace(*v));
  if (!d) return make_error(Errc::invalid, std::string("bad base64 in ") + name + "=");
  if (d->empty()) return make_error(Errc::invalid, std::string("empty ") + name + "=");
  return *d;
}

// a=: RFC 8617 §5.2 imports RFC 6376 signing algorithms; RFC 8301 §3.1 makes
// rsa-sha1 unacceptable. Values are compared as written (case-sensitive tags
// and values in the tag-list grammar, RFC 6376 §3.2).
Result<Algorithm> algorithm_tag(const TagList& tl) {
  const std::string* a = tl.find("a");
  if (!a) return make_error(Errc::invalid, "missing a=");
  if (*a == "rsa-sha256") return Algorithm::rsa_sha256;
  return make_error(Errc::invalid, "unsupported algorithm a=" + *a);
}

Result<std::string> required(const TagList& tl, const char* name) {
  const std::string* v = tl.find(name);
  if (!v || v->empty()) return make_error(Errc::invalid, std::string("missing ") + name + "=");
  return *v;
}

Result<std::optional<uint64_t>> timestamp_tag(const TagList& tl) {
  const std::string* v = tl.find("t");
  if (!v) return std::optional<uint64_t>();
  std::string s = dkim::strip_whitespace(*v);
  auto n = s.size() <= kMaxTimestampDigits ? parse_u64(s) : std::nullopt;
  if (!n) return make_error(Errc::invalid, "bad number in t=");
  return std::optional<uint64_t>(*n);
}

Result<int> instance_tag(const TagList& tl) {
  const std::string* v = tl.find("i");
  if (!v) return make_error(Errc::invalid, "missing i=");
  return parse_instance(*v);
}

Result<TagList> tags(std::string_view value) {
  auto tl = dkim::parse_tag_list(value);
  if (!tl) return make_error(tl.error().code, "tag list: " + tl.error().message);
  return tl;
}

}  // namespace

const char* chain_status_name(ChainStatus s) {
  switch (s) {
    case ChainStatus::none:
      return "none";
    case ChainStatus::pass:
      return "pass";
    case ChainStatus::fail:
      return "fail";
  }
  return "?";
}

std::optional<FieldKind> field_kind(std::string_view name) {
  if (iequals(name, kAarName)) return FieldKind::aar;
  if (iequals(name, kAmsName)) return FieldKind::ams;
  if (iequals(name, kSealName)) return FieldKind::seal;
  return std::nullopt;
}

Result<int> parse_instance(std::string_view text) {
  std::string_view t = trim(text);
  // RFC 8617 §3.9: position = 1*2DIGIT, in 1..50 (§4.2.1).
  if (t.empty() || t.size() > 2) return make_error(Errc::invalid, "bad instance i=");
  int n = 0;
  for (char c : t) {
    if (c < '0' || c > '9') return make_error(Errc::invalid, "bad instance i=");
    n = n * 10 + (c - '0');
  }
  if (n < 1 || n > kMaxInstance) return make_error(Errc::invalid, "instance i= out of range");
  return n;
}

Result<AuthResults> parse_aar(std::string_view value) {
  if (value.size() > dkim::kMaxTagListLength) return make_error(Errc::limit, "AAR too long");
  // RFC 8617 §3.9 instance = [CFWS] %s"i" [CFWS] "=" [CFWS] position
  std::string_view s = value;
  if (!skip_cfws(s) || !s.starts_with('i'))
    return make_error(Errc::invalid, "AAR must start with i=");
  s.remove_prefix(1);
  if (!skip_cfws(s) || !s.starts_with('='))
    return make_error(Errc::invalid, "AAR must start with i=");
  s.remove_prefix(1);
  if (!skip_cfws(s)) return make_error(Errc::invalid, "bad comment in AAR");
  size_t digits = 0;
  while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9') ++digits;
  auto inst = parse_instance(s.substr(0, digits));
  if (!inst) return inst.take_error();
  s.remove_prefix(digits);
  // arc-info = instance [CFWS] ";" authres-payload (§4.1.1)
  if (!skip_cfws(s) || !s.starts_with(';')) {
    return make_error(Errc::invalid, "AAR: ';' expected after the instance");
  }
  s.remove_prefix(1);
  if (!skip_cfws(s)) return make_error(Errc::invalid, "bad comment in AAR");
  // RFC 8601 §2.2 authserv-id = value (token or quoted-string); we take the
  // run up to the next ';', CFWS or end.
  size_t end = 0;
  while (end < s.size() && s[end] != ';' && s[end] != '(' && !is_fws(s[end])) ++end;
  if (end == 0) return make_error(Errc::invalid, "AAR: missing authserv-id");
  AuthResults out;
  out.instance = *inst;
  out.authserv_id = std::string(s.substr(0, end));
  out.payload = std::string(trim(s));
  return out;
}

Result<MessageSignature> parse_ams(std::string_view value) {
  auto tl = tags(value);
  if (!tl) return tl.take_error();
  MessageSignature m;
  auto inst = instance_tag(*tl);
  if (!inst) return inst.take_error();
  m.instance = *inst;
  auto alg = algorithm_tag(*tl);
  if (!alg) return alg.take_error();
  m.algorithm = *alg;
  auto b = base64_tag(*tl, "b");
  if (!b) return b.take_error();
  m.signature = std::move(*b);
  auto bh = base64_tag(*tl, "bh");
  if (!bh) return bh.take_error();
  m.body_hash = std::move(*bh);
  // RFC 6376 §3.5 c=: header[/body], default simple/simple.
  if (const auto* c = tl->find("c")) {
    auto cz = dkim::parse_canonicalization(*c);
    if (!cz) return cz.take_error();
    m.header_canon = cz->header;
    m.body_canon = cz->body;
  }
  auto d = required(*tl, "d");
  if (!d) return d.take_error();
  m.domain = std::move(*d);
  auto sel = required(*tl, "s");
  if (!sel) return sel.take_error();
  m.selector = std::move(*sel);
  // h= is required (RFC 6376 §3.5) but may be empty for an AMS: ARC does not
  // import DKIM's "From MUST be signed" (RFC 8617 §4.1.2 lists no such rule).
  const std::string* h = tl->find("h");
  if (!h) return make_error(Errc::invalid, "missing h=");
  for (auto& name : dkim::split_colon_list(*h)) {
    if (name.empty()) continue;
    // RFC 8617 §4.1.2 (see the header comment).
    if (iequals(name, kSealName)) return make_error(Errc::invalid, "h= names ARC-Seal");
    m.signed_headers.push_back(std::move(name));
  }
  auto t = timestamp_tag(*tl);
  if (!t) return t.take_error();
  m.timestamp = *t;
  return m;
}

Result<Seal> parse_seal(std::string_view value) {
  auto tl = tags(value);
  if (!tl) return tl.take_error();
  // RFC 8617 §4.1.3: "the DKIM "h" tag is NOT allowed and, if found, MUST
  // result in a cv status of "fail"".
  if (tl->find("h")) return make_error(Errc::invalid, "ARC-Seal carries h=");
  Seal s;
  auto inst = instance_tag(*tl);
  if (!inst) return inst.take_error();
  s.instance = *inst;
  auto alg = algorithm_tag(*tl);
  if (!alg) return alg.take_error();
  s.algorithm = *alg;
  auto b = base64_tag(*tl, "b");
  if (!b) return b.take_error();
  s.signature = std::move(*b);
  // RFC 8617 §3.9 seal-cv-tag, chain-status = "none" / "fail" / "pass".
  const std::string* cv = tl->find("cv");
  if (!cv) return make_error(Errc::invalid, "missing cv=");
  if (*cv == "none") {
    s.cv = ChainStatus::none;
  } else if (*cv == "pass") {
    s.cv = ChainStatus::pass;
  } else if (*cv == "fail") {
    s.cv = ChainStatus::fail;
  } else {
    return make_error(Errc::invalid, "bad cv=" + *cv);
  }
  auto d = required(*tl, "d");
  if (!d) return d.take_error();
  s.domain = std::move(*d);
  auto sel = required(*tl, "s");
  if (!sel) return sel.take_error();
  s.selector = std::move(*sel);
  auto t = timestamp_tag(*tl);
  if (!t) return t.take_error();
  s.timestamp = *t;
  return s;
}

}  // namespace postino::mailauth::arc
