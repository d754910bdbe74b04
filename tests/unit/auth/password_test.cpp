#include "auth/password.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "base/strings.hpp"

namespace postino::auth {
namespace {

std::string hmac(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), int(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

TEST(Password, HashIsArgon2idPhcAndVerifies) {
  auto h = hash_password("correct horse");
  ASSERT_TRUE(h.ok()) << h.error().message;
  EXPECT_EQ(h->rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0), 0u) << *h;
  EXPECT_TRUE(verify_password("correct horse", *h));
  EXPECT_FALSE(verify_password("correct horsE", *h));
  EXPECT_FALSE(verify_password("", *h));
  auto h2 = hash_password("correct horse");
  ASSERT_TRUE(h2.ok());
  EXPECT_NE(*h, *h2);  // fresh salt every time
}

TEST(Password, VerifyRejectsMalformedHash) {
  EXPECT_FALSE(verify_password("x", ""));
  EXPECT_FALSE(verify_password("x", "plain"));
  EXPECT_FALSE(verify_password("x", "$argon2id$v=19$m=19456,t=2,p=1$garbage"));
  EXPECT_FALSE(verify_password("x", "$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g"));
}

TEST(Password, Rules) {
  EXPECT_FALSE(check_password("").ok());
  EXPECT_FALSE(check_password(std::string(1025, 'a')).ok());
  EXPECT_TRUE(check_password(std::string(1024, 'a')).ok());
  EXPECT_FALSE(check_password("bad\xff").ok());
  EXPECT_FALSE(check_password("\xc0\xaf").ok());  // overlong
  EXPECT_TRUE(check_password("p\xc3\xa4ssw\xc3\xb6rd").ok());
  EXPECT_FALSE(derive_credentials("").ok());
  EXPECT_FALSE(hash_password(std::string(2000, 'x')).ok());
}

// RFC 7677 §3 example exchange: keys derived from "pencil" must reproduce the
// client proof and the server signature.
TEST(Password, ScramMatchesRfc7677Example) {
  auto salt = base64_decode("W22ZaJ0SNY7soEsUEjb6gQ==");
  ASSERT_TRUE(salt.has_value());
  auto keys = derive_scram_keys("pencil", *salt, 4096);
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->stored_key.size(), 32u);
  ASSERT_EQ(keys->server_key.size(), 32u);
  const std::string nonce = "rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
  const std::string auth_message = "n=user,r=rOprNGfwEbeRWgbNEkqO,r=" + nonce +
                                   ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,c=biws,r=" + nonce;
  EXPECT_EQ(base64_encode(hmac(keys->server_key, auth_message)),
            "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
  // ClientKey = ClientProof XOR HMAC(StoredKey, AuthMessage); StoredKey = H(ClientKey).
  auto proof = base64_decode("dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
  ASSERT_TRUE(proof.has_value());
  std::string sig = hmac(keys->stored_key, auth_message);
  std::string client_key(32, '\0');
  for (size_t i = 0; i < 32; ++i) client_key[i] = char((*proof)[i] ^ sig[i]);
  unsigned char h[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(client_key.data()), client_key.size(), h);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(h), 32), keys->stored_key);
}

TEST(Password, DeriveCredentials) {
  auto c = derive_credentials("pencil");
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(verify_password("pencil", c->password_hash));
  EXPECT_EQ(c->scram_salt.size(), kScramSaltBytes);
  EXPECT_EQ(c->scram_iterations, kScramIterations);
  EXPECT_GE(c->scram_iterations, 4096u);
  auto again = derive_scram_keys("pencil", c->scram_salt, c->scram_iterations);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->stored_key, c->scram_stored_key);
  EXPECT_EQ(again->server_key, c->scram_server_key);
  EXPECT_NE(c->scram_stored_key, c->scram_server_key);
}

TEST(Password, ScramBadParameters) {
  EXPECT_FALSE(derive_scram_keys("x", "", 4096).ok());
  EXPECT_FALSE(derive_scram_keys("x", "salt", 0).ok());
}

}  // namespace
}  // namespace postino::auth
