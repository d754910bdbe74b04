#include <gtest/gtest.h>

#include <string>

#include "sasl/login.hpp"
#include "sasl/mechanism.hpp"
#include "sasl/plain.hpp"

namespace postino::sasl {
namespace {

using namespace std::string_literals;

TEST(Plain, WithAuthzid) {
  auto m = make_mechanism("plain");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->name(), "PLAIN");
  auto r = m->start("admin\0alice\0s3cret"s);
  ASSERT_EQ(r.kind, StepKind::NeedVerify);
  EXPECT_EQ(r.authzid, "admin");
  EXPECT_EQ(r.authcid, "alice");
  EXPECT_EQ(r.password, "s3cret");
}

TEST(Plain, WithoutAuthzidAndNoInitialResponse) {
  PlainMechanism m;
  auto c = m.start(std::nullopt);
  ASSERT_EQ(c.kind, StepKind::Continue);
  EXPECT_EQ(c.data, "");
  auto r = m.step("\0bob@example.com\0pässword"s);
  ASSERT_EQ(r.kind, StepKind::NeedVerify);
  EXPECT_EQ(r.authzid, "");
  EXPECT_EQ(r.authcid, "bob@example.com");
  EXPECT_EQ(r.password, "pässword");
  // A second step after the message is a protocol error.
  EXPECT_EQ(m.step("x").kind, StepKind::Failure);
}

TEST(Plain, BadInputs) {
  const std::string bad[] = {
      ""s,
      "nouser"s,
      "a\0b"s,        // one separator
      "\0\0pw"s,      // empty authcid
      "\0user\0"s,    // empty password
      "a\0b\0c\0d"s,  // too many separators
      "\0us\xff"
      "er\0pw"s,                                // not UTF-8
      "\0"s + std::string(300, 'u') + "\0pw"s,  // authcid too long
      std::string(kMaxClientMessage + 1, 'x'),
  };
  for (const auto& in : bad) {
    PlainMechanism m;
    EXPECT_EQ(m.start(in).kind, StepKind::Failure) << in.size();
  }
}

TEST(Plain, MakeMessageRoundTrip) {
  auto r = parse_plain_message(make_plain_message("z", "u", "p w"));
  ASSERT_EQ(r.kind, StepKind::NeedVerify);
  EXPECT_EQ(r.authzid, "z");
  EXPECT_EQ(r.authcid, "u");
  EXPECT_EQ(r.password, "p w");
}

TEST(Login, TwoChallenges) {
  auto m = make_mechanism("LOGIN");
  ASSERT_NE(m, nullptr);
  auto c1 = m->start(std::nullopt);
  ASSERT_EQ(c1.kind, StepKind::Continue);
  EXPECT_EQ(c1.data, kLoginUserChallenge);
  auto c2 = m->step("carol");
  ASSERT_EQ(c2.kind, StepKind::Continue);
  EXPECT_EQ(c2.data, kLoginPasswordChallenge);
  auto r = m->step("hunter2");
  ASSERT_EQ(r.kind, StepKind::NeedVerify);
  EXPECT_EQ(r.authcid, "carol");
  EXPECT_EQ(r.password, "hunter2");
  EXPECT_EQ(m->step("more").kind, StepKind::Failure);
}

TEST(Login, InitialResponseIsUserName) {
  LoginMechanism m;
  auto c = m.start("dave");
  ASSERT_EQ(c.kind, StepKind::Continue);
  EXPECT_EQ(c.data, kLoginPasswordChallenge);
  auto r = m.step("pw");
  ASSERT_EQ(r.kind, StepKind::NeedVerify);
  EXPECT_EQ(r.authcid, "dave");
}

TEST(Login, BadInputs) {
  {
    LoginMechanism m;
    (void)m.start(std::nullopt);
    EXPECT_EQ(m.step("").kind, StepKind::Failure);
  }
  {
    LoginMechanism m;
    (void)m.start(std::nullopt);
    (void)m.step("u");
    EXPECT_EQ(m.step("p\0w"s).kind, StepKind::Failure);
  }
  {
    LoginMechanism m;
    EXPECT_EQ(m.step("u").kind, StepKind::Failure);  // step before start
  }
}

TEST(Factory, UnknownMechanism) {
  EXPECT_EQ(make_mechanism("CRAM-MD5"), nullptr);
  EXPECT_EQ(make_mechanism(""), nullptr);
  EXPECT_NE(make_mechanism("scram-sha-256"), nullptr);
}

TEST(Factory, SupplyCredentialsOnPlainFails) {
  PlainMechanism m;
  EXPECT_EQ(m.supply_credentials(std::nullopt).kind, StepKind::Failure);
}

}  // namespace
}  // namespace postino::sasl
