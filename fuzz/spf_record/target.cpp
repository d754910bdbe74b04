// libFuzzer target for src/mailauth/spf: the record parser, the macro checker
// and expander (every use), and check_host() over a static zone that publishes
// the input as the SPF record (so evaluation limits are exercised too).
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "dns/static_resolver.hpp"
#include "mailauth/spf/check_host.hpp"
#include "mailauth/spf/macro.hpp"
#include "mailauth/spf/record.hpp"

using namespace postino;
using namespace postino::mailauth::spf;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string in(reinterpret_cast<const char*>(data), size);
  (void)parse_record(in);
  MacroContext ctx;
  ctx.sender = "user@example.com";
  ctx.local_part = "user";
  ctx.sender_domain = "example.com";
  ctx.domain = "example.com";
  ctx.ip = boost::asio::ip::make_address("2001:db8::1");
  ctx.helo = "mx.example.com";
  for (MacroUse use : {MacroUse::domain_spec, MacroUse::plain, MacroUse::explanation}) {
    if (check_macro_string(in, use)) {
      auto out = expand(in, ctx, use);
      if (!out) std::abort();  // a string that checks must expand
      if (use == MacroUse::domain_spec && out->size() > dns::kMaxNameLength) std::abort();
    }
  }
  dns::StaticResolver zone;
  zone.add_txt("example.com", in);
  zone.add_txt("inc.example.com", in);
  zone.add_a("example.com", boost::asio::ip::make_address_v4("192.0.2.1"));
  zone.add_mx("example.com", 10, "example.com");
  Request req;
  req.ip = boost::asio::ip::make_address("192.0.2.1");
  req.helo = "mx.example.com";
  req.mail_from = "user@example.com";
  boost::asio::io_context io;
  boost::asio::co_spawn(io, check_mail_from(zone, req), boost::asio::detached);
  io.run();
  // RFC 7208 §4.6.4 bounds the look-ups; allow a generous margin for PTR/MX names.
  if (zone.query_count() > 400) std::abort();
  return 0;
}
