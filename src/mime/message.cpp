#include "mime/message.hpp"

#include <algorithm>

#include "base/limits.hpp"
#include "base/strings.hpp"

namespace postino::mime {

namespace {

constexpr size_t kMaxBoundaryLength = 200;  // RFC 2046 §5.1.1 says 70; tolerate more

struct Ctx {
  std::string_view raw;
  size_t parts = 0;
  bool limited = false;
};

// One boundary delimiter line (RFC 2046 §5.1.1).
struct Delimiter {
  size_t begin = 0;    // start of the CRLF before "--boundary": the previous part ends here
  size_t next = 0;     // first byte after the delimiter line
  bool close = false;  // "--boundary--"
};

// Finds the next delimiter line for `needle` ("--" boundary) in [from, end);
// `from` is always the start of a line.
bool find_delimiter(std::string_view raw, std::string_view needle, size_t from, size_t end,
                    Delimiter* d) {
  std::string_view hay = raw.substr(0, end);
  size_t p = from;
  while ((p = hay.find(needle, p)) != std::string_view::npos) {
    if (p != from && hay[p - 1] != '\n') {  // must begin a line
      ++p;
      continue;
    }
    size_t q = p + needle.size();
    bool close = q + 1 < end && hay[q] == '-' && hay[q + 1] == '-';
    if (close) q += 2;
    while (q < end && (hay[q] == ' ' || hay[q] == '\t')) ++q;  // transport-padding
    size_t nl = hay.find('\n', q);
    size_t line_end = nl == std::string_view::npos ? end : nl;
    bool clean = q == line_end || (q + 1 == line_end && hay[q] == '\r');
    if (!clean && !close) {
      p = q;
      continue;
    }
    d->close = close;
    d->next = nl == std::string_view::npos ? end : nl + 1;
    size_t b = p;
    if (b > from && hay[b - 1] == '\n') --b;  // RFC 2046 §5.1.1: the CRLF belongs to the delimiter
    if (b > from && hay[b - 1] == '\r') --b;
    d->begin = b;
    return true;
  }
  return false;
}

size_t count_lines(std::string_view body) {
  size_t n = static_cast<size_t>(std::count(body.begin(), body.end(), '\n'));
  if (!body.empty() && body.back() != '\n') ++n;
  return n;
}

void set_default_type(Part& p, bool digest_child) {
  if (digest_child) {  // RFC 2046 §5.1.5
    p.type = "message";
    p.subtype = "rfc822";
    p.params.clear();
  } else {  // RFC 2045 §5.2
    p.type = "text";
    p.subtype = "plain";
    p.params = {Param{"charset", "us-ascii"}};
  }
  p.content_type_defaulted = true;
}

std::string clean_value(std::string_view v) { return std::string(trim(unfold(v))); }

void apply_content_headers(Part& p, bool digest_child) {
  set_default_type(p, digest_child);
  bool seen_type = false, seen_enc = false, seen_disp = false, seen_lang = false;
  for (const HeaderField& f : p.headers) {
    if (f.name.size() < 9 || !istarts_with(f.name, "content-")) continue;
    std::string_view what = f.name.substr(8);
    if (iequals(what, "type") && !seen_type) {
      seen_type = true;
      if (auto ct = parse_content_type(f.value)) {
        p.type = std::move(ct->type);
        p.subtype = std::move(ct->subtype);
        p.params = std::move(ct->params);
        p.content_type_defaulted = false;
      } else {
        set_default_type(p, false);  // RFC 2045 §5.2: invalid -> text/plain
      }
    } else if (iequals(what, "transfer-encoding") && !seen_enc) {
      seen_enc = true;
      p.encoding = parse_transfer_encoding(f.value);
    } else if (iequals(what, "id") && !p.id) {
      p.id = clean_value(f.value);
    } else if (iequals(what, "description") && !p.description) {
      p.description = clean_value(f.value);
    } else if (iequals(what, "md5") && !p.md5) {
      p.md5 = clean_value(f.value);
    } else if (iequals(what, "location") && !p.location) {
      p.location = clean_value(f.value);
    } else if (iequals(what, "disposition") && !seen_disp) {
      seen_disp = true;
      p.disposition = parse_disposition(f.value);
    } else if (iequals(what, "language") && !seen_lang) {
      seen_lang = true;
      p.language = parse_language_list(f.value);
    }
  }
}

void demote_to_opaque(Ctx& ctx, Part& p) {
  p.type = "application";
  p.subtype = "octet-stream";
  p.params.clear();
  ctx.limited = true;
}

void parse_part(Ctx& ctx, Part& p, size_t begin, size_t end, size_t depth, bool digest_child);

// A multipart without usable parts still needs one body (RFC 9051 §9 body-type-mpart = 1*body):
// an empty text/plain at the end of the parent, as Dovecot reports it.
void add_empty_child(Ctx& ctx, Part& p) {
  Part c;
  c.header_begin = c.header_end = c.body_end = p.body_end;
  set_default_type(c, false);
  ++ctx.parts;
  p.children.push_back(std::move(c));
}

void split_multipart(Ctx& ctx, Part& p, size_t depth) {
  const std::string* boundary = find_param(p.params, "boundary");
  if (boundary == nullptr || boundary->empty() || boundary->size() > kMaxBoundaryLength) {
    add_empty_child(ctx, p);
    return;
  }
  std::string needle = "--" + *boundary;
  bool digest = p.subtype == "digest";
  Delimiter d;
  if (find_delimiter(ctx.raw, needle, p.header_end, p.body_end, &d) && !d.close) {
    size_t start = d.next;
    for (;;) {
      if (ctx.parts >= limits::kMaxMimeParts) {
        ctx.limited = true;
        break;
      }
      Delimiter nd;
      bool found = find_delimiter(ctx.raw, needle, start, p.body_end, &nd);
      size_t part_end = found ? std::max(start, nd.begin) : p.body_end;  // missing close: to end
      Part child;
      ++ctx.parts;
      parse_part(ctx, child, start, part_end, depth + 1, digest);
      p.children.push_back(std::move(child));
      if (!found || nd.close) break;
      start = nd.next;
    }
  }
  if (p.children.empty()) add_empty_child(ctx, p);
}

void parse_part(Ctx& ctx, Part& p, size_t begin, size_t end, size_t depth, bool digest_child) {
  HeaderSection hs = parse_header_section(ctx.raw, begin, end);
  p.header_begin = begin;
  p.header_end = hs.end;
  p.body_end = end;
  p.headers = std::move(hs.fields);
  if (hs.truncated) ctx.limited = true;
  apply_content_headers(p, digest_child);

  bool room = depth < limits::kMaxMimeDepth && ctx.parts < limits::kMaxMimeParts;
  bool encapsulates = p.type == "message" && (p.subtype == "rfc822" || p.subtype == "global");
  if (p.is_multipart()) {
    if (room)
      split_multipart(ctx, p, depth);
    else
      demote_to_opaque(ctx, p);
  } else if (encapsulates) {
    if (room) {
      p.message = std::make_unique<Part>();
      ++ctx.parts;
      parse_part(ctx, *p.message, p.header_end, end, depth + 1, false);
    } else {
      demote_to_opaque(ctx, p);
    }
  }
  if (p.type == "text" || p.type == "message")
    p.body_lines = count_lines(ctx.raw.substr(p.header_end, end - p.header_end));
}

}  // namespace

Message parse_message(std::string_view raw) {
  Message m;
  m.raw = raw;
  Ctx ctx{raw, 1, false};
  parse_part(ctx, m.root, 0, raw.size(), 0, false);
  m.part_count = ctx.parts;
  m.limited = ctx.limited;
  return m;
}

const Part* find_section(const Message& msg, std::string_view section) {
  if (section.empty()) return &msg.root;
  const Part* container = &msg.root;  // the message whose parts the next number selects
  const Part* cur = nullptr;
  size_t pos = 0;
  while (pos <= section.size()) {
    size_t dot = section.find('.', pos);
    if (dot == std::string_view::npos) dot = section.size();
    std::string_view num = section.substr(pos, dot - pos);
    auto n = parse_u64(num);
    if (!n || *n == 0 || num[0] == '0') return nullptr;
    if (cur != nullptr) {
      if (cur->message)
        container = cur->message.get();
      else if (cur->is_multipart())
        container = cur;
      else
        return nullptr;
    }
    if (container->is_multipart()) {
      if (*n > container->children.size()) return nullptr;
      cur = &container->children[*n - 1];
    } else {
      if (*n != 1) return nullptr;
      cur = container;
    }
    pos = dot + 1;
  }
  return cur;
}

}  // namespace postino::mime
