#include "mailauth/dkim/keyring.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/strings.hpp"
#include "dns/resolver.hpp"
#include "mailauth/dkim/sign.hpp"
#include "mime/address.hpp"
#include "mime/header.hpp"

namespace postino::mailauth::dkim {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kRsaSuffix = ".rsa.pem";
constexpr std::string_view kEd25519Suffix = ".ed25519.pem";
constexpr size_t kMaxSelectorBase = 32;

// A domain as a directory name: lower-case LDH labels (A-labels for IDN; the
// CLI converts U-labels first). Anything else (a '/', "..") is refused so a
// name can never reach outside data_dir/dkim.
Result<std::string> key_domain(std::string_view domain) {
  std::string d = dns::normalize_name(domain);
  bool ok = dns::valid_query_name(d);
  for (char c : d) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.');
  }
  if (!ok) return make_error(Errc::invalid, "invalid DKIM domain '" + std::string(domain) + "'");
  return d;
}

// RFC 6376 §3.1: a selector is a sub-domain (dot-separated labels); ours are one label.
bool valid_selector(std::string_view s) {
  if (s.empty() || s.size() > dns::kMaxLabelLength || s.front() == '-' || s.back() == '-')
    return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
  });
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

struct KeyFile {
  std::string selector;
  bool ed25519 = false;
  fs::path path;
};

// The key files of one domain directory, sorted by selector.
std::vector<KeyFile> list_key_files(const fs::path& dir) {
  std::vector<KeyFile> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    for (bool ed : {false, true}) {
      std::string_view suffix = ed ? kEd25519Suffix : kRsaSuffix;
      if (!ends_with(name, suffix)) continue;
      std::string sel = name.substr(0, name.size() - suffix.size());
      if (valid_selector(sel) && it->is_regular_file(ec)) out.push_back({sel, ed, it->path()});
    }
  }
  std::sort(out.begin(), out.end(),
            [](const KeyFile& a, const KeyFile& b) { return a.selector < b.selector; });
  return out;
}

Result<std::string> read_key_file(const fs::path& p) {
  std::error_code ec;
  auto size = fs::file_size(p, ec);
  if (ec) return make_error(Errc::io, "cannot read " + p.string() + ": " + ec.message());
  if (size > kMaxKeyFileBytes) return make_error(Errc::invalid, p.string() + ": too large");
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  if (!in) return make_error(Errc::io, "cannot read " + p.string());
  return ss.str();
}

Result<PrivateKeyPtr> load_key_file(const KeyFile& f) {
  auto text = read_key_file(f.path);
  if (!text) return text.take_error();
  auto key = load_private_key(*text);
  if (!key) return make_error(Errc::invalid, f.path.string() + ": " + key.error().message);
  if (is_ed25519(**key) != f.ed25519)
    return make_error(Errc::invalid, f.path.string() + ": key type does not match the file name");
  return key;
}

// The RFC5322.From domain (RFC 5322 §3.6.2), lower-case; "" if there is none.
std::string from_domain(std::string_view message) {
  auto section = mime::parse_header_section(message, 0, message.size());
  auto from = mime::find_header(section.fields, "From");
  if (!from) return "";
  for (const auto& a : mime::parse_address_list(*from)) {
    if (a.kind == mime::Address::Kind::mailbox && !a.domain.empty())
      return dns::normalize_name(a.domain);
  }
  return "";
}

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};

Result<std::string> generate_pem(bool ed25519) {
  std::unique_ptr<EVP_PKEY, PkeyFree> key(
      ed25519 ? EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")
              : EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t(kRsaKeyBits)));
  if (!key) return make_error(Errc::internal, "key generation failed");
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return make_error(Errc::internal, "cannot encode the private key");
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, size_t(len));
}

// Writes `text` to `path` with mode 0600 through a temporary file and rename().
Status write_private_file(const fs::path& path, const std::string& text) {
  fs::path tmp = path;
  tmp += ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return make_error(Errc::io, "cannot create " + tmp.string() + ": " + strerror(errno));
  size_t off = 0;
  while (off < text.size()) {
    ssize_t n = ::write(fd, text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      ::unlink(tmp.c_str());
      return make_error(Errc::io, "cannot write " + tmp.string());
    }
    off += size_t(n);
  }
  bool ok = ::fchmod(fd, 0600) == 0 && ::fsync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return make_error(Errc::io, "cannot write " + path.string() + ": " + strerror(errno));
  }
  return {};
}

std::string current_month() {
  time_t t = ::time(nullptr);
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[16];
  strftime(buf, sizeof buf, "%Y%m", &tm);
  return buf;
}

}  // namespace

