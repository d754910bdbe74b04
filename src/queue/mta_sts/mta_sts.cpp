// MTA-STS discovery and cache (RFC 8461 §3.3, §5.1); the HTTPS policy fetch
// runs on Boost.Beast over asio::ssl (OpenSSL).
#include "queue/mta_sts/mta_sts.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <ctime>

#include "base/log.hpp"
#include "base/strings.hpp"

namespace postino::queue {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr uint32_t kMaxHeaderBytes = 16 * 1024;

Error fetch_error(const std::string& host, std::string what) {
  return make_error(Errc::unavailable, "https://" + host + std::string(kPolicyPath) + ": " + what);
}

// §3.2: the media type must be text/plain; parameters are ignored.
bool is_text_plain(std::string_view content_type) {
  std::string_view type = content_type.substr(0, content_type.find(';'));
  return iequals(trim(type), "text/plain");
}

std::string normalize_domain(std::string_view d) { return dns::normalize_name(d); }

}  // namespace

MtaStsCache::MtaStsCache(dns::Resolver& resolver, Options opts)
    : resolver_(resolver), opts_(std::move(opts)) {}

int64_t MtaStsCache::now() const { return opts_.now ? opts_.now() : int64_t(::time(nullptr)); }

// §3.3/§5.1: a policy is usable until max_age seconds after it was fetched.
bool MtaStsCache::fresh(const Entry& e, int64_t t) const {
  return !e.id.empty() && t < e.fetched_at + int64_t(e.policy.max_age);
}

MtaStsPolicy MtaStsCache::cached(const std::string& domain, int64_t t) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(domain);
  if (it != entries_.end() && fresh(it->second, t)) return it->second.policy;
  return {};
}

asio::awaitable<MtaStsPolicy> MtaStsCache::policy(std::string domain_in) {
  std::string domain = normalize_domain(domain_in);
  if (!dns::valid_query_name(domain)) co_return MtaStsPolicy{};
  std::string txt_name = "_mta-sts." + domain;
  auto txt = co_await resolver_.txt(txt_name);
  int64_t t = now();
  // §3.1: only records beginning with "v=STSv1" count, and there must be one.
  std::vector<std::string> candidates;
  if (txt) {
    for (const auto& r : txt->records) {
      if (r.rfind("v=STSv1", 0) == 0) candidates.push_back(r);
    }
  }
  Result<std::string> id = make_error(Errc::not_found, "no _mta-sts record");
  if (!txt) {
    id = txt.take_error();
  } else if (candidates.size() > 1) {
    id = make_error(Errc::invalid, "several _mta-sts records");
  } else if (candidates.size() == 1) {
    id = parse_mta_sts_txt(candidates[0]);
  }
  if (!id) {
    // §3.1, §5.1: no usable record does not remove a cached policy.
    if (id.error().code != Errc::not_found)
      log::debug("mta_sts.txt", {{"domain", domain}, {"error", id.error().message}});
    co_return cached(domain, t);
  }
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(domain);
    if (it != entries_.end()) {
      const Entry& e = it->second;
      if (e.id == *id && fresh(e, t)) co_return e.policy;            // §5.1 step 1
      if (e.failed_id == *id && t - e.failed_at < kFetchRetryDelay)  // §3.3 rate limit
        co_return fresh(e, t) ? e.policy : MtaStsPolicy{};
    }
  }
  auto body = co_await fetch(domain);
  Result<MtaStsPolicy> parsed = body ? parse_mta_sts_policy(*body) : body.take_error();
  std::lock_guard lock(mu_);
  if (entries_.size() >= kMaxCachedDomains && !entries_.count(domain)) {
    auto oldest = entries_.begin();
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->second.fetched_at < oldest->second.fetched_at) oldest = it;
    }
    entries_.erase(oldest);
  }
  Entry& e = entries_[domain];
  if (!parsed) {
    // §3.3: keep applying a cached policy; tell the operator unless it is "none".
    e.failed_id = *id;
    e.failed_at = t;
    bool keep = fresh(e, t);
    if (!keep || e.policy.mode != MtaStsPolicy::none)
      log::warn("mta_sts.fetch_failed",
                {{"domain", domain},
                 {"id", *id},
                 {"error", parsed.error().message},
                 {"cached", keep ? mta_sts_mode_name(e.policy.mode) : "no"}});
    co_return keep ? e.policy : MtaStsPolicy{};
  }
  e.id = *id;
  e.policy = *parsed;
  e.fetched_at = t;
  e.failed_id.clear();
  log::info("mta_sts.policy", {{"domain", domain},
                               {"id", *id},
                               {"mode", mta_sts_mode_name(parsed->mode)},
                               {"max_age", parsed->max_age}});
  co_return e.policy;
}

