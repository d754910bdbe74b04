#include "mailauth/arc/seal.hpp"

#include "base/strings.hpp"
#include "mailauth/arc/chain.hpp"
#include "mailauth/arc/headers.hpp"
#include "mailauth/dkim/canon.hpp"
#include "mailauth/dkim/sign.hpp"

namespace postino::mailauth::arc {
namespace {

using dkim::Algorithm;
using dkim::HeaderField;

constexpr std::string_view kAuthResultsName = "Authentication-Results";
constexpr size_t kFoldWidth = 78;  // RFC 5322 §2.1.1

// Splits an Authentication-Results value at the ';' that separate its parts
// (RFC 8601 §2.2), not at those inside comments or quoted strings; each part
// has its whitespace (and folding) reduced to single spaces.
std::vector<std::string> split_results(std::string_view value) {
  std::vector<std::string> out;
  std::string cur;
  int depth = 0;
  bool quoted = false, space = false;
  auto flush = [&] {
    out.emplace_back(trim(cur));
    cur.clear();
    space = false;
  };
  for (size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      space = true;
      continue;
    }
    if (space && !cur.empty()) cur += ' ';
    space = false;
    if (c == '\\' && (quoted || depth > 0) && i + 1 < value.size()) {
      cur += c;
      cur += value[++i];
      continue;
    }
    if (c == '"' && depth == 0) quoted = !quoted;
    if (!quoted && c == '(') ++depth;
    if (!quoted && c == ')' && depth > 0) --depth;
    if (c == ';' && !quoted && depth == 0) {
      flush();
      continue;
    }
    cur += c;
  }
  flush();
  return out;
}

// The authserv-id of the first part of an A-R value ("id [version]").
std::string_view authserv_id_of(std::string_view first) {
  auto end = first.find_first_of(" (");
  return first.substr(0, end);
}

// Joins "tag=value" specs with "; ", folding before a spec that would pass
// kFoldWidth; values themselves are never split, so a relaxed reading of the
// field is the unfolded line.
std::string build_field(std::string_view name, const std::vector<std::string>& specs) {
  std::string out = std::string(name) + ":";
  size_t col = out.size();
  for (size_t i = 0; i < specs.size(); ++i) {
    std::string piece = specs[i] + (i + 1 < specs.size() ? ";" : "");
    if (i > 0 && col + 1 + piece.size() > kFoldWidth) {
      out += "\r\n";
      col = 0;
    }
    out += ' ';
    out += piece;
    col += 1 + piece.size();
  }
  return out + "\r\n";
}

// Adds b= (the last spec) to a field built by build_field() without it.
std::string with_signature(std::string_view name, std::vector<std::string> specs, size_t b_index,
                           const std::string& sig) {
  specs[b_index] = "b=" + base64_encode(sig);
  return build_field(name, specs);
}

// A value written into a tag list or an A-R field unquoted: no whitespace,
// controls, or tag/field separators. UTF-8 is allowed (RFC 8617 §4.1.4).
bool plain_value(std::string_view v) {
  if (v.empty()) return false;
  for (unsigned char c : v) {
    if (c <= 0x20 || c == 0x7f || c == ';' || c == '=' || c == ':' || c == '(' || c == ')' ||
        c == '"' || c == '\\')
      return false;
  }
  return true;
}

bool names_arc_field(const std::vector<std::string>& names) {
  for (const auto& n : names) {
    if (field_kind(n)) return true;
  }
  return false;
}

}  // namespace

std::vector<std::string> collect_results(std::string_view message, std::string_view authserv_id) {
  dkim::SplitMessage msg = dkim::split_message(message);
  std::vector<std::string> out;
  for (const auto& h : msg.headers) {
    if (!iequals(h.name, kAuthResultsName)) continue;
    auto parts = split_results(std::string_view(h.raw).substr(h.raw.find(':') + 1));
    if (parts.empty() || !iequals(authserv_id_of(parts[0]), authserv_id)) continue;
    for (size_t i = 1; i < parts.size(); ++i) {
      // RFC 8601 §2.2: "none" stands for no result.
      if (!parts[i].empty() && parts[i] != "none") out.push_back(parts[i]);
    }
  }
  return out;
}

