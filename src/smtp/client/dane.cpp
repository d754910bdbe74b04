#include "smtp/client/dane.hpp"

#include "smtp/client/mx.hpp"

namespace postino::smtp::client {

namespace {

// RFC 6698 §2.1.2 selectors and §2.1.3 matching types.
constexpr uint8_t kSelectorCert = 0;
constexpr uint8_t kSelectorSpki = 1;
constexpr uint8_t kMatchFull = 0;
constexpr uint8_t kMatchSha256 = 1;
constexpr uint8_t kMatchSha512 = 2;
constexpr size_t kSha256Size = 32;
constexpr size_t kSha512Size = 64;

}  // namespace

const char* dane_kind_name(DanePolicy::Kind k) {
  switch (k) {
    case DanePolicy::Kind::none:
      return "none";
    case DanePolicy::Kind::verify:
      return "verify";
    case DanePolicy::Kind::encrypt:
      return "encrypt";
    case DanePolicy::Kind::fail:
      return "fail";
  }
  return "none";
}

bool tlsa_usable(const dns::Tlsa& t) {
  // RFC 7672 §3.1.3: PKIX-TA(0) and PKIX-EE(1) are treated as unusable.
  if (t.usage != kUsageDaneTa && t.usage != kUsageDaneEe) return false;
  if (t.selector != kSelectorCert && t.selector != kSelectorSpki) return false;
  switch (t.matching_type) {
    case kMatchFull:
      return !t.data.empty();
    case kMatchSha256:  // RFC 7671 §5: a digest of the wrong length never matches
      return t.data.size() == kSha256Size;
    case kMatchSha512:
      return t.data.size() == kSha512Size;
    default:
      return false;
  }
}

std::string tlsa_query_name(std::string_view host, uint16_t port) {
  return "_" + std::to_string(port) + "._tcp." + std::string(host);
}

DanePolicy dane_policy(const dns::Lookup<dns::Tlsa>& answer, const std::string& base,
                       const std::string& next_hop) {
  DanePolicy p;
  if (!answer) {
    // RFC 7672 §2.1.1/§2.1.2: SERVFAIL, timeouts and bogus answers alike.
    p.kind = DanePolicy::Kind::fail;
    p.error = "TLSA lookup failed: " + answer.error().message;
    return p;
  }
  // §2.2: an insecure answer or a denial of existence -> pre-DANE behaviour.
  if (!answer->secure || answer->records.empty()) return p;
  for (const auto& t : answer->records)
    if (tlsa_usable(t)) p.records.push_back(t);
  if (p.records.empty()) {
    p.kind = DanePolicy::Kind::encrypt;  // §2.2: TLS, authentication not required
    return p;
  }
  p.kind = DanePolicy::Kind::verify;
  p.names.push_back(base);
  if (!next_hop.empty() && next_hop != base) p.names.push_back(next_hop);
  return p;
}

boost::asio::awaitable<void> apply_dane(dns::Resolver& resolver, Route& route, std::string domain,
                                        uint16_t port) {
  if (route.kind != Route::Kind::ok || !route.secure) co_return;
  for (auto& host : route.hosts) {
    // §2.2.2: no TLSA look-up unless the host's address records are secure;
    // §2.2: address literals are not subject to DANE.
    if (host.name.empty() || !host.secure) continue;
    std::string name = tlsa_query_name(host.name, port);
    auto answer = co_await resolver.tlsa(name);
    // §3.2.2: the next-hop domain is a second reference identifier when the
    // host came from a secure MX look-up.
    host.dane = dane_policy(answer, host.name, route.from_mx ? domain : std::string());
    host.dane.tlsa_name = name;
  }
}

}  // namespace postino::smtp::client
