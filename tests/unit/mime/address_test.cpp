#include "mime/address.hpp"

#include <gtest/gtest.h>

using namespace postino::mime;
using Kind = Address::Kind;

namespace {
Address mbox(std::string name, std::string local, std::string domain, std::string route = {}) {
  Address a;
  a.display_name = std::move(name);
  a.local = std::move(local);
  a.domain = std::move(domain);
  a.route = std::move(route);
  return a;
}
Address group(std::string name) {
  Address a;
  a.kind = Kind::group_start;
  a.display_name = std::move(name);
  return a;
}
Address group_end() {
  Address a;
  a.kind = Kind::group_end;
  return a;
}
}  // namespace

TEST(Address, Rfc5322Examples) {
  // RFC 5322 Appendix A.1.2
  EXPECT_EQ(parse_address_list("\"Joe Q. Public\" <john.q.public@example.com>"),
            std::vector<Address>{mbox("Joe Q. Public", "john.q.public", "example.com")});
  EXPECT_EQ(parse_address_list("Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>"),
            (std::vector<Address>{mbox("Mary Smith", "mary", "x.test"),
                                  mbox("", "jdoe", "example.org"), mbox("Who?", "one", "y.test")}));
  EXPECT_EQ(
      parse_address_list("<boss@nil.test>, \"Giant; \\\"Big\\\" Box\" <sysservices@example.net>"),
      (std::vector<Address>{mbox("", "boss", "nil.test"),
                            mbox("Giant; \"Big\" Box", "sysservices", "example.net")}));
}

TEST(Address, Groups) {
  EXPECT_EQ(parse_address_list("A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;"),
            (std::vector<Address>{group("A Group"), mbox("Ed Jones", "c", "a.test"),
                                  mbox("", "joe", "where.test"), mbox("John", "jdoe", "one.test"),
                                  group_end()}));
  EXPECT_EQ(parse_address_list("Undisclosed recipients:;"),
            (std::vector<Address>{group("Undisclosed recipients"), group_end()}));
  // Unterminated group is closed at the end; a mailbox may follow a group.
  EXPECT_EQ(parse_address_list("g: a@b"),
            (std::vector<Address>{group("g"), mbox("", "a", "b"), group_end()}));
  EXPECT_EQ(parse_address_list("g:;, c@d"),
            (std::vector<Address>{group("g"), group_end(), mbox("", "c", "d")}));
}

TEST(Address, ObsoleteAndComments) {
  // RFC 5322 Appendix A.5 / A.6
  EXPECT_EQ(parse_address_list("Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>"),
            std::vector<Address>{mbox("Pete", "pete", "silly.test")});
  EXPECT_EQ(parse_address_list("jdoe@example.org (John Doe)"),
            std::vector<Address>{mbox("John Doe", "jdoe", "example.org")});
  EXPECT_EQ(parse_address_list("<@a.test,@b.test:joe@c.test>"),
            std::vector<Address>{mbox("", "joe", "c.test", "@a.test,@b.test")});
  EXPECT_EQ(parse_address_list("john . doe @ example . com"),
            std::vector<Address>{mbox("", "john.doe", "example.com")});
  EXPECT_EQ(parse_address_list("Joe Q. Public <\"john q\"@[192.0.2.1]>"),
            std::vector<Address>{mbox("Joe Q. Public", "john q", "[192.0.2.1]")});
}

TEST(Address, Utf8AndOddities) {
  EXPECT_EQ(parse_address_list("J\xC3\xB6rg <j\xC3\xB6rg@ex\xC3\xA4mple.de>"),
            std::vector<Address>{mbox("J\xC3\xB6rg", "j\xC3\xB6rg", "ex\xC3\xA4mple.de")});
  EXPECT_EQ(parse_address_list("=?utf-8?q?J=C3=B6rg?= <j@x>"),
            std::vector<Address>{mbox("=?utf-8?q?J=C3=B6rg?=", "j", "x")});
  EXPECT_EQ(parse_address_list("undisclosed"), std::vector<Address>{mbox("", "undisclosed", "")});
  EXPECT_EQ(parse_address_list("john@x.com <john@x.com>"),
            std::vector<Address>{mbox("john@x.com", "john", "x.com")});
  EXPECT_TRUE(parse_address_list(" ,,, ;;; ").empty());
  EXPECT_TRUE(parse_address_list("").empty());
  EXPECT_EQ(parse_address_list("Broken <a@b").size(), 1u);
  EXPECT_EQ(parse_address_list("\"unterminated <a@b>").size(), 1u);
}

TEST(Address, AddrSpecRoundTrip) {
  for (const char* in :
       {"a.b@example.com", "\"john doe\"@example.com", "\"a\\\"q\"@x.test", "local-only"}) {
    auto list = parse_address_list(in);
    ASSERT_EQ(list.size(), 1u) << in;
    std::string spec = addr_spec(list[0]);
    EXPECT_EQ(spec, in);
    EXPECT_EQ(parse_address_list(spec), list) << in;
  }
}