Result<std::string> seal(std::string_view message, const dkim::PrivateKey& key, ArcResult cv,
                         const SealOptions& opt) {
  if (!plain_value(opt.domain) || !plain_value(opt.selector) || !plain_value(opt.authserv_id)) {
    return make_error(Errc::invalid, "d=, s= and the authserv-id must be plain names");
  }
  for (const auto& n : opt.headers) {
    if (!plain_value(n)) return make_error(Errc::invalid, "bad header name for h=: " + n);
  }
  if (dkim::is_ed25519(key)) return make_error(Errc::invalid, "ARC seals with RSA keys only");
  if (names_arc_field(opt.headers)) {
    return make_error(Errc::invalid,
                      "ARC header fields may not be signed by the AMS (RFC 8617 §4.1.2)");
  }
  dkim::SplitMessage msg = dkim::split_message(message);
  bool has_from = false;
  for (const auto& h : msg.headers) has_from = has_from || iequals(h.name, "From");
  if (!has_from) return make_error(Errc::invalid, "message has no From field");

  Chain chain;
  Status structure = collect_chain(msg.headers, chain);
  // §5.1 step 2.
  if (chain.newest_failed) {
    return make_error(Errc::exists, "the chain already failed: " + structure.error().message);
  }
  if (cv == ArcResult::pass && (!structure || chain.sets.empty())) {
    return make_error(Errc::invalid, "cv=pass given for a message without a valid chain");
  }
  if (cv == ArcResult::none && chain.field_count > 0) {
    return make_error(Errc::invalid, "cv=none given for a message with ARC header fields");
  }
  // §5.1 step 3.
  const int instance = chain.highest + 1;
  if (instance > kMaxInstance) return make_error(Errc::limit, "the chain has 50 ARC sets");
  const std::string i = "i=" + std::to_string(instance);
  const std::string t = opt.timestamp > 0 ? "t=" + std::to_string(opt.timestamp) : "";

  // §4.1.1: the AAR.
  auto results = collect_results(message, opt.authserv_id);
  if (results.empty()) results.push_back("none");  // RFC 8601 §2.2 no-result
  std::vector<std::string> aar_specs = {i, opt.authserv_id};
  aar_specs.insert(aar_specs.end(), results.begin(), results.end());
  HeaderField aar{std::string(kAarName), build_field(kAarName, aar_specs)};

  // §4.1.2: the AMS, over the message as it leaves us.
  std::vector<std::string> names = opt.headers;
  if (names.empty()) {
    for (const auto& n : dkim::default_signed_headers()) {
      for (const auto& h : msg.headers) {
        if (iequals(h.name, n)) {
          names.push_back(to_lower(n));
          break;
        }
      }
    }
    // §4.1.2: "SHOULD include any DKIM-Signature header fields already
    // present", one name per field (RFC 6376 §5.4.2 picks them bottom up).
    for (const auto& f : msg.headers) {
      if (iequals(f.name, "DKIM-Signature")) names.push_back("dkim-signature");
    }
  }
  std::string h;
  for (const auto& n : names) h += (h.empty() ? "" : ":") + n;
  std::string bh = base64_encode(
      dkim::digest(Algorithm::rsa_sha256, dkim::canon_body(msg.body, dkim::Canon::relaxed)));
  std::vector<std::string> ams_specs = {
      "a=rsa-sha256",    "b=",     "bh=" + bh, "c=relaxed/relaxed",
      "d=" + opt.domain, "h=" + h, i,          "s=" + opt.selector};
  if (!t.empty()) ams_specs.push_back(t);
  HeaderField ams_unsigned{std::string(kAmsName), build_field(kAmsName, ams_specs)};
  MessageSignature ams_value;
  ams_value.header_canon = dkim::Canon::relaxed;
  ams_value.signed_headers = names;
  std::string ams_data = ams_hash_input(msg, ams_unsigned, ams_value);
  auto ams_sig = dkim::sign_data(Algorithm::rsa_sha256, key, ams_data);
  if (!ams_sig) return ams_sig.take_error();
  HeaderField ams{std::string(kAmsName), with_signature(kAmsName, ams_specs, 1, *ams_sig)};

  // §4.1.3 / §5.1.1: the AS.
  ChainStatus status = cv == ArcResult::pass   ? ChainStatus::pass
                       : cv == ArcResult::fail ? ChainStatus::fail
                                               : ChainStatus::none;
  std::vector<std::string> as_specs = {
      "a=rsa-sha256",    "b=", std::string("cv=") + chain_status_name(status),
      "d=" + opt.domain, i,    "s=" + opt.selector};
  if (!t.empty()) as_specs.push_back(t);
  HeaderField as_unsigned{std::string(kSealName), build_field(kSealName, as_specs)};
  std::vector<const HeaderField*> fields;
  if (status != ChainStatus::fail) fields = seal_fields(chain, chain.sets.size());  // §5.1.2
  fields.push_back(&aar);
  fields.push_back(&ams);
  fields.push_back(&as_unsigned);
  auto as_sig = dkim::sign_data(Algorithm::rsa_sha256, key, seal_hash_input(fields));
  if (!as_sig) return as_sig.take_error();
  std::string as = with_signature(kSealName, as_specs, 1, *as_sig);
  return as + ams.raw + aar.raw;
}

}  // namespace postino::mailauth::arc
