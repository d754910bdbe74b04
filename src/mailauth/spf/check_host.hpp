// SPF evaluation (RFC 7208 §4): check_host() over a dns::Resolver, with the
// limits of §4.6.4 (10 DNS-querying terms, 2 void look-ups, 10 names per MX or
// PTR), include/redirect recursion and the explanation (§6.2).
// Entry points: check_mail_from() for the MAIL FROM identity (falls back to
// postmaster@HELO for the null sender, §2.4) and check_helo() (§2.3).
// Ownership: the Resolver is borrowed for the duration of the call.
// Thread rules: each call is an independent coroutine; no shared state.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <string>

#include "dns/resolver.hpp"

namespace postino::mailauth::spf {

// RFC 7208 §2.6
enum class SpfResult { none, neutral, pass, fail, softfail, temperror, permerror };

const char* result_name(SpfResult r);

// RFC 7208 §4.6.4
inline constexpr int kMaxDnsTerms = 10;
inline constexpr int kMaxVoidLookups = 2;
inline constexpr size_t kMaxMxNames = 10;
inline constexpr size_t kMaxPtrNames = 10;

struct Request {
  dns::IpAddress ip;                 // the SMTP client
  std::string helo;                  // HELO/EHLO argument
  std::string mail_from;             // reverse-path without <>; "" for the null sender
  std::string receiver = "unknown";  // our host name, for %{r}
  int64_t now = 0;                   // for %{t}
};

struct Outcome {
  SpfResult result = SpfResult::none;
  std::string domain;       // the identity's domain that was checked
  std::string explanation;  // fail only, from exp= (RFC 7208 §6.2), else ""
  std::string problem;      // why permerror/temperror, or which mechanism matched
};

boost::asio::awaitable<Outcome> check_mail_from(dns::Resolver& resolver, Request req);
boost::asio::awaitable<Outcome> check_helo(dns::Resolver& resolver, Request req);

// check_host(<ip>, <domain>, <sender>) as RFC 7208 §4 defines it.
boost::asio::awaitable<Outcome> check_host(dns::Resolver& resolver, const Request& req,
                                           std::string domain, std::string sender);

}  // namespace postino::mailauth::spf
