#include "mailauth/dkim/sign.hpp"

#include "base/strings.hpp"
#include "mailauth/dkim/canon.hpp"

namespace postino::mailauth::dkim {
namespace {

constexpr size_t kFoldWidth = 72;

// Appends `text` to `out`, folding with CRLF SP before a line grows too long.
// Base64 values are split anywhere (FWS inside b= is ignored; RFC 6376 §3.5).
void fold_append(std::string& out, size_t& col, std::string_view text, bool breakable) {
  for (char c : text) {
    if (col >= kFoldWidth && (breakable || c == ' ')) {
      out += "\r\n ";
      col = 1;
      if (c == ' ') continue;
    }
    out += c;
    ++col;
  }
}

}  // namespace

const std::vector<std::string>& default_signed_headers() {
  static const std::vector<std::string> k = {"From",
                                             "Reply-To",
                                             "Subject",
                                             "Date",
                                             "To",
                                             "Cc",
                                             "Message-ID",
                                             "In-Reply-To",
                                             "References",
                                             "MIME-Version",
                                             "Content-Type",
                                             "Content-Transfer-Encoding",
                                             "List-Id",
                                             "List-Unsubscribe",
                                             "List-Unsubscribe-Post",
                                             "Sender"};
  return k;
}

Result<std::string> sign(std::string_view message, const PrivateKey& key, const SignOptions& opt) {
  SplitMessage msg = split_message(message);
  bool has_from = false;
  for (const auto& h : msg.headers) has_from = has_from || iequals(h.name, "From");
  if (!has_from) return make_error(Errc::invalid, "message has no From field");
  if (opt.domain.empty() || opt.selector.empty()) {
    return make_error(Errc::invalid, "d= and s= are required");
  }
  Algorithm alg = is_ed25519(key) ? Algorithm::ed25519_sha256 : Algorithm::rsa_sha256;
  std::vector<std::string> names;
  if (!opt.headers.empty()) {
    names = opt.headers;
  } else {
    for (const auto& n : default_signed_headers()) {
      size_t count = 0;
      for (const auto& h : msg.headers) count += iequals(h.name, n) ? 1 : 0;
      if (count == 0 && !iequals(n, "From")) continue;
      for (size_t i = 0; i <= count; ++i) names.push_back(to_lower(n));  // oversign
    }
  }
  std::string body_hash = base64_encode(digest(alg, canon_body(msg.body, opt.body_canon)));
  auto canon_name = [](Canon c) { return c == Canon::relaxed ? "relaxed" : "simple"; };
  std::string field = "DKIM-Signature:";
  size_t col = field.size();
  auto add = [&](std::string_view tag, std::string_view value, bool breakable) {
    std::string t = " " + std::string(tag) + "=";
    fold_append(field, col, t, false);
    fold_append(field, col, value, breakable);
    fold_append(field, col, ";", false);
  };
  add("v", "1", false);
  add("a", algorithm_name(alg), false);
  add("c", std::string(canon_name(opt.header_canon)) + "/" + canon_name(opt.body_canon), false);
  add("d", opt.domain, false);
  add("s", opt.selector, false);
  if (!opt.identity.empty()) add("i", opt.identity, false);
  if (opt.timestamp > 0) add("t", std::to_string(opt.timestamp), false);
  if (opt.expiration) add("x", std::to_string(*opt.expiration), false);
  std::string h;
  for (const auto& n : names) h += (h.empty() ? "" : ":") + n;
  add("h", h, true);
  add("bh", body_hash, true);
  fold_append(field, col, " b=", false);
  std::string data;
  for (const HeaderField* f : select_headers(msg.headers, names)) {
    data += canon_header(*f, opt.header_canon);
  }
  std::string self = canon_header(HeaderField{"DKIM-Signature", field}, opt.header_canon);
  self.resize(self.size() - 2);  // RFC 6376 §3.7: without its trailing CRLF
  data += self;
  auto sig = sign_data(alg, key, data);
  if (!sig) return sig.take_error();
  fold_append(field, col, base64_encode(*sig), true);
  field += "\r\n";
  return field;
}

}  // namespace postino::mailauth::dkim
