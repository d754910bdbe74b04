#include "mailauth/dkim/verify.hpp"

#include "base/strings.hpp"
#include "mailauth/dkim/canon.hpp"
#include "mailauth/dkim/crypto.hpp"

namespace postino::mailauth::dkim {
namespace {

namespace asio = boost::asio;

constexpr std::string_view kSignatureHeader = "DKIM-Signature";

// RFC 4871 §3.6.1 g=: "*" wildcard against the local-part of i=.
// An empty g= matches nothing.
bool granularity_matches(std::string_view g, std::string_view local) {
  if (g.empty()) return false;
  auto star = g.find('*');
  if (star == std::string_view::npos) return g == local;
  std::string_view pre = g.substr(0, star), post = g.substr(star + 1);
  return local.size() >= pre.size() + post.size() && local.starts_with(pre) &&
         local.ends_with(post);
}

SignatureResult result_with(SignatureResult r, DkimResult res, std::string reason) {
  r.result = res;
  r.reason = std::move(reason);
  return r;
}

asio::awaitable<SignatureResult> verify_one(dns::Resolver& resolver, const SplitMessage& msg,
                                            const HeaderField& field, const VerifyOptions& opt) {
  SignatureResult r;
  auto colon = field.raw.find(':');
  auto sig = parse_signature(std::string_view(field.raw).substr(colon + 1), opt.parse);
  if (!sig) co_return result_with(r, DkimResult::permerror, sig.error().message);
  r.domain = sig->domain;
  r.selector = sig->selector;
  r.identity = sig->identity;
  r.algorithm = algorithm_name(sig->algorithm);
  r.b_prefix = sig->b_prefix;
  r.body_length = sig->body_length;
  // RFC 6376 §5.4: From MUST be signed.
  bool from_signed = false;
  for (const auto& h : sig->signed_headers) from_signed = from_signed || iequals(h, "from");
  if (!from_signed) co_return result_with(r, DkimResult::permerror, "From is not signed");
  // RFC 6376 §6.1.1 x=
  if (opt.now > 0 && sig->expiration && *sig->expiration < uint64_t(opt.now)) {
    co_return result_with(r, DkimResult::permerror, "signature expired");
  }
  // RFC 8301 §3.1
  if (sig->algorithm == Algorithm::rsa_sha1 && !opt.allow_rsa_sha1) {
    co_return result_with(r, DkimResult::policy, "rsa-sha1 is not accepted (RFC 8301)");
  }
  // RFC 6376 §6.1.2: the key.
  std::string qname = sig->selector + "._domainkey." + sig->domain;
  if (!dns::valid_query_name(qname))
    co_return result_with(r, DkimResult::permerror, "bad key name");
  auto txt = co_await resolver.txt(qname);
  if (!txt) {
    if (txt.error().code == Errc::unavailable) {
      co_return result_with(r, DkimResult::temperror, "key look-up failed: " + txt.error().message);
    }
    co_return result_with(r, DkimResult::permerror, "bad key name");
  }
  if (txt->empty()) co_return result_with(r, DkimResult::permerror, "no key for signature");
  auto key = parse_key_record(txt->records.front());
  if (!key) co_return result_with(r, DkimResult::permerror, "key syntax: " + key.error().message);
  r.testing = key->testing;
  if (key->public_key.empty()) co_return result_with(r, DkimResult::permerror, "key revoked");
  bool ed = sig->algorithm == Algorithm::ed25519_sha256;
  if ((key->type == KeyType::ed25519) != ed) {
    co_return result_with(r, DkimResult::permerror, "key type does not match a=");
  }
  if (!key->hashes.empty()) {
    std::string want = sig->algorithm == Algorithm::rsa_sha1 ? "sha1" : "sha256";
    bool ok = false;
    for (const auto& h : key->hashes) ok = ok || h == want;
    if (!ok) co_return result_with(r, DkimResult::permerror, "hash not allowed by key h=");
  }
  bool service_ok = false;
  for (const auto& s : key->services) service_ok = service_ok || s == "*" || s == "email";
  if (!service_ok) co_return result_with(r, DkimResult::permerror, "key not for email (s=)");
  auto at = sig->identity.rfind('@');
  std::string id_domain = sig->identity.substr(at + 1);
  if (key->strict_identity && !iequals(id_domain, sig->domain)) {
    co_return result_with(r, DkimResult::permerror, "key t=s requires i= domain == d=");
  }
  if (key->granularity && !granularity_matches(*key->granularity, sig->identity.substr(0, at))) {
    co_return result_with(r, DkimResult::permerror, "key g= does not match i=");
  }
  if (auto st = check_public_key(sig->algorithm, key->public_key); !st) {
    co_return result_with(r, DkimResult::permerror, "key: " + st.error().message);
  }
  // RFC 6376 §6.1.3: body hash.
  std::string body = canon_body(msg.body, sig->body_canon);
  if (sig->body_length) {
    if (*sig->body_length > body.size()) {
      co_return result_with(r, DkimResult::fail, "l= is longer than the body");
    }
    r.unsigned_body_bytes = body.size() - *sig->body_length;
    body.resize(*sig->body_length);
  }
  if (digest(sig->algorithm, body) != sig->body_hash) {
    co_return result_with(r, DkimResult::fail, "body hash did not verify");
  }
  std::string data;
  for (const HeaderField* h : select_headers(msg.headers, sig->signed_headers)) {
    data += canon_header(*h, sig->header_canon);
  }
  std::string self =
      canon_header(HeaderField{field.name, blank_b_tag(field.raw)}, sig->header_canon);
  if (self.ends_with("\r\n")) self.resize(self.size() - 2);  // RFC 6376 §3.7: no trailing CRLF
  data += self;
  auto v = verify_signature(sig->algorithm, key->public_key, data, sig->signature);
  if (!v) {
    if (v.error().code == Errc::auth) {
      co_return result_with(r, DkimResult::fail, "signature did not verify");
    }
    co_return result_with(r, DkimResult::permerror, "key: " + v.error().message);
  }
  if (!ed && *v < opt.min_rsa_bits) {
    co_return result_with(r, DkimResult::policy,
                          "RSA key of " + std::to_string(*v) + " bits is too short (RFC 8301)");
  }
  r.result = DkimResult::pass;
  co_return r;
}

}  // namespace

const char* result_name(DkimResult r) {
  switch (r) {
    case DkimResult::none:
      return "none";
    case DkimResult::pass:
      return "pass";
    case DkimResult::fail:
      return "fail";
    case DkimResult::policy:
      return "policy";
    case DkimResult::neutral:
      return "neutral";
    case DkimResult::temperror:
      return "temperror";
    case DkimResult::permerror:
      return "permerror";
  }
  return "?";
}

asio::awaitable<std::vector<SignatureResult>> verify(dns::Resolver& resolver,
                                                     std::string_view message, VerifyOptions opt) {
  SplitMessage msg = split_message(message);
  std::vector<SignatureResult> out;
  for (const auto& h : msg.headers) {
    if (!iequals(h.name, kSignatureHeader)) continue;
    if (out.size() >= kMaxSignatures) break;
    out.push_back(co_await verify_one(resolver, msg, h, opt));
  }
  co_return out;
}

}  // namespace postino::mailauth::dkim
