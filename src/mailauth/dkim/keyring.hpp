// KeyRing: the DKIM signing keys of the local domains, and the operator side
// of them (making keys, the key records to publish).
//
// Keys live in data_dir/dkim/<domain>/<selector>.{rsa,ed25519}.pem (PEM,
// PKCS#8, mode 0600; the directories 0700), one selector pair per domain: an
// RSA-2048 key and an Ed25519 key, since RFC 8463 §3 recommends signing with
// both until Ed25519 verifiers are common. Selectors are "<base>r" (RSA) and
// "<base>e" (Ed25519), the base being the UTC year and month the keys were
// made ("202611r", "202611e"); a rotation adds a newer pair beside the old one
// (the old records can stay published while mail signed with them is in
// flight), and the highest selector of each algorithm is the one used.
//
// sign() chooses the keys by the RFC5322.From domain (RFC 6376 §5 leaves the
// choice to the signer; DMARC alignment, RFC 9989 §4.4.1, wants d= to be that
// domain or, in relaxed mode, a parent of it): the From domain's own keys, else
// the nearest parent domain that has keys.
//
// Ownership: a KeyRing owns its loaded keys (shared between copies).
// Thread rules: load()/create_domain_keys()/published_keys() touch the disk and
// are for start-up and the CLI. A loaded KeyRing is immutable: sign() and
// has_domain() may be called from any number of threads at once.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "mailauth/dkim/crypto.hpp"

namespace postino::mailauth::dkim {

inline constexpr std::string_view kKeyDir = "dkim";  // under data_dir
inline constexpr int kRsaKeyBits = 2048;             // RFC 8301 §3.2: 1024 minimum, 2048 advised
inline constexpr size_t kMaxKeyFileBytes = 64 * 1024;

class KeyRing {
 public:
  // Reads every domain's keys under data_dir/dkim. A data_dir without keys
  // gives an empty ring. Errors: an unreadable or unusable key file (named).
  static Result<KeyRing> load(const std::string& data_dir);

  // DKIM-Signature header fields (CRLF-terminated; RSA, then Ed25519) to
  // prepend to `message`, for the RFC5322.From domain or its nearest parent
  // domain with keys; "" when no domain has keys. Relaxed/relaxed, the default
  // header list with oversigning (sign.hpp), t= the current time.
  // Errors: signing failed (e.g. a message without From).
  Result<std::string> sign(std::string_view message) const;

  // The same, with the keys of `domain` (d=domain) whatever the From field
  // says; "" when `domain` has no keys. For `postino dkim sign --domain`.
  Result<std::string> sign_as(std::string_view message, std::string_view domain) const;

  bool has_domain(std::string_view domain) const;
  std::vector<std::string> domains() const;

 private:
  struct Key {
    std::string selector;
    std::shared_ptr<const PrivateKey> key;
  };
  struct DomainKeys {
    std::vector<Key> keys;  // RSA first, then Ed25519
  };
  const DomainKeys* find(std::string_view domain) const;
  Result<std::string> sign_with(std::string_view message, const std::string& domain,
                                const DomainKeys& keys) const;

  std::map<std::string, DomainKeys, std::less<>> domains_;
};

// Makes data_dir/dkim/<domain>/ with an RSA-2048 and an Ed25519 key (OpenSSL
// EVP) unless the domain already has keys of that algorithm. `selector` is the
// base name (letters, digits, '-'; default: the current UTC "YYYYMM"); the keys
// get "<base>r" and "<base>e". Files are written to a temporary name with mode
// 0600 and renamed into place, so a crash leaves no half-written key.
Status create_domain_keys(const std::string& data_dir, const std::string& domain,
                          std::string selector = "");

struct PublishedKey {
  std::string selector;
  std::string algorithm;  // "rsa" | "ed25519"
  std::string txt;        // "v=DKIM1; k=rsa; p=..." (RFC 6376 §3.6.1, RFC 8463 §4)
};

// The key records to publish at <selector>._domainkey.<domain>, for every key
// file of the domain (sorted by selector). Errors: not_found when the domain
// has no keys.
Result<std::vector<PublishedKey>> published_keys(const std::string& data_dir,
                                                 const std::string& domain);

}  // namespace postino::mailauth::dkim
