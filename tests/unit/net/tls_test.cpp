#include "net/tls.hpp"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <boost/asio/ssl/context.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "net/test_client.hpp"

namespace postino::net {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

X509* read_cert(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (!f) return nullptr;
  X509* x = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  return x;
}

TEST(TlsContext, SelfSignedIsGeneratedOnceAndReused) {
  std::string dir = testing::temp_dir("selfsigned");
  auto t1 = TlsContext::create({.data_dir = dir, .hostname = "mail.example.test"});
  ASSERT_TRUE(t1.ok()) << t1.error().message;
  std::string cert = dir + "/tls/cert.pem", key = dir + "/tls/key.pem";
  EXPECT_EQ((*t1)->cert_path(), cert);
  struct stat st {};
  ASSERT_EQ(::stat(key.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string first_cert = slurp(cert), first_key = slurp(key);
  ASSERT_FALSE(first_cert.empty());

  auto t2 = TlsContext::create({.data_dir = dir, .hostname = "mail.example.test"});
  ASSERT_TRUE(t2.ok()) << t2.error().message;
  EXPECT_EQ(slurp(cert), first_cert);
  EXPECT_EQ(slurp(key), first_key);
  EXPECT_NE((*t2)->current(), nullptr);
}

TEST(TlsContext, SelfSignedNamesHostLocalhostAndLoopbackIp) {
  std::string dir = testing::temp_dir("san");
  auto t = TlsContext::create({.data_dir = dir, .hostname = "mx.example.test"});
  ASSERT_TRUE(t.ok()) << t.error().message;
  X509* x = read_cert(dir + "/tls/cert.pem");
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(X509_check_host(x, "mx.example.test", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(x, "localhost", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(x, "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_host(x, "other.example", 0, 0, nullptr), 0);
  // About ten years of validity.
  int days = 0, secs = 0;
  ASSERT_EQ(ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(x), X509_get0_notAfter(x)), 1);
  EXPECT_GE(days, 3640);
  X509_free(x);
}

TEST(TlsContext, ConfiguredFilesAreLoadedAndErrorsReported) {
  std::string dir = testing::temp_dir("configured");
  ASSERT_TRUE(ensure_self_signed(dir + "/c.pem", dir + "/k.pem", "a.test").ok());
  auto ok = TlsContext::create({.cert_path = dir + "/c.pem", .key_path = dir + "/k.pem"});
  EXPECT_TRUE(ok.ok());

  auto half = TlsContext::create({.cert_path = dir + "/c.pem"});
  ASSERT_FALSE(half.ok());
  EXPECT_EQ(half.error().code, Errc::invalid);

  auto missing = TlsContext::create({.cert_path = dir + "/nope.pem", .key_path = dir + "/k.pem"});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::invalid);

  // A key that does not belong to the certificate.
  ASSERT_TRUE(ensure_self_signed(dir + "/c2.pem", dir + "/k2.pem", "b.test").ok());
  auto mismatch = TlsContext::create({.cert_path = dir + "/c.pem", .key_path = dir + "/k2.pem"});
  EXPECT_FALSE(mismatch.ok());
}

TEST(TlsContext, ReloadKeepsOldContextOnError) {
  std::string dir = testing::temp_dir("reloaderr");
  auto t = TlsContext::create({.data_dir = dir});
  ASSERT_TRUE(t.ok());
  auto before = (*t)->current();
  std::filesystem::remove(dir + "/tls/key.pem");
  EXPECT_FALSE((*t)->reload().ok());
  EXPECT_EQ((*t)->current(), before);
}

}  // namespace
}  // namespace postino::net
