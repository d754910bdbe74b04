// dns::UnboundResolver: the network Resolver, on libunbound (NLnet Labs). It
// either forwards every query to the configured servers ([dns] servers, e.g. a
// local validating resolver, or nsd in tests) or, with no servers configured,
// uses the name servers of /etc/resolv.conf and the names in /etc/hosts.
// libunbound does the DNS work postino should not write itself: retries over
// UDP and TCP, truncation, CNAME chasing, caching, and DNSSEC validation
// (RFC 4033-4035), which DANE needs (RFC 7672 §2.2).
//
// How a look-up runs: ub_resolve_async() hands the query to libunbound's own
// worker thread; its answer pipe (ub_fd) is watched by an asio
// posix::stream_descriptor on a strand, and ub_process() runs there when it is
// readable, which calls back with the answer. The answer is posted to the
// executor of the coroutine that asked, which resumes there. Each look-up has
// its own deadline (Options::timeout); when it passes, the query is cancelled
// and the look-up fails with Errc::unavailable, like SERVFAIL and network errors
// (resolver.hpp states the contract).
//
// DNSSEC: with Options::dnssec and a readable trust anchor file, answers are
// validated (RFC 4035 §5) and Answer::secure is set for validated ones; a bogus
// answer is Errc::unavailable. By default this applies only when postino uses
// the resolv.conf servers or recurses itself, not with [dns] servers:
// forwarders such as an authoritative-only nsd do not return the DS/DNSKEY
// chain, so libunbound would call every answer bogus (tested). Options::
// validate_forwarded turns it on for forwarders that are DNSSEC-aware
// recursive resolvers. Options::trust_anchors ([dns] trust_anchors: DS or
// DNSKEY records in presentation form, RFC 4034 §2.2/§5.3) replace the root
// key file, with or without servers: names below an anchor validate (a signed
// zone served by nsd is "secure"), names under no anchor are "insecure"
// (RFC 4035 §4.3), which is not an error.
//
// With forwarders, the special-use names libunbound would answer itself
// ("test.", RFC 6761 §6.2; documentation and loopback reverse zones) are
// forwarded too, so test zones on a local nsd resolve.
//
// Ownership: the resolver owns the libunbound context. Destroying it fails
// every look-up still outstanding with Errc::unavailable ("resolver shut
// down"), posted to its caller's executor. Destroy it before the io_context
// whose executor it was given (like every I/O object).
// Thread rules: look-ups may be started from any thread, concurrently; the
// object itself is created and destroyed by one thread.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "config/config.hpp"
#include "dns/resolver.hpp"

namespace postino::dns {

// Debian's dns-root-data package: the root zone KSK as DS/DNSKEY records.
inline constexpr const char* kRootTrustAnchor = "/usr/share/dns/root.key";
inline constexpr std::chrono::seconds kDefaultTimeout{10};

class UnboundResolver final : public Resolver {
 public:
  struct Options {
    std::vector<config::Endpoint> servers;  // empty: /etc/resolv.conf and /etc/hosts
    bool dnssec = true;                     // validate (only when servers is empty...)
    bool validate_forwarded = false;        // ...or this is set: the servers must be
                                            // DNSSEC-aware recursive resolvers
    std::string trust_anchor = kRootTrustAnchor;
    std::vector<std::string> trust_anchors;  // set: exactly these anchors (file not used)
    std::chrono::milliseconds timeout = kDefaultTimeout;
    std::string resolv_conf = "/etc/resolv.conf";
    std::string hosts = "/etc/hosts";
  };

  // `ex` runs the answer-pipe watcher and the deadline timers.
  static Result<std::unique_ptr<UnboundResolver>> create(const Options& opts,
                                                         asio::any_io_executor ex);
  ~UnboundResolver() override;
  UnboundResolver(const UnboundResolver&) = delete;
  UnboundResolver& operator=(const UnboundResolver&) = delete;

  asio::awaitable<Lookup<std::string>> txt(std::string name) override;
  asio::awaitable<Lookup<Ip4>> a(std::string name) override;
  asio::awaitable<Lookup<Ip6>> aaaa(std::string name) override;
  asio::awaitable<Lookup<Mx>> mx(std::string name) override;
  asio::awaitable<Lookup<std::string>> ptr(std::string name) override;
  asio::awaitable<Lookup<Tlsa>> tlsa(std::string name) override;

  // True if answers are DNSSEC-validated (a trust anchor was loaded).
  bool validating() const;

  struct Core;  // shared with in-flight callbacks; defined in the .cpp

 private:
  explicit UnboundResolver(std::shared_ptr<Core> core);
  template <class T, class Decode>
  asio::awaitable<Lookup<T>> query(std::string name, int rrtype, Decode decode);

  std::shared_ptr<Core> core_;
};

// The server's resolver from [dns]: an UnboundResolver.
Result<std::unique_ptr<Resolver>> make_resolver(const config::Config::Dns& cfg,
                                                asio::any_io_executor ex);

}  // namespace postino::dns
