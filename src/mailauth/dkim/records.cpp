#include "mailauth/dkim/records.hpp"

#include "base/strings.hpp"
#include "mailauth/dkim/tag_list.hpp"

namespace postino::mailauth::dkim {
namespace {

constexpr size_t kBPrefixLength = 8;  // RFC 6008 §4: header.b needs at least 8 chars
constexpr uint64_t kMaxDigits = 16;   // t=, x=, l= are "1*12DIGIT"; allow a little slack

Result<std::string> b64(const std::string* v, const char* tag) {
  if (!v) return make_error(Errc::invalid, std::string("missing ") + tag + "=");
  auto d = base64_decode(strip_whitespace(*v));
  if (!d) return make_error(Errc::invalid, std::string("bad base64 in ") + tag + "=");
  return *d;
}

Result<std::optional<uint64_t>> number(const std::string* v, const char* tag) {
  if (!v) return std::optional<uint64_t>();
  std::string s = strip_whitespace(*v);
  auto n = s.size() <= kMaxDigits ? parse_u64(s) : std::nullopt;
  if (!n) return make_error(Errc::invalid, std::string("bad number in ") + tag + "=");
  return std::optional<uint64_t>(*n);
}

bool is_subdomain_or_same(std::string_view sub, std::string_view dom) {
  if (iequals(sub, dom)) return true;
  return sub.size() > dom.size() && sub[sub.size() - dom.size() - 1] == '.' &&
         iequals(sub.substr(sub.size() - dom.size()), dom);
}

}  // namespace

const char* algorithm_name(Algorithm a) {
  switch (a) {
    case Algorithm::rsa_sha1:
      return "rsa-sha1";
    case Algorithm::rsa_sha256:
      return "rsa-sha256";
    case Algorithm::ed25519_sha256:
      return "ed25519-sha256";
  }
  return "?";
}

Result<std::string> decode_dkim_qp(std::string_view v) {
  std::string out;
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  for (size_t i = 0; i < v.size(); ++i) {
    char c = v[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;  // FWS is ignored
    if (c != '=') {
      out += c;
      continue;
    }
    if (i + 2 >= v.size()) return make_error(Errc::invalid, "bad qp");
    int h = hex(v[i + 1]), l = hex(v[i + 2]);
    if (h < 0 || l < 0) return make_error(Errc::invalid, "bad qp escape");
    out += char(h * 16 + l);
    i += 2;
  }
  return out;
}

Result<Canonicalization> parse_canonicalization(std::string_view value) {
  auto slash = value.find('/');
  std::string_view hc = value.substr(0, slash);
  std::string_view bc = slash == std::string_view::npos ? "simple" : value.substr(slash + 1);
  auto canon = [](std::string_view n) -> std::optional<Canon> {
    if (n == "simple") return Canon::simple;
    if (n == "relaxed") return Canon::relaxed;
    return std::nullopt;
  };
  auto h = canon(hc), b = canon(bc);
  if (!h || !b)
    return make_error(Errc::invalid, "unsupported canonicalization c=" + std::string(value));
  return Canonicalization{*h, *b};
}

Result<Signature> parse_signature(std::string_view value, const SignatureOptions& opt) {
  auto tl = parse_tag_list(value);
  if (!tl) return tl.take_error();
  Signature s;
  // RFC 6376 §3.5 v=: "1" is the only version; required.
  if (const auto* v = tl->find("v")) {
    bool draft = opt.accept_draft_signatures && *v == "0.5";  // draft-ietf-dkim-base-05
    if (*v != "1" && !draft) return make_error(Errc::invalid, "unsupported version v=" + *v);
  } else if (!opt.accept_draft_signatures) {
    return make_error(Errc::invalid, "missing v=");
  }
  const auto* a = tl->find("a");
  if (!a) return make_error(Errc::invalid, "missing a=");
  std::string alg = to_lower(*a);
  if (alg == "rsa-sha256") {
    s.algorithm = Algorithm::rsa_sha256;
  } else if (alg == "rsa-sha1") {
    s.algorithm = Algorithm::rsa_sha1;
  } else if (alg == "ed25519-sha256") {  // RFC 8463 §3
    s.algorithm = Algorithm::ed25519_sha256;
  } else {
    return make_error(Errc::invalid, "unsupported algorithm a=" + *a);
  }
  auto b = b64(tl->find("b"), "b");
  if (!b) return b.take_error();
  s.signature = std::move(*b);
  if (s.signature.empty()) return make_error(Errc::invalid, "empty b=");
  s.b_prefix = strip_whitespace(*tl->find("b")).substr(0, kBPrefixLength);
  auto bh = b64(tl->find("bh"), "bh");
  if (!bh) return bh.take_error();
  s.body_hash = std::move(*bh);
  // RFC 6376 §3.5 c=: header[/body], default simple/simple.
  if (const auto* c = tl->find("c")) {
    auto cz = parse_canonicalization(to_lower(*c));
    if (!cz) return cz.take_error();
    s.header_canon = cz->header;
    s.body_canon = cz->body;
  }
  const auto* d = tl->find("d");
  if (!d || d->empty()) return make_error(Errc::invalid, "missing d=");
  s.domain = *d;
  const auto* sel = tl->find("s");
  if (!sel || sel->empty()) return make_error(Errc::invalid, "missing s=");
  s.selector = *sel;
  const auto* h = tl->find("h");
  if (!h) return make_error(Errc::invalid, "missing h=");
  s.signed_headers = split_colon_list(*h);
  for (const auto& name : s.signed_headers) {
    if (name.empty()) return make_error(Errc::invalid, "empty name in h=");
  }
  // RFC 6376 §3.5 q=: "dns/txt" is the only method.
  if (const auto* q = tl->find("q")) {
    bool ok = false;
    for (const auto& m : split_colon_list(*q)) {
      std::string lm = to_lower(m);
      ok = ok || lm == "dns/txt" || (opt.accept_draft_signatures && lm == "dns");
    }
    if (!ok) return make_error(Errc::invalid, "unsupported query method q=" + *q);
  }
  if (const auto* i = tl->find("i")) {
    auto id = decode_dkim_qp(*i);
    if (!id) return make_error(Errc::invalid, "bad i=");
    s.identity = std::move(*id);
    auto at = s.identity.rfind('@');
    // RFC 6376 §3.5 i=: the domain MUST be d= or a subdomain of it.
    if (at == std::string::npos || !is_subdomain_or_same(s.identity.substr(at + 1), s.domain)) {
      return make_error(Errc::invalid, "i= is not within d=");
    }
  } else {
    s.identity = "@" + s.domain;
  }
  auto l = number(tl->find("l"), "l");
  auto t = number(tl->find("t"), "t");
  auto x = number(tl->find("x"), "x");
  if (!l) return l.take_error();
  if (!t) return t.take_error();
  if (!x) return x.take_error();
  s.body_length = *l;
  s.timestamp = *t;
  s.expiration = *x;
  // RFC 6376 §3.5 x=: MUST be greater than t= when both are present.
  if (s.timestamp && s.expiration && *s.expiration < *s.timestamp) {
    return make_error(Errc::invalid, "x= before t=");
  }
  return s;
}

Result<KeyRecord> parse_key_record(std::string_view txt) {
  auto tl = parse_tag_list(txt);
  if (!tl) return tl.take_error();
  KeyRecord k;
  // RFC 6376 §3.6.1 v=: if present, "DKIM1" and the first tag.
  if (const auto* v = tl->find("v")) {
    if (*v != "DKIM1" || tl->tags.front().name != "v") {
      return make_error(Errc::invalid, "bad key version");
    }
  }
  if (const auto* kt = tl->find("k")) {
    if (*kt == "rsa") {
      k.type = KeyType::rsa;
    } else if (*kt == "ed25519") {  // RFC 8463 §4
      k.type = KeyType::ed25519;
    } else {
      return make_error(Errc::invalid, "unsupported key type k=" + *kt);
    }
  }
  const auto* p = tl->find("p");
  if (!p) return make_error(Errc::invalid, "missing p=");
  auto pk = base64_decode(strip_whitespace(*p));
  if (!pk) return make_error(Errc::invalid, "bad base64 in p=");
  k.public_key = std::move(*pk);
  if (const auto* h = tl->find("h")) k.hashes = split_colon_list(*h);
  if (const auto* s = tl->find("s")) {
    k.services = split_colon_list(*s);
  } else {
    k.services = {"*"};
  }
  if (const auto* t = tl->find("t")) {
    for (const auto& flag : split_colon_list(*t)) {
      if (flag == "y") k.testing = true;
      if (flag == "s") k.strict_identity = true;
    }
  }
  if (const auto* g = tl->find("g")) k.granularity = *g;
  return k;
}

}  // namespace postino::mailauth::dkim
