#include "pop3/proto/response.hpp"

#include <gtest/gtest.h>

namespace postino::pop3 {
namespace {

TEST(Pop3Response, OkErr) {
  EXPECT_EQ(ok(), "+OK\r\n");
  EXPECT_EQ(ok("2 320"), "+OK 2 320\r\n");
  EXPECT_EQ(err("no such message"), "-ERR no such message\r\n");
}

TEST(Pop3Response, RespCodes) {
  EXPECT_EQ(err("maildrop already locked", RespCode::kInUse),
            "-ERR [IN-USE] maildrop already locked\r\n");
  EXPECT_EQ(err("invalid credentials", RespCode::kAuth), "-ERR [AUTH] invalid credentials\r\n");
  EXPECT_EQ(err("try later", RespCode::kSysTemp), "-ERR [SYS/TEMP] try later\r\n");
  EXPECT_EQ(err("gone", RespCode::kSysPerm), "-ERR [SYS/PERM] gone\r\n");
  EXPECT_EQ(err("wait", RespCode::kLoginDelay), "-ERR [LOGIN-DELAY] wait\r\n");
  EXPECT_EQ(err("", RespCode::kUtf8), "-ERR [UTF8]\r\n");
}

TEST(Pop3Response, SanitisesAndBounds) {
  EXPECT_EQ(err("bad\r\nINJECT"), "-ERR bad  INJECT\r\n");
  std::string huge = ok(std::string(5000, 'x'));
  EXPECT_EQ(huge.size(), kMaxResponseLine);
  EXPECT_EQ(huge.substr(huge.size() - 2), "\r\n");
  EXPECT_EQ(huge.find('\r'), huge.size() - 2);
}

TEST(Pop3Response, Continuation) {
  EXPECT_EQ(continuation(""), "+ \r\n");
  EXPECT_EQ(continuation("cj1mb28="), "+ cj1mb28=\r\n");
}

TEST(Pop3Response, Multiline) {
  EXPECT_EQ(multiline("Capability list follows", {"USER", "UIDL", ".odd", "SASL PLAIN"}),
            "+OK Capability list follows\r\nUSER\r\nUIDL\r\n..odd\r\nSASL PLAIN\r\n.\r\n");
  EXPECT_EQ(multiline("", {}), "+OK\r\n.\r\n");
}

}  // namespace
}  // namespace postino::pop3
