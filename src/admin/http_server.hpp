// HttpService: the admin listener's HTTP/1.1 server (Prometheus /metrics,
// /healthz, and whatever routes the application adds: REST API, web admin,
// autoconfig). It runs as a net::Server listener handler, so it shares the
// I/O threads, connection limits, TLS and orderly shutdown of every other
// protocol:
//   admin::HttpService http;
//   server.add_listener({.name = "admin", .host = "127.0.0.1", .port = 8080}, http.handler());
// Requests are bounded (header lines, header bytes, body bytes); keep-alive
// per RFC 9112 §9.3; chunked request bodies are refused (501).
// Ownership: the HttpService must outlive the Server using its handler.
// Thread rules: add_route() only before the server runs; afterwards the route
// table is read-only and sessions on any thread read it concurrently.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "net/connection.hpp"
#include "net/server.hpp"

namespace postino::admin {

inline constexpr size_t kMaxHeaderLine = 8 * 1024;
inline constexpr size_t kMaxHeaderBytes = 32 * 1024;
inline constexpr size_t kMaxHeaderLines = 100;
inline constexpr size_t kMaxBodyBytes = 1024 * 1024;

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;  // as sent, e.g. "GET"
  std::string target;  // "/metrics?x=1"
  std::string path;    // "/metrics"
  std::string query;   // "x=1"
  HeaderList headers;
  std::string body;
  std::string remote_ip;
  // First value of a header (case-insensitive name), "" if absent.
  std::string header(std::string_view name) const;
};

struct HttpResponse {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  HeaderList headers;  // extra fields
  static HttpResponse text(unsigned status, std::string body);
};

using RouteHandler = std::function<net::awaitable<HttpResponse>(const HttpRequest&)>;

class HttpService {
 public:
  // Registers GET /metrics (base/metrics render_prometheus) and GET /healthz.
  HttpService();

  // Exact-path route. A later registration of the same method+path replaces
  // the earlier one. HEAD is answered by the GET route without a body.
  void add_route(std::string method, std::string path, RouteHandler handler);

  // The listener handler: serves requests on c until close or shutdown.
  net::Handler handler();
  net::awaitable<void> serve(net::Connection& c);

 private:
  net::awaitable<HttpResponse> dispatch(const HttpRequest& req);

  std::map<std::pair<std::string, std::string>, RouteHandler> routes_;  // (method, path)
};

}  // namespace postino::admin