asio::awaitable<Result<std::string>> MtaStsCache::fetch(std::string domain_in) {
  std::string domain = normalize_domain(domain_in);
  std::string host = "mta-sts." + domain;  // §3.2 the Policy Host
  if (!dns::valid_query_name(host)) co_return make_error(Errc::invalid, "invalid domain");
  // The Policy Host's addresses through our resolver (A, then AAAA).
  std::vector<tcp::endpoint> endpoints;
  auto v4 = co_await resolver_.a(host);
  if (v4) {
    for (const auto& a : v4->records) endpoints.emplace_back(a, opts_.port);
  }
  auto v6 = co_await resolver_.aaaa(host);
  if (v6) {
    for (const auto& a : v6->records) endpoints.emplace_back(a, opts_.port);
  }
  if (endpoints.empty()) {
    std::string why = !v4 ? v4.error().message : "no address for " + host;
    co_return fetch_error(host, why);
  }

  try {
    asio::ssl::context ctx(asio::ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
    ctx.set_default_verify_paths();
    if (!opts_.ca_file.empty()) {
      boost::system::error_code ec;
      ctx.load_verify_file(opts_.ca_file, ec);
      if (ec) co_return fetch_error(host, "CA file " + opts_.ca_file + ": " + ec.message());
    }
    ctx.set_verify_mode(asio::ssl::verify_peer);

    auto ex = co_await asio::this_coro::executor;
    beast::ssl_stream<beast::tcp_stream> stream(ex, ctx);
    // §3.3: the certificate must be valid for the Policy Host (RFC 6125 DNS-ID;
    // a wildcard only as the whole left-most label).
    SSL* ssl = stream.native_handle();
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size()) != 1 ||
        SSL_set_tlsext_host_name(ssl, host.c_str()) != 1)
      co_return fetch_error(host, "cannot set the TLS host name");

    auto& tcp_layer = beast::get_lowest_layer(stream);
    tcp_layer.expires_after(std::chrono::seconds(opts_.timeout_seconds));  // the whole fetch
    boost::system::error_code ec;
    auto token = asio::redirect_error(asio::use_awaitable, ec);
    co_await tcp_layer.async_connect(endpoints, token);
    if (ec) co_return fetch_error(host, "connect: " + ec.message());
    co_await stream.async_handshake(asio::ssl::stream_base::client, token);
    if (ec) co_return fetch_error(host, "TLS: " + ec.message());

    http::request<http::empty_body> req{http::verb::get, std::string(kPolicyPath), 11};
    std::string host_header = host;
    if (opts_.port != 443) host_header += ":" + std::to_string(opts_.port);
    req.set(http::field::host, host_header);
    req.set(http::field::user_agent, "postino");
    req.set(http::field::connection, "close");
    co_await http::async_write(stream, req, token);
    if (ec) co_return fetch_error(host, "request: " + ec.message());

    beast::flat_buffer buf;
    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxPolicyBytes);  // §3.3 size limit
    parser.header_limit(kMaxHeaderBytes);
    co_await http::async_read(stream, buf, parser, token);
    if (ec) co_return fetch_error(host, "response: " + ec.message());
    tcp_layer.close();
    const auto& res = parser.get();
    // §3.3: only 200 counts; 3xx redirects are not followed.
    if (res.result() != http::status::ok)
      co_return fetch_error(host, "HTTP status " + std::to_string(res.result_int()));
    std::string_view type(res[http::field::content_type].data(),
                          res[http::field::content_type].size());
    if (!is_text_plain(type))
      co_return fetch_error(host, "media type '" + std::string(type) + "' is not text/plain");
    co_return res.body();
  } catch (const std::exception& e) {
    co_return fetch_error(host, e.what());
  }
}

}  // namespace postino::queue
