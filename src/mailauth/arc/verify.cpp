#include "mailauth/arc/verify.hpp"

#include <map>
#include <optional>

#include "base/strings.hpp"
#include "mailauth/arc/chain.hpp"
#include "mailauth/arc/headers.hpp"
#include "mailauth/dkim/canon.hpp"
#include "mailauth/dkim/crypto.hpp"
#include "mailauth/dkim/records.hpp"

namespace postino::mailauth::arc {
namespace {

namespace asio = boost::asio;
using dkim::Algorithm;

// Body hashes (rsa-sha256) by canonicalization, computed once per verify()
// call: every AMS of a chain hashes the same body.
struct BodyHashes {
  std::optional<std::string> simple, relaxed;

  const std::string& get(const std::string& body, dkim::Canon c) {
    auto& slot = c == dkim::Canon::simple ? simple : relaxed;
    if (!slot) slot = dkim::digest(Algorithm::rsa_sha256, dkim::canon_body(body, c));
    return *slot;
  }
};

// Keys fetched during one verify() call, by query name, so that a chain
// sealed by one ADMD costs one look-up per selector.
using KeyCache = std::map<std::string, Result<std::string>>;

Outcome failed(int n, std::string reason) {
  Outcome o;
  o.result = ArcResult::fail;
  o.chain_length = n;
  o.reason = std::move(reason);
  return o;
}

// RFC 6376 §6.1.2 key retrieval, as RFC 8617 §5.2 imports it. Any failure is
// permanent for ARC (§5.2.1).
asio::awaitable<Result<std::string>> fetch_key(dns::Resolver& resolver, KeyCache& cache,
                                               const std::string& selector,
                                               const std::string& domain) {
  std::string qname = selector + "._domainkey." + domain;
  if (!dns::valid_query_name(qname)) {
    co_return Result<std::string>(make_error(Errc::invalid, "bad key name from s= and d="));
  }
  std::string key_name = dns::normalize_name(qname);
  if (auto it = cache.find(key_name); it != cache.end()) co_return it->second;
  auto txt = co_await resolver.txt(qname);
  Result<std::string> out = std::string();
  if (!txt) {
    out = make_error(txt.error().code,
                     "key look-up for " + qname + " failed: " + txt.error().message);
  } else if (txt->empty()) {
    out = make_error(Errc::not_found, "no key at " + qname);
  } else {
    auto rec = dkim::parse_key_record(txt->records.front());
    if (!rec) {
      out = make_error(Errc::invalid, "key syntax at " + qname + ": " + rec.error().message);
    } else if (rec->public_key.empty()) {
      out = make_error(Errc::invalid, "key at " + qname + " is revoked");
    } else if (rec->type != dkim::KeyType::rsa) {
      out = make_error(Errc::invalid, "key at " + qname + " is not an RSA key");
    } else {
      bool hash_ok = rec->hashes.empty();
      for (const auto& h : rec->hashes) hash_ok = hash_ok || h == "sha256";
      bool service_ok = false;
      for (const auto& s : rec->services) service_ok = service_ok || s == "*" || s == "email";
      if (!hash_ok) {
        out = make_error(Errc::invalid, "key at " + qname + " does not allow sha256 (h=)");
      } else if (!service_ok) {
        out = make_error(Errc::invalid, "key at " + qname + " is not for email (s=)");
      } else {
        out = std::move(rec->public_key);
      }
    }
  }
  cache.emplace(key_name, out);
  co_return out;
}

// Checks `sig` over `data` with the key at selector/domain.
asio::awaitable<Status> check_signature(dns::Resolver& resolver, KeyCache& cache,
                                        const VerifyOptions& opt, Algorithm alg,
                                        const std::string& selector, const std::string& domain,
                                        const std::string& data, const std::string& sig) {
  auto key = co_await fetch_key(resolver, cache, selector, domain);
  if (!key) co_return Status(key.take_error());
  auto bits = dkim::verify_signature(alg, *key, data, sig);
  if (!bits) {
    if (bits.error().code == Errc::auth) {
      co_return Status(make_error(Errc::auth, "signature did not verify"));
    }
    co_return Status(make_error(Errc::invalid, "key: " + bits.error().message));
  }
  // RFC 8301 §3.2
  if (*bits < opt.min_rsa_bits) {
    co_return Status(make_error(
        Errc::invalid, "RSA key of " + std::to_string(*bits) + " bits is too short (RFC 8301)"));
  }
  co_return Status();
}

// §5.2 step 4/5: one ARC-Message-Signature, as a DKIM signature (RFC 6376 §6.1.3).
asio::awaitable<Status> check_ams(dns::Resolver& resolver, KeyCache& cache,
                                  const VerifyOptions& opt, const dkim::SplitMessage& msg,
                                  BodyHashes& body_hashes, const ArcSet& set) {
  const MessageSignature& ams = set.ams;
  if (body_hashes.get(msg.body, ams.body_canon) != ams.body_hash) {
    co_return Status(make_error(Errc::auth, "body hash did not verify"));
  }
  std::string data = ams_hash_input(msg, *set.ams_field, ams);
  auto st = co_await check_signature(resolver, cache, opt, ams.algorithm, ams.selector, ams.domain,
                                     data, ams.signature);
  co_return st;
}

}  // namespace

const char* result_name(ArcResult r) {
  switch (r) {
    case ArcResult::none:
      return "none";
    case ArcResult::pass:
      return "pass";
    case ArcResult::fail:
      return "fail";
  }
  return "?";
}

asio::awaitable<Outcome> verify(dns::Resolver& resolver, std::string_view message,
                                VerifyOptions opt) {
  dkim::SplitMessage msg = dkim::split_message(message);
  // §5.2 step 1-3: collect the sets and check their structure.
  Chain chain;
  if (auto st = collect_chain(msg.headers, chain); !st) {
    co_return failed(chain.highest, st.error().message);
  }
  if (chain.sets.empty()) co_return Outcome{};
  const int n = int(chain.sets.size());
  KeyCache cache;
  BodyHashes body_hashes;
  // Step 4: the most recent AMS.
  const ArcSet& newest = chain.sets.back();
  if (auto st = co_await check_ams(resolver, cache, opt, msg, body_hashes, newest); !st) {
    co_return failed(n, "AMS i=" + std::to_string(n) + ": " + st.error().message);
  }
  // Step 5 (optional): oldest-pass.
  int oldest_pass = 0;
  if (opt.find_oldest_pass) {
    for (int m = n - 1; m >= 1; --m) {
      auto st =
          co_await check_ams(resolver, cache, opt, msg, body_hashes, chain.sets[size_t(m - 1)]);
      if (!st) {
        oldest_pass = m + 1;
        break;
      }
    }
  }
  // Step 6: every AS, newest first.
  for (int i = n; i >= 1; --i) {
    const Seal& seal = chain.sets[size_t(i - 1)].seal;
    std::string data = seal_hash_input(seal_fields(chain, size_t(i)));
    auto st = co_await check_signature(resolver, cache, opt, seal.algorithm, seal.selector,
                                       seal.domain, data, seal.signature);
    if (!st) co_return failed(n, "AS i=" + std::to_string(i) + ": " + st.error().message);
  }
  // Step 7.
  Outcome out;
  out.result = ArcResult::pass;
  out.chain_length = n;
  out.oldest_pass = oldest_pass;
  co_return out;
}

}  // namespace postino::mailauth::arc
