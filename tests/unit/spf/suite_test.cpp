// Runs every case of the openspf RFC 7208 test suite (rfc7208-tests.yml, converted
// to tests/data/mailauth/rfc7208-tests.tsv by spf_suite_convert.py) against
// check_mail_from(), with each scenario's zone served by dns::StaticResolver.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "base/strings.hpp"
#include "dns/static_resolver.hpp"
#include "dns/test_run.hpp"
#include "mailauth/spf/check_host.hpp"

namespace postino::mailauth::spf {
namespace {

std::string unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      auto hex = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
      out += char(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<std::string> fields(const std::string& line) {
  std::vector<std::string> out;
  for (auto f : split(line, '\t')) out.push_back(unescape(f));
  return out;
}

struct Case {
  std::string scenario, id, helo, host, mailfrom, explanation;
  std::vector<std::string> results;
};

struct Scenario {
  std::string description;
  std::vector<std::vector<std::string>> zone;
  std::vector<Case> cases;
};

std::vector<Scenario> load() {
  const char* src = std::getenv("POSTINO_SOURCE_DIR");
  std::string path = std::string(src ? src : ".") + "/tests/data/mailauth/rfc7208-tests.tsv";
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  std::vector<Scenario> out;
  std::string line;
  while (std::getline(in, line)) {
    auto f = fields(line);
    if (f.empty()) continue;
    if (f[0] == "S") {
      out.push_back(Scenario{f.size() > 1 ? f[1] : "", {}, {}});
    } else if (f[0] == "Z" && !out.empty()) {
      out.back().zone.emplace_back(f.begin() + 1, f.end());
    } else if (f[0] == "T" && !out.empty() && f.size() >= 6) {
      Case c{out.back().description, f[1], f[2], f[3], f[4], f.size() > 6 ? f[6] : "", {}};
      for (auto r : split(f[5], ',')) c.results.emplace_back(r);
      out.back().cases.push_back(std::move(c));
    }
  }
  return out;
}

void fill(dns::StaticResolver& r, const std::vector<std::vector<std::string>>& zone) {
  for (const auto& z : zone) {
    const std::string& name = z.at(0);
    const std::string& type = z.at(1);
    if (type == "TIMEOUT") {
      r.set_timeout(name);
    } else if (type == "TXT") {
      r.add_txt(name, std::vector<std::string>(z.begin() + 2, z.end()));
    } else if (type == "A") {
      r.add_a(name, boost::asio::ip::make_address_v4(z.at(2)));
    } else if (type == "AAAA") {
      r.add_aaaa(name, boost::asio::ip::make_address_v6(z.at(2)));
    } else if (type == "MX") {
      r.add_mx(name, uint16_t(std::stoi(z.at(2))), z.at(3));
    } else if (type == "PTR") {
      r.add_ptr(name, z.at(2));
    } else if (type == "CNAME") {
      r.add_cname(name, z.at(2));
    } else {
      ADD_FAILURE() << "unknown record type " << type;
    }
  }
}

TEST(SpfSuite, Rfc7208AllCases) {
  auto scenarios = load();
  size_t total = 0, passed = 0;
  for (const auto& s : scenarios) {
    dns::StaticResolver resolver;
    fill(resolver, s.zone);
    for (const auto& c : s.cases) {
      ++total;
      Request req;
      req.ip = boost::asio::ip::make_address(c.host);
      req.helo = c.helo;
      req.mail_from = c.mailfrom;
      req.receiver = "receiver.com";
      Outcome out = testing::run_sync(check_mail_from(resolver, req));
      std::string got = result_name(out.result);
      bool ok = false;
      for (auto& r : c.results) ok = ok || r == got;
      std::string exp = out.explanation.empty() ? "DEFAULT" : out.explanation;
      if (ok && !c.explanation.empty() && out.result == SpfResult::fail) {
        // Case-insensitive: the suite wants upper-case nibbles for %{ir} of an IPv6
        // address, RFC 7208 §7.4's own example uses lower case; DNS does not care.
        ok = iequals(exp, c.explanation);
      }
      if (ok) {
        ++passed;
      } else {
        ADD_FAILURE() << s.description << " / " << c.id << ": got " << got << " (" << out.problem
                      << ") explanation '" << out.explanation << "', want " << c.results.front()
                      << " '" << c.explanation << "'";
      }
    }
  }
  EXPECT_EQ(total, 203u);
  EXPECT_EQ(passed, total);
}

}  // namespace
}  // namespace postino::mailauth::spf
