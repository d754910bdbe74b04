// ClientSession with TLS modes `dane` and `encrypted` (RFC 7672 §2.2, §3)
// against an in-process STARTTLS server whose certificate the test makes
// with OpenSSL: a DANE-EE(3) record matching the key authenticates even an
// expired certificate for another name (§3.1.1, §3.2.1); a record that
// matches nothing is an error before any mail command; `encrypted` accepts
// any certificate but not a server without STARTTLS.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <optional>
#include <thread>

#include "smtp/client/session.hpp"

namespace postino::smtp::client {
namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

// A P-256 key and a self-signed certificate for `cn`, valid from
// now+`from_s` to now+`until_s` seconds.
struct TestCert {
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  TestCert(const char* cn, long from_s, long until_s) {
    key = EVP_EC_gen("P-256");
    cert = X509_new();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), from_s);
    X509_gmtime_adj(X509_getm_notAfter(cert), until_s);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn),
                               -1, -1, 0);
    X509_set_issuer_name(cert, name);
    X509_sign(cert, key, EVP_sha256());
  }
  ~TestCert() {
    X509_free(cert);
    EVP_PKEY_free(key);
  }
  TestCert(const TestCert&) = delete;
  TestCert& operator=(const TestCert&) = delete;

  // SHA-256 of the DER SubjectPublicKeyInfo: the data of a "3 1 1" record.
  std::string spki_sha256() const {
    unsigned char* der = nullptr;
    int len = i2d_PUBKEY(key, &der);
    std::string out(SHA256_DIGEST_LENGTH, '\0');
    SHA256(der, static_cast<size_t>(len), reinterpret_cast<unsigned char*>(out.data()));
    OPENSSL_free(der);
    return out;
  }
};

// One connection: greeting, EHLO (with STARTTLS when `tls`), STARTTLS and
// the handshake, then EHLO and QUIT over TLS. Records every command line.
class TlsServer {
 public:
  TlsServer(const TestCert& cert, bool offer_starttls)
      : ctx_(ssl::context::tls_server),
        acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    SSL_CTX_use_certificate(ctx_.native_handle(), cert.cert);
    SSL_CTX_use_PrivateKey(ctx_.native_handle(), cert.key);
    thread_ = std::thread([this, offer_starttls] {
      boost::system::error_code ec;
      tcp::socket s(io_);
      acceptor_.accept(s, ec);
      if (ec) return;
      asio::write(s, asio::buffer(std::string("220 mx\r\n")), ec);
      asio::streambuf buf;
      std::unique_ptr<ssl::stream<tcp::socket&>> tls;
      while (!ec) {
        size_t n =
            tls ? asio::read_until(*tls, buf, "\r\n", ec) : asio::read_until(s, buf, "\r\n", ec);
        if (ec) break;
        std::string line(asio::buffers_begin(buf.data()), asio::buffers_begin(buf.data()) + n - 2);
        buf.consume(n);
        lines.push_back(line);
        std::string reply = "250 ok\r\n";
        if (line.rfind("EHLO", 0) == 0)
          reply = !tls && offer_starttls ? "250-mx\r\n250 STARTTLS\r\n" : "250 mx\r\n";
        if (line == "STARTTLS") reply = "220 go ahead\r\n";
        if (line == "QUIT") reply = "221 bye\r\n";
        if (tls)
          asio::write(*tls, asio::buffer(reply), ec);
        else
          asio::write(s, asio::buffer(reply), ec);
        if (line == "QUIT") break;
        if (line == "STARTTLS" && !ec) {
          tls = std::make_unique<ssl::stream<tcp::socket&>>(s, ctx_);
          tls->handshake(ssl::stream_base::server, ec);
          handshake_done = !ec;
        }
      }
    });
  }
  ~TlsServer() {
    boost::system::error_code ec;
    acceptor_.close(ec);
    if (thread_.joinable()) thread_.join();
  }
  tcp::endpoint endpoint() const { return acceptor_.local_endpoint(); }
  void join() {
    if (thread_.joinable()) thread_.join();
  }
  std::vector<std::string> lines;
  bool handshake_done = false;

 private:
  asio::io_context io_;
  ssl::context ctx_;
  tcp::acceptor acceptor_;
  std::thread thread_;
};

template <class T>
asio::awaitable<std::optional<T>> wrap(asio::awaitable<T> a) {
  T v = co_await std::move(a);
  std::optional<T> o(std::move(v));
  co_return o;
}

