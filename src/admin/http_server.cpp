#include "admin/http_server.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <sstream>

#include "base/log.hpp"
#include "base/metrics.hpp"
#include "base/strings.hpp"

namespace postino::admin {
namespace {

namespace http = boost::beast::http;

// How long an idle keep-alive connection is kept open.
constexpr auto kKeepAliveTimeout = std::chrono::seconds(30);
constexpr const char* kMetricsContentType = "text/plain; version=0.0.4";
constexpr unsigned kOk = 200, kBadRequest = 400, kNotFound = 404, kMethodNotAllowed = 405,
                   kPayloadTooLarge = 413, kHeaderTooLarge = 431, kNotImplemented = 501;

bool is_blank(std::string_view line) { return line == "\r\n" || line == "\n"; }

std::string serialize(const HttpResponse& r, unsigned version, bool keep_alive, bool head_only) {
  http::response<http::string_body> res{static_cast<http::status>(r.status), version};
  res.set(http::field::server, "postino");
  res.set(http::field::content_type, r.content_type);
  for (const auto& [k, v] : r.headers) res.set(k, v);
  res.keep_alive(keep_alive);
  res.body() = r.body;
  res.prepare_payload();
  std::ostringstream os;
  if (head_only)
    os << res.base();
  else
    os << res;
  return os.str();
}

}  // namespace

std::string HttpRequest::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) return v;
  return "";
}

HttpResponse HttpResponse::text(unsigned status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

HttpService::HttpService() {
  add_route("GET", "/metrics", [](const HttpRequest&) -> net::awaitable<HttpResponse> {
    HttpResponse r;
    r.content_type = kMetricsContentType;
    r.body = metrics::render_prometheus();
    co_return r;
  });
  add_route("GET", "/healthz", [](const HttpRequest&) -> net::awaitable<HttpResponse> {
    co_return HttpResponse::text(kOk, "ok\n");
  });
}

void HttpService::add_route(std::string method, std::string path, RouteHandler handler) {
  routes_[{std::move(method), std::move(path)}] = std::move(handler);
}

net::Handler HttpService::handler() {
  return [this](net::Connection& c) { return serve(c); };
}

net::awaitable<HttpResponse> HttpService::dispatch(const HttpRequest& req) {
  std::string method = req.method == "HEAD" ? "GET" : req.method;
  auto it = routes_.find({method, req.path});
  if (it != routes_.end()) co_return co_await it->second(req);
  std::string allow;
  for (const auto& [key, h] : routes_) {
    if (key.second != req.path) continue;
    if (!allow.empty()) allow += ", ";
    allow += key.first;
  }
  if (allow.empty()) co_return HttpResponse::text(kNotFound, "not found\n");
  auto r = HttpResponse::text(kMethodNotAllowed, "method not allowed\n");
  r.headers.emplace_back("Allow", allow);
  co_return r;
}

net::awaitable<void> HttpService::serve(net::Connection& c) {
  c.set_timeout(kKeepAliveTimeout);
  for (;;) {
    // Request line and header fields (RFC 9112 §2.2: skip leading blank lines).
    std::string head;
    size_t lines = 0;
    unsigned refuse = 0;
    for (;;) {
      auto line = co_await c.read_line(kMaxHeaderLine);
      if (!line) {
        if (line.error().code != Errc::limit) co_return;  // closed, timeout, shutdown
        refuse = kHeaderTooLarge;
        break;
      }
      if (head.empty() && is_blank(*line)) continue;
      head += *line;
      if (head.size() > kMaxHeaderBytes || ++lines > kMaxHeaderLines) {
        refuse = kHeaderTooLarge;
        break;
      }
      if (is_blank(*line)) break;
    }
    http::request_parser<http::empty_body> parser;
    parser.header_limit(kMaxHeaderBytes + 1);
    parser.body_limit(boost::none);  // checked below, with a 413
    boost::system::error_code ec;
    if (!refuse) {
      parser.put(boost::asio::buffer(head), ec);
      if (ec || !parser.is_header_done()) refuse = kBadRequest;
    }
    if (!refuse && parser.chunked()) refuse = kNotImplemented;
    auto length = refuse ? boost::optional<uint64_t>() : parser.content_length();
    if (!refuse && length && *length > kMaxBodyBytes) refuse = kPayloadTooLarge;
    if (refuse) {
      // After a framing error the rest of the stream cannot be trusted: close.
      c.write(serialize(HttpResponse::text(refuse, "bad request\n"), 11, false, false));
      (void)co_await c.flush();
      co_return;
    }

    const auto& msg = parser.get();
    HttpRequest req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    auto q = req.target.find('?');
    req.path = req.target.substr(0, q);
    if (q != std::string::npos) req.query = req.target.substr(q + 1);
    for (const auto& f : msg) req.headers.emplace_back(f.name_string(), f.value());
    req.remote_ip = c.remote_ip();
    if (length && *length > 0) {
      auto body = co_await c.read_exact(size_t(*length));
      if (!body) co_return;
      req.body = std::move(*body);
    }

    bool keep_alive = msg.keep_alive() && !c.shutting_down();
    HttpResponse res = co_await dispatch(req);
    log::debug(
        "admin.request",
        {{"conn", c.id()}, {"method", req.method}, {"path", req.path}, {"status", res.status}});
    c.write(serialize(res, msg.version(), keep_alive, req.method == "HEAD"));
    if (!co_await c.flush() || !keep_alive) co_return;
  }
}

}  // namespace postino::admin
