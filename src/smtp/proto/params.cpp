#include "smtp/proto/params.hpp"

#include <vector>

#include "base/strings.hpp"
#include "smtp/proto/path.hpp"

namespace postino::smtp {

namespace {

struct Param {
  std::string_view keyword;
  std::optional<std::string_view> value;
};

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// RFC 5321 §4.1.2: esmtp-param = esmtp-keyword ["=" esmtp-value];
// esmtp-value = 1*(%d33-60 / %d62-126) (+ UTF8-non-ascii, RFC 6531 §3.3).
Result<std::vector<Param>> split_params(std::string_view s) {
  std::vector<Param> out;
  for (auto tok : split(s, ' ')) {
    if (tok.empty()) continue;
    Param p;
    size_t eq = tok.find('=');
    p.keyword = tok.substr(0, eq);
    if (p.keyword.empty() || !is_alnum(p.keyword[0]))
      return make_error(Errc::invalid, "bad parameter keyword");
    for (char c : p.keyword)
      if (!is_alnum(c) && c != '-') return make_error(Errc::invalid, "bad parameter keyword");
    if (eq != std::string_view::npos) {
      std::string_view v = tok.substr(eq + 1);
      if (v.empty()) return make_error(Errc::invalid, "empty parameter value");
      for (char ch : v) {
        auto c = static_cast<unsigned char>(ch);
        if (c == '=' || c < 33 || c == 127) return make_error(Errc::invalid, "bad parameter value");
      }
      if (!valid_utf8(v)) return make_error(Errc::invalid, "parameter value is not UTF-8");
      p.value = v;
    }
    for (const auto& prev : out)
      if (iequals(prev.keyword, p.keyword))
        return make_error(Errc::unavailable, "duplicate parameter " + std::string(p.keyword));
    out.push_back(p);
  }
  return out;
}

Error unknown(std::string_view kw) {
  return make_error(Errc::unavailable, "unrecognized parameter " + std::string(kw));
}

Result<std::string_view> need_value(const Param& p) {
  if (!p.value) return make_error(Errc::invalid, std::string(p.keyword) + " needs a value");
  return *p.value;
}

}  // namespace

// RFC 3461 §4: xtext = *( xchar / hexchar ); xchar = %d33-126 except "+" "=".
std::optional<std::string> xtext_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '+') {
      if (i + 2 >= s.size()) return std::nullopt;
      int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(char(hi * 16 + lo));
      i += 2;
    } else if (c < 33 || c > 126 || c == '=') {
      return std::nullopt;
    } else {
      out.push_back(char(c));
    }
  }
  return out;
}

std::string xtext_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 33 || c > 126 || c == '+' || c == '=') {
      out.push_back('+');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    } else {
      out.push_back(ch);
    }
  }
  return out;
}

