// The Received trace header (RFC 5321 §4.4, RFC 3848 protocol names).
#include "smtp/server/received.hpp"

#include <gtest/gtest.h>

namespace postino::smtp::server {
namespace {

TEST(Received, ProtocolNames) {
  ReceivedInfo i;
  EXPECT_EQ(with_protocol(i), "ESMTP");
  i.tls = true;
  EXPECT_EQ(with_protocol(i), "ESMTPS");
  i.authenticated = true;
  EXPECT_EQ(with_protocol(i), "ESMTPSA");
  i.tls = false;
  EXPECT_EQ(with_protocol(i), "ESMTPA");
  i.smtputf8 = true;
  EXPECT_EQ(with_protocol(i), "UTF8SMTPA");
  i.esmtp = false;
  EXPECT_EQ(with_protocol(i), "SMTP");
}

TEST(Received, AddressLiteralsAndDate) {
  EXPECT_EQ(address_literal("192.0.2.1"), "[192.0.2.1]");
  EXPECT_EQ(address_literal("2001:db8::1"), "[IPv6:2001:db8::1]");
  EXPECT_EQ(rfc5322_date(0), "Thu, 1 Jan 1970 00:00:00 +0000");
  EXPECT_EQ(rfc5322_date(1795726800), "Thu, 26 Nov 2026 21:00:00 +0000");
}

TEST(Received, WholeHeader) {
  ReceivedInfo i;
  i.helo = "client.example";
  i.client_ip = "192.0.2.1";
  i.by_host = "mx.example.com";
  i.tls = true;
  i.tls_version = "TLSv1.3";
  i.tls_cipher = "TLS_AES_256_GCM_SHA384";
  i.id = "abc123";
  i.for_address = "user@example.com";
  i.time = 0;
  EXPECT_EQ(received_header(i),
            "Received: from client.example ([192.0.2.1])\r\n"
            "\tby mx.example.com (postino) with ESMTPS id abc123\r\n"
            "\t(version=TLSv1.3 cipher=TLS_AES_256_GCM_SHA384)\r\n"
            "\tfor <user@example.com>;\r\n"
            "\tThu, 1 Jan 1970 00:00:00 +0000\r\n");
}

TEST(Received, HostileHeloCannotBreakTheHeader) {
  ReceivedInfo i;
  i.helo = "evil\r\nX-Injected: yes (x)";
  i.client_ip = "192.0.2.1";
  i.by_host = "mx";
  std::string h = received_header(i);
  EXPECT_EQ(h.find("\r\nX-Injected"), std::string::npos);
  EXPECT_EQ(h.find("(x)"), std::string::npos);
}

}  // namespace
}  // namespace postino::smtp::server