Result<KeyRing> KeyRing::load(const std::string& data_dir) {
  KeyRing ring;
  fs::path root = fs::path(data_dir) / kKeyDir;
  std::error_code ec;
  if (!fs::exists(root, ec)) return ring;
  for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_directory(ec)) continue;
    auto domain = key_domain(it->path().filename().string());
    if (!domain) continue;  // not a domain directory of ours
    // The highest selector of each algorithm (the newest pair; see the header).
    const KeyFile* newest[2] = {nullptr, nullptr};
    auto files = list_key_files(it->path());
    for (const auto& f : files) newest[f.ed25519 ? 1 : 0] = &f;
    DomainKeys dk;
    for (const KeyFile* f : newest) {
      if (!f) continue;
      auto key = load_key_file(*f);
      if (!key) return key.take_error();
      dk.keys.push_back({f->selector, std::shared_ptr<const PrivateKey>(std::move(*key))});
    }
    if (!dk.keys.empty()) ring.domains_.emplace(*domain, std::move(dk));
  }
  if (ec) return make_error(Errc::io, "cannot list " + root.string() + ": " + ec.message());
  return ring;
}

const KeyRing::DomainKeys* KeyRing::find(std::string_view domain) const {
  auto it = domains_.find(dns::normalize_name(domain));
  return it == domains_.end() ? nullptr : &it->second;
}

bool KeyRing::has_domain(std::string_view domain) const { return find(domain) != nullptr; }

std::vector<std::string> KeyRing::domains() const {
  std::vector<std::string> out;
  for (const auto& [d, _] : domains_) out.push_back(d);
  return out;
}

Result<std::string> KeyRing::sign_with(std::string_view message, const std::string& domain,
                                       const DomainKeys& keys) const {
  std::string out;
  for (const Key& k : keys.keys) {
    SignOptions opt;
    opt.domain = domain;
    opt.selector = k.selector;
    opt.timestamp = int64_t(::time(nullptr));  // RFC 6376 §3.5 t=
    auto field = dkim::sign(message, *k.key, opt);
    if (!field) return field.take_error();
    out += *field;
  }
  return out;
}

Result<std::string> KeyRing::sign(std::string_view message) const {
  std::string domain = from_domain(message);
  // The From domain, then each parent domain in turn (relaxed DMARC alignment).
  for (std::string_view d = domain; !d.empty();) {
    if (const DomainKeys* keys = find(d)) return sign_with(message, std::string(d), *keys);
    size_t dot = d.find('.');
    if (dot == std::string_view::npos) break;
    d.remove_prefix(dot + 1);
  }
  return std::string();
}

Result<std::string> KeyRing::sign_as(std::string_view message, std::string_view domain) const {
  const DomainKeys* keys = find(domain);
  if (!keys) return std::string();
  return sign_with(message, dns::normalize_name(domain), *keys);
}

Status create_domain_keys(const std::string& data_dir, const std::string& domain,
                          std::string selector) {
  auto d = key_domain(domain);
  if (!d) return d.take_error();
  if (selector.empty()) selector = current_month();
  if (selector.size() > kMaxSelectorBase || !valid_selector(selector + "r"))
    return make_error(Errc::invalid, "invalid DKIM selector '" + selector + "'");
  fs::path root = fs::path(data_dir) / kKeyDir;
  fs::path dir = root / *d;
  std::error_code ec;
  fs::create_directories(data_dir, ec);
  if (ec) return make_error(Errc::io, "cannot create " + data_dir + ": " + ec.message());
  for (const fs::path& p : {root, dir}) {
    if (::mkdir(p.c_str(), 0700) != 0 && errno != EEXIST)
      return make_error(Errc::io, "cannot create " + p.string() + ": " + strerror(errno));
  }
  bool have[2] = {false, false};
  for (const auto& f : list_key_files(dir)) have[f.ed25519 ? 1 : 0] = true;
  for (bool ed : {false, true}) {
    if (have[ed ? 1 : 0]) continue;  // no-op when present
    auto pem = generate_pem(ed);
    if (!pem) return pem.take_error();
    std::string name = selector + (ed ? "e" : "r") + std::string(ed ? kEd25519Suffix : kRsaSuffix);
    if (Status st = write_private_file(dir / name, *pem); !st) return st;
  }
  return {};
}

Result<std::vector<PublishedKey>> published_keys(const std::string& data_dir,
                                                 const std::string& domain) {
  auto d = key_domain(domain);
  if (!d) return d.take_error();
  auto files = list_key_files(fs::path(data_dir) / kKeyDir / *d);
  if (files.empty()) return make_error(Errc::not_found, "no DKIM keys for " + *d);
  std::vector<PublishedKey> out;
  for (const auto& f : files) {
    auto key = load_key_file(f);
    if (!key) return key.take_error();
    auto pub = public_key_bytes(**key);
    if (!pub) return pub.take_error();
    std::string alg = f.ed25519 ? "ed25519" : "rsa";
    // RFC 6376 §3.6.1 tags; k=ed25519 from RFC 8463 §4.
    out.push_back({f.selector, alg, "v=DKIM1; k=" + alg + "; p=" + base64_encode(*pub)});
  }
  return out;
}

}  // namespace postino::mailauth::dkim