Result<MailParams> parse_mail_params(std::string_view s) {
  auto params = split_params(s);
  if (!params) return params.take_error();
  MailParams mp;
  for (const auto& p : *params) {
    if (iequals(p.keyword, "SIZE")) {  // RFC 1870 §6: size-value = 1*20DIGIT
      auto v = need_value(p);
      if (!v) return v.take_error();
      auto n = parse_u64(*v);
      if (!n) return make_error(Errc::invalid, "bad SIZE value");
      mp.size = *n;
    } else if (iequals(p.keyword, "BODY")) {  // RFC 6152 §2, RFC 3030 §3
      auto v = need_value(p);
      if (!v) return v.take_error();
      if (iequals(*v, "7BIT")) {
        mp.body = BodyType::SevenBit;
      } else if (iequals(*v, "8BITMIME")) {
        mp.body = BodyType::EightBitMime;
      } else if (iequals(*v, "BINARYMIME")) {
        mp.body = BodyType::BinaryMime;
      } else {
        return make_error(Errc::invalid, "bad BODY value");
      }
    } else if (iequals(p.keyword, "SMTPUTF8")) {  // RFC 6531 §3.4: no value
      if (p.value) return make_error(Errc::invalid, "SMTPUTF8 takes no value");
      mp.smtputf8 = true;
    } else if (iequals(p.keyword, "AUTH")) {  // RFC 4954 §5: AUTH=xtext / "<>"
      auto v = need_value(p);
      if (!v) return v.take_error();
      if (v->size() > kMaxAuthParamChars) return make_error(Errc::invalid, "AUTH= too long");
      if (*v == "<>") {
        mp.auth = std::string();
      } else {
        auto d = xtext_decode(*v);
        if (!d || d->empty()) return make_error(Errc::invalid, "bad AUTH= xtext");
        mp.auth = std::move(*d);
      }
    } else if (iequals(p.keyword, "RET")) {  // RFC 3461 §4.3
      auto v = need_value(p);
      if (!v) return v.take_error();
      if (iequals(*v, "FULL")) {
        mp.ret = DsnRet::Full;
      } else if (iequals(*v, "HDRS")) {
        mp.ret = DsnRet::Headers;
      } else {
        return make_error(Errc::invalid, "bad RET value");
      }
    } else if (iequals(p.keyword, "ENVID")) {  // RFC 3461 §4.4
      auto v = need_value(p);
      if (!v) return v.take_error();
      if (v->size() > kMaxEnvidChars) return make_error(Errc::invalid, "ENVID too long");
      auto d = xtext_decode(*v);
      if (!d) return make_error(Errc::invalid, "bad ENVID xtext");
      mp.envid = std::move(*d);
    } else {
      return unknown(p.keyword);
    }
  }
  return mp;
}

Result<RcptParams> parse_rcpt_params(std::string_view s) {
  auto params = split_params(s);
  if (!params) return params.take_error();
  RcptParams rp;
  for (const auto& p : *params) {
    if (iequals(p.keyword, "NOTIFY")) {  // RFC 3461 §4.1
      auto v = need_value(p);
      if (!v) return v.take_error();
      rp.notify_set = true;
      if (iequals(*v, "NEVER")) {
        rp.notify_never = true;
        continue;
      }
      for (auto item : split(*v, ',')) {
        bool* flag = nullptr;
        if (iequals(item, "SUCCESS")) {
          flag = &rp.notify_success;
        } else if (iequals(item, "FAILURE")) {
          flag = &rp.notify_failure;
        } else if (iequals(item, "DELAY")) {
          flag = &rp.notify_delay;
        } else {
          return make_error(Errc::invalid, "bad NOTIFY value");
        }
        if (*flag) return make_error(Errc::invalid, "repeated NOTIFY value");
        *flag = true;
      }
    } else if (iequals(p.keyword, "ORCPT")) {  // RFC 3461 §4.2: addr-type ";" xtext
      auto v = need_value(p);
      if (!v) return v.take_error();
      if (v->size() > kMaxOrcptChars) return make_error(Errc::invalid, "ORCPT too long");
      size_t semi = v->find(';');
      if (semi == std::string_view::npos || semi == 0 || semi + 1 == v->size())
        return make_error(Errc::invalid, "bad ORCPT value");
      std::string_view type = v->substr(0, semi);
      for (char c : type)
        if (!is_alnum(c) && c != '-') return make_error(Errc::invalid, "bad ORCPT address type");
      auto d = xtext_decode(v->substr(semi + 1));
      if (!d) return make_error(Errc::invalid, "bad ORCPT xtext");
      rp.orcpt = Orcpt{std::string(type), std::move(*d)};
    } else {
      return unknown(p.keyword);
    }
  }
  return rp;
}

const char* body_type_name(const std::optional<BodyType>& b) {
  if (!b) return "7BIT";
  switch (*b) {
    case BodyType::SevenBit:
      return "7BIT";
    case BodyType::EightBitMime:
      return "8BITMIME";
    case BodyType::BinaryMime:
      return "BINARYMIME";
  }
  return "7BIT";
}

}  // namespace postino::smtp
