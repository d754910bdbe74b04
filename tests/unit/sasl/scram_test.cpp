#include <gtest/gtest.h>

#include <string>

#include "base/strings.hpp"
#include "sasl/mechanism.hpp"
#include "sasl/scram_attr.hpp"
#include "sasl/scram_client.hpp"
#include "sasl/scram_crypto.hpp"
#include "sasl/scram_server.hpp"

namespace postino::sasl {
namespace {

// RFC 7677 §3 example values.
constexpr std::string_view kClientNonce = "rOprNGfwEbeRWgbNEkqO";
constexpr std::string_view kServerNonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
constexpr std::string_view kSaltB64 = "W22ZaJ0SNY7soEsUEjb6gQ==";
constexpr std::string_view kServerFirst =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
constexpr std::string_view kClientFinal =
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
    "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
constexpr std::string_view kServerFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

ScramCredentials pencil() {
  auto c = derive_scram_credentials("pencil", *base64_decode(kSaltB64), 4096);
  EXPECT_TRUE(c.ok());
  return *c;
}

std::unique_ptr<Mechanism> rfc_server() {
  MechanismOptions o;
  o.nonce_source = [] { return std::string(kServerNonce); };
  return make_mechanism("SCRAM-SHA-256", o);
}

TEST(Scram, Rfc7677ServerExchange) {
  auto m = rfc_server();
  auto r1 = m->start("n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
  ASSERT_EQ(r1.kind, StepKind::NeedCredentials) << r1.reason;
  EXPECT_EQ(r1.authcid, "user");
  EXPECT_EQ(r1.authzid, "");
  auto r2 = m->supply_credentials(pencil());
  ASSERT_EQ(r2.kind, StepKind::Continue) << r2.reason;
  EXPECT_EQ(r2.data, kServerFirst);
  auto r3 = m->step(kClientFinal);
  ASSERT_EQ(r3.kind, StepKind::Success) << r3.reason;
  EXPECT_TRUE(r3.has_data);
  EXPECT_EQ(r3.data, kServerFinal);
  EXPECT_EQ(r3.authcid, "user");
  EXPECT_EQ(m->step("x").kind, StepKind::Failure);
}

TEST(Scram, Rfc7677ServerWithoutInitialResponse) {
  auto m = rfc_server();
  auto r0 = m->start(std::nullopt);
  ASSERT_EQ(r0.kind, StepKind::Continue);
  EXPECT_EQ(r0.data, "");
  EXPECT_EQ(m->step("n,,n=user,r=rOprNGfwEbeRWgbNEkqO").kind, StepKind::NeedCredentials);
  EXPECT_EQ(m->supply_credentials(pencil()).data, kServerFirst);
  EXPECT_EQ(m->step(kClientFinal).kind, StepKind::Success);
}

TEST(Scram, Rfc7677ClientExchange) {
  ScramClientOptions o;
  o.nonce = std::string(kClientNonce);
  ScramClient c("user", "pencil", o);
  EXPECT_EQ(c.client_first(), "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
  auto fin = c.client_final(kServerFirst);
  ASSERT_TRUE(fin.ok()) << fin.error().message;
  EXPECT_EQ(*fin, kClientFinal);
  EXPECT_TRUE(c.verify_server_final(kServerFinal).ok());
  EXPECT_FALSE(c.verify_server_final("v=AAAA" + std::string(kServerFinal.substr(6))).ok());
  EXPECT_FALSE(c.verify_server_final("e=invalid-proof").ok());
}

TEST(Scram, ClientServerRoundTripWithAuthzidAndEscapes) {
  auto creds = derive_scram_credentials("correct horse", "0123456789abcdef", 4096);
  ASSERT_TRUE(creds.ok());
  ScramClientOptions o;
  o.authzid = "admin=x,y";
  ScramClient c("we,ird=user", "correct horse", o);
  auto m = make_mechanism("SCRAM-SHA-256");
  std::string first = c.client_first();
  EXPECT_NE(first.find("n=we=2Cird=3Duser"), std::string::npos);
  EXPECT_TRUE(first.starts_with("n,a=admin=3Dx=2Cy,"));
  auto r1 = m->start(first);
  ASSERT_EQ(r1.kind, StepKind::NeedCredentials) << r1.reason;
  EXPECT_EQ(r1.authcid, "we,ird=user");
  EXPECT_EQ(r1.authzid, "admin=x,y");
  auto r2 = m->supply_credentials(*creds);
  ASSERT_EQ(r2.kind, StepKind::Continue);
  auto fin = c.client_final(r2.data);
  ASSERT_TRUE(fin.ok()) << fin.error().message;
  auto r3 = m->step(*fin);
  ASSERT_EQ(r3.kind, StepKind::Success) << r3.reason;
  EXPECT_EQ(r3.authzid, "admin=x,y");
  EXPECT_TRUE(c.verify_server_final(r3.data).ok());
}

TEST(Scram, WrongPasswordFails) {
  ScramClientOptions o;
  o.nonce = std::string(kClientNonce);
  ScramClient c("user", "pencil2", o);
  auto m = rfc_server();
  (void)m->start(c.client_first());
  auto r2 = m->supply_credentials(pencil());
  auto fin = c.client_final(r2.data);
  ASSERT_TRUE(fin.ok());
  auto r3 = m->step(*fin);
  EXPECT_EQ(r3.kind, StepKind::Failure);
  EXPECT_NE(r3.reason.find("invalid-proof"), std::string::npos);
}

TEST(Scram, UnknownUserGetsStableDecoyAndFails) {
  std::string salts[2];
  for (auto& salt : salts) {
    ScramClient c("ghost", "pencil");
    auto m = make_mechanism("SCRAM-SHA-256");
    ASSERT_EQ(m->start(c.client_first()).kind, StepKind::NeedCredentials);
    auto r2 = m->supply_credentials(std::nullopt);
    ASSERT_EQ(r2.kind, StepKind::Continue);
    auto s = r2.data.find(",s=");
    salt = r2.data.substr(s, r2.data.find(",i=") - s);
    auto fin = c.client_final(r2.data);
    ASSERT_TRUE(fin.ok());
    EXPECT_EQ(m->step(*fin).kind, StepKind::Failure);
  }
  EXPECT_EQ(salts[0], salts[1]);
}

StepResult first_step(std::string_view msg) {
  auto m = rfc_server();
  return m->start(msg);
}

TEST(Scram, ClientFirstBadInputs) {
  const char* bad[] = {
      "p=tls-unique,,n=user,r=abc",  // channel binding refused
      "x,,n=user,r=abc",             // bad gs2 flag
      "n,n=user,r=abc",              // missing authzid field
      "n,b=admin,n=user,r=abc",      // authzid without a=
      "n,,m=ext,n=user,r=abc",       // mandatory extension
      "n,,r=abc,n=user",             // wrong order
      "n,,n=user",                   // no nonce
      "n,,n=,r=abc",                 // empty user
      "n,,n=us=2Xer,r=abc",          // bad escape
      "n,,n=us=er,r=abc",            // raw '='
      "n,,n=user,r=",                // empty nonce
      "n,,n=user,r=a b",             // nonce not printable
      "n,,n=user,,r=abc",            // empty attribute
      "n,,n=user,r=abc,",            // trailing comma
      "",
      "n",
      "n,",
  };
  for (const char* in : bad) EXPECT_EQ(first_step(in).kind, StepKind::Failure) << in;
  EXPECT_EQ(first_step("y,,n=user,r=abc").kind, StepKind::NeedCredentials);
  EXPECT_EQ(first_step("n,,n=user,r=abc,x=ext").kind, StepKind::NeedCredentials);
}

StepResult final_step(std::string_view msg) {
  auto m = rfc_server();
  (void)m->start("n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
  (void)m->supply_credentials(pencil());
  return m->step(msg);
}

TEST(Scram, ClientFinalBadInputs) {
  const std::string nonce = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
  const std::string proof = ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
  const std::string bad[] = {
      "c=biws," + nonce,                        // no proof
      "c=eSws," + nonce + proof,                // c= says y,,
      "c=biws,r=rOprNGfwEbeRWgbNEkqO" + proof,  // nonce without server part
      "c=biws," + nonce + "X" + proof,          // nonce altered
      "c=biws," + nonce + ",p=AAAA",            // short proof
      "c=biws," + nonce + ",p=!!!!",            // proof not base64
      nonce + ",c=biws" + proof,                // order
      "c=biws," + nonce + ",p=ZHpb" + proof,    // two proofs
      "c=biws," + nonce + ",p=eHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",  // wrong proof
      "",
  };
  for (const auto& in : bad) EXPECT_EQ(final_step(in).kind, StepKind::Failure) << in;
  EXPECT_EQ(final_step(std::string(kClientFinal)).kind, StepKind::Success);
}

TEST(Scram, SequencingErrors) {
  auto m = rfc_server();
  EXPECT_EQ(m->supply_credentials(pencil()).kind, StepKind::Failure);  // before client-first
  auto m2 = rfc_server();
  (void)m2->start("n,,n=user,r=abc");
  EXPECT_EQ(m2->step("c=biws,r=abc,p=AAAA").kind, StepKind::Failure);  // creds not supplied
  auto m3 = rfc_server();
  (void)m3->start("n,,n=user,r=abc");
  ScramCredentials broken = pencil();
  broken.stored_key.resize(5);
  EXPECT_EQ(m3->supply_credentials(broken).kind, StepKind::Failure);
}

TEST(Scram, ClientRejectsBadServerFirst) {
  auto run = [](std::string_view server_first, uint32_t min_iter = 4096) {
    ScramClientOptions o;
    o.nonce = "abc";
    o.min_iterations = min_iter;
    ScramClient c("user", "pw", o);
    (void)c.client_first();
    return c.client_final(server_first).ok();
  };
  EXPECT_TRUE(run("r=abcdef,s=c2FsdA==,i=4096"));
  EXPECT_FALSE(run("r=abc,s=c2FsdA==,i=4096"));     // nonce not extended
  EXPECT_FALSE(run("r=xyzdef,s=c2FsdA==,i=4096"));  // nonce not ours
  EXPECT_FALSE(run("r=abcdef,s=c2FsdA==,i=1"));     // too few iterations
  EXPECT_TRUE(run("r=abcdef,s=c2FsdA==,i=1", 1));
  EXPECT_FALSE(run("r=abcdef,s=,i=4096"));  // empty salt
  EXPECT_FALSE(run("r=abcdef,s=c2FsdA==,i=x"));
  EXPECT_FALSE(run("m=x,r=abcdef,s=c2FsdA==,i=4096"));
  EXPECT_FALSE(run("r=abcdef,i=4096,s=c2FsdA=="));
  EXPECT_FALSE(run("r=abcdef,s=c2FsdA==,i=99999999999"));
}

TEST(ScramCrypto, DeriveRejectsBadParameters) {
  EXPECT_FALSE(derive_scram_credentials("pw", "", 4096).ok());
  EXPECT_FALSE(derive_scram_credentials("pw", "salt", 0).ok());
  EXPECT_FALSE(derive_scram_credentials("pw", "salt", kScramMaxIterations + 1).ok());
  auto c = derive_scram_credentials("pw", "salt", 1);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->stored_key.size(), kScramKeyBytes);
  EXPECT_EQ(c->server_key.size(), kScramKeyBytes);
}

TEST(ScramCrypto, ConstantTimeEqual) {
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
}

TEST(ScramAttr, SaslnameRoundTrip) {
  for (std::string_view s : {"plain", "a,b", "a=b", "=,=,", "ünï"}) {
    auto d = decode_saslname(encode_saslname(s));
    ASSERT_TRUE(d.ok()) << s;
    EXPECT_EQ(*d, s);
  }
  EXPECT_FALSE(decode_saslname("").ok());
  EXPECT_FALSE(decode_saslname("a=").ok());
  EXPECT_FALSE(decode_saslname("a=2").ok());
  EXPECT_FALSE(decode_saslname("a\x01").ok());
  EXPECT_FALSE(decode_saslname("\xff").ok());
}

}  // namespace
}  // namespace postino::sasl