// The session keeps timers on `io`: the caller's io_context must outlive it.
Result<std::unique_ptr<ClientSession>> open_session(asio::io_context& io, const TlsServer& srv,
                                                    ClientOptions o) {
  auto ctx = ClientSession::make_tls_context();
  EXPECT_TRUE(ctx.ok());
  std::optional<Result<std::unique_ptr<ClientSession>>> out;
  asio::co_spawn(
      io, wrap(ClientSession::open(io.get_executor(), srv.endpoint(), o, *ctx)),
      [&out](std::exception_ptr e, std::optional<Result<std::unique_ptr<ClientSession>>> v) {
        if (e) std::rethrow_exception(e);
        out = std::move(*v);
      });
  io.run();
  return std::move(*out);
}

ClientOptions dane_options(std::vector<dns::Tlsa> records) {
  ClientOptions o;
  o.helo_name = "client.example";
  o.command_timeout = std::chrono::seconds(5);
  o.tls = TlsMode::dane;
  o.tls_name = "mx.example.net";
  o.dane_tlsa = std::move(records);
  o.dane_names = {"mx.example.net", "example.net"};
  return o;
}

TEST(DaneSession, DaneEeMatchesEvenAnExpiredCertificateForAnotherName) {
  // RFC 7672 §3.1.1: DANE-EE ignores the validity period; §3.2.1: and names.
  TestCert cert("unrelated.example", -7200, -3600);
  TlsServer srv(cert, true);
  asio::io_context io;
  auto s = open_session(io, srv, dane_options({dns::Tlsa{3, 1, 1, cert.spki_sha256()}}));
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_TRUE((*s)->tls_active());
  EXPECT_TRUE((*s)->tls_verified());
  EXPECT_EQ((*s)->tls_auth(), "dane-ee");
  s->reset();
  srv.join();
  ASSERT_GE(srv.lines.size(), 3u);
  EXPECT_EQ(srv.lines[1], "STARTTLS");
  EXPECT_EQ(srv.lines[2].rfind("EHLO", 0), 0u);  // RFC 3207 §4.2: EHLO again over TLS
}

TEST(DaneSession, NoMatchingRecordIsAnErrorBeforeAnyCommandOverTls) {
  TestCert cert("mx.example.net", -60, 3600);
  TestCert other("mx.example.net", -60, 3600);
  TlsServer srv(cert, true);
  asio::io_context io;
  auto s = open_session(io, srv, dane_options({dns::Tlsa{3, 1, 1, other.spki_sha256()}}));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::auth);
  EXPECT_NE(s.error().message.find("does not match its TLSA records"), std::string::npos)
      << s.error().message;
  srv.join();
  EXPECT_TRUE(srv.handshake_done);
  ASSERT_EQ(srv.lines.size(), 2u);  // EHLO, STARTTLS; nothing after the handshake
  EXPECT_EQ(srv.lines[1], "STARTTLS");
}

TEST(DaneSession, DaneWithoutStartTlsIsAnError) {
  TestCert cert("mx.example.net", -60, 3600);
  TlsServer srv(cert, false);
  asio::io_context io;
  auto s = open_session(io, srv, dane_options({dns::Tlsa{3, 1, 1, cert.spki_sha256()}}));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::auth);
  EXPECT_NE(s.error().message.find("STARTTLS required"), std::string::npos);
  srv.join();
  for (const auto& l : srv.lines) EXPECT_EQ(l.rfind("MAIL", 0), std::string::npos) << l;
}

TEST(DaneSession, EncryptedModeNeedsTlsButNoValidCertificate) {
  // RFC 7672 §2.2: secure TLSA records, none usable: TLS, unauthenticated.
  TestCert cert("self-signed.example", -60, 3600);
  {
    TlsServer srv(cert, true);
    ClientOptions o = dane_options({});
    o.tls = TlsMode::encrypted;
    asio::io_context io;
    auto s = open_session(io, srv, o);
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_TRUE((*s)->tls_active());
    EXPECT_FALSE((*s)->tls_verified());
    EXPECT_EQ((*s)->tls_auth(), "");
  }
  {
    TlsServer srv(cert, false);
    ClientOptions o = dane_options({});
    o.tls = TlsMode::encrypted;
    asio::io_context io;
    auto s = open_session(io, srv, o);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, Errc::auth);
  }
}

}  // namespace
}  // namespace postino::smtp::client
