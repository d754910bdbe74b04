#include "dns/present.hpp"

#include "base/strings.hpp"
#include "dns/rdata.hpp"

namespace postino::dns {
namespace {

std::string hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 0xF];
  }
  return out;
}

template <class T, class Format>
Result<std::string> render(Lookup<T> res, std::string_view type, Format format) {
  if (!res) return res.take_error();
  std::string out;
  for (const auto& rec : res->records) out += std::string(type) + " " + format(rec) + "\n";
  out += std::string("rcode ") + rcode_name(res->rcode);
  if (res->secure) out += " secure";
  return out + "\n";
}

}  // namespace

asio::awaitable<Result<std::string>> lookup_text(Resolver& resolver, std::string type,
                                                 std::string name) {
  type = to_lower(type);
  if (type == "a") {
    auto r = co_await resolver.a(name);
    co_return render(std::move(r), "A", [](const Ip4& ip) { return ip.to_string(); });
  }
  if (type == "aaaa") {
    auto r = co_await resolver.aaaa(name);
    co_return render(std::move(r), "AAAA", [](const Ip6& ip) { return ip.to_string(); });
  }
  if (type == "mx") {
    auto r = co_await resolver.mx(name);
    co_return render(std::move(r), "MX", [](const Mx& mx) {
      return std::to_string(mx.preference) + " " + (mx.exchange.empty() ? "." : mx.exchange);
    });
  }
  if (type == "txt") {
    auto r = co_await resolver.txt(name);
    co_return render(std::move(r), "TXT",
                     [](const std::string& t) { return rdata::quote_text(t); });
  }
  if (type == "ptr") {
    auto r = co_await resolver.ptr(name);
    co_return render(std::move(r), "PTR", [](const std::string& t) { return t; });
  }
  if (type == "tlsa") {
    auto r = co_await resolver.tlsa(name);
    co_return render(std::move(r), "TLSA", [](const Tlsa& t) {
      return std::to_string(t.usage) + " " + std::to_string(t.selector) + " " +
             std::to_string(t.matching_type) + " " + hex(t.data);
    });
  }
  co_return make_error(Errc::invalid,
                       "unknown record type '" + type + "' (" + std::string(kLookupTypes) + ")");
}

}  // namespace postino::dns
