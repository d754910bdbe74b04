#include "base/log.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace postino::log {
namespace {
std::atomic<Level> g_level{Level::info};
std::atomic<Format> g_format{Format::kv};
std::atomic<int> g_fd{2};

const char* level_name(Level l) {
  switch (l) {
    case Level::debug:
      return "debug";
    case Level::info:
      return "info";
    case Level::warn:
      return "warn";
    case Level::error:
      return "error";
  }
  return "info";
}

std::string timestamp() {
  using namespace std::chrono;
  auto now = system_clock::now();
  auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count();
  time_t secs = time_t(ms / 1000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, int(ms % 1000));
  return buf;
}

bool needs_quote(std::string_view v) {
  if (v.empty()) return true;
  for (unsigned char c : v)
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c >= 0x7f) return true;
  return false;
}

void append_escaped(std::string& out, std::string_view v) {
  for (unsigned char c : v) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(char(c));
        }
    }
  }
}

void append_kv(std::string& out, std::string_view key, std::string_view v) {
  out.push_back(' ');
  out += key;
  out.push_back('=');
  if (needs_quote(v)) {
    out.push_back('"');
    append_escaped(out, v);
    out.push_back('"');
  } else {
    out += v;
  }
}

void append_json(std::string& out, std::string_view key, std::string_view v) {
  if (out.size() > 1) out.push_back(',');
  out.push_back('"');
  append_escaped(out, key);
  out += "\":\"";
  append_escaped(out, v);
  out.push_back('"');
}
}  // namespace

void set_level(Level l) { g_level = l; }
Level level() { return g_level; }
void set_format(Format f) { g_format = f; }
void set_fd(int fd) { g_fd = fd; }

std::string format_line(Level l, std::string_view event, std::initializer_list<Field> fields) {
  std::string out;
  out.reserve(128);
  if (g_format == Format::json) {
    out.push_back('{');
    append_json(out, "ts", timestamp());
    append_json(out, "level", level_name(l));
    append_json(out, "event", event);
    for (const auto& f : fields) append_json(out, f.key, f.value);
    out.push_back('}');
  } else {
    out += "ts=";
    out += timestamp();
    append_kv(out, "level", level_name(l));
    append_kv(out, "event", event);
    for (const auto& f : fields) append_kv(out, f.key, f.value);
  }
  return out;
}

void emit(Level l, std::string_view event, std::initializer_list<Field> fields) {
  if (l < g_level.load()) return;
  std::string line = format_line(l, event, fields);
  line.push_back('\n');
  const char* p = line.data();
  size_t left = line.size();
  int fd = g_fd.load();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n <= 0) break;
    p += n;
    left -= size_t(n);
  }
}

}  // namespace postino::log
