// dns::Resolver: the asynchronous DNS look-up interface that mail authentication
// (SPF, DKIM, DMARC) and the outbound queue use. It is an interface so that the
// environment is injected (DESIGN.md "Style"): unit tests use StaticResolver
// (static_resolver.hpp); the server uses a network implementation.
//
// Every look-up is a coroutine returning Lookup<T> = Result<Answer<T>>:
//  - a value with rcode ok and at least one record: the records;
//  - a value with rcode nxdomain (RFC 1035 §4.1.1 RCODE 3) or nodata (the name
//    exists but has no record of that type; RFC 2308 §2.2): no records. Both
//    count as a "void" look-up for SPF (RFC 7208 §4.6.4);
//  - an Error with Errc::unavailable: a temporary failure (timeout, SERVFAIL);
//  - an Error with Errc::invalid: the query name is malformed (empty label,
//    label over 63 octets, name over 253 octets; RFC 1035 §2.3.4).
// Names are given without the trailing dot and compared case-insensitively.
// TXT records are returned with their character-strings concatenated without
// separators (RFC 7208 §3.3, RFC 6376 §3.6.2.2).
// Answer::secure is true only when the answer was DNSSEC-validated (RFC 4035
// §4.3 "Secure"); DANE (RFC 7672 §2.2) uses TLSA records only from a secure
// answer. Implementations that do not validate leave it false.
// Ownership: callers own the names they pass; answers are plain values.
// Thread rules: an implementation must allow concurrent look-ups from several
// coroutines; answers resume on the caller's executor.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace postino::dns {

namespace asio = boost::asio;
using IpAddress = asio::ip::address;
using Ip4 = asio::ip::address_v4;
using Ip6 = asio::ip::address_v6;

// RFC 1035 §2.3.4 size limits.
inline constexpr size_t kMaxLabelLength = 63;
inline constexpr size_t kMaxNameLength = 253;  // presentation form, no trailing dot

enum class Rcode {
  ok,        // records follow
  nxdomain,  // the name does not exist
  nodata,    // the name exists, but has no record of the asked type
};

const char* rcode_name(Rcode r);

template <class T>
struct Answer {
  Rcode rcode = Rcode::ok;
  std::vector<T> records;
  bool secure = false;  // DNSSEC-validated (RFC 4035 §4.3)

  bool empty() const { return records.empty(); }
};

template <class T>
using Lookup = Result<Answer<T>>;

struct Mx {
  uint16_t preference = 0;
  std::string exchange;  // host name, no trailing dot; "" for a null MX (RFC 7505)
};

// A TLSA record (RFC 6698 §2.1), looked up at "_PORT._tcp.HOST" (RFC 6698 §3).
struct Tlsa {
  uint8_t usage = 0;          // RFC 6698 §2.1.1 (RFC 7218 names: 2 DANE-TA, 3 DANE-EE)
  uint8_t selector = 0;       // RFC 6698 §2.1.2: 0 full certificate, 1 SubjectPublicKeyInfo
  uint8_t matching_type = 0;  // RFC 6698 §2.1.3: 0 exact, 1 SHA-256, 2 SHA-512
  std::string data;           // certificate association data, raw octets (not hex)

  bool operator==(const Tlsa&) const = default;
};

class Resolver {
 public:
  virtual ~Resolver() = default;

  virtual asio::awaitable<Lookup<std::string>> txt(std::string name) = 0;
  virtual asio::awaitable<Lookup<Ip4>> a(std::string name) = 0;
  virtual asio::awaitable<Lookup<Ip6>> aaaa(std::string name) = 0;
  virtual asio::awaitable<Lookup<Mx>> mx(std::string name) = 0;
  // PTR look-up of a name, usually reverse_name(addr).
  virtual asio::awaitable<Lookup<std::string>> ptr(std::string name) = 0;
  // TLSA look-up for DANE (RFC 7672 §2.2); check Answer::secure before use.
  virtual asio::awaitable<Lookup<Tlsa>> tlsa(std::string name) = 0;
};

// "4.3.2.1.in-addr.arpa" / nibble form under "ip6.arpa" (RFC 1035 §3.5, RFC 3596 §2.5).
std::string reverse_name(const IpAddress& addr);

// Lower-cases and strips one trailing dot; does not validate.
std::string normalize_name(std::string_view name);

// True if `name` is a syntactically usable query name: non-empty labels of at most
// 63 octets, at most 253 octets overall (a single trailing dot is allowed).
bool valid_query_name(std::string_view name);

}  // namespace postino::dns
