// Structured logging: one event per line, key=value (default) or JSON.
//   log::info("smtp.connect", {{"conn", id}, {"ip", "127.0.0.1"}});
// prints
//   ts=2026-11-26T21:00:00.123Z level=info event=smtp.connect conn=c1 ip=127.0.0.1
// Values with spaces, quotes or '=' are quoted. Every session passes its
// connection id as "conn". Thread rules: emit() is thread-safe; one line is one
// write(2), so lines from different threads never interleave.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>

namespace postino::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3 };
enum class Format { kv, json };

struct Field {
  std::string_view key;
  std::string value;
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const char* v) : key(k), value(v ? v : "") {}
  Field(std::string_view k, const std::string& v) : key(k), value(v) {}
  template <class N, std::enable_if_t<std::is_arithmetic_v<N>, int> = 0>
  Field(std::string_view k, N v) : key(k), value(std::to_string(v)) {}
};

void set_level(Level l);
Level level();
void set_format(Format f);
// Where lines go; default is stderr (fd 2).
void set_fd(int fd);

void emit(Level l, std::string_view event, std::initializer_list<Field> fields);
// The line emit() would write (without newline); exposed for tests.
std::string format_line(Level l, std::string_view event, std::initializer_list<Field> fields);

inline void debug(std::string_view e, std::initializer_list<Field> f = {}) {
  if (level() <= Level::debug) emit(Level::debug, e, f);
}
inline void info(std::string_view e, std::initializer_list<Field> f = {}) {
  emit(Level::info, e, f);
}
inline void warn(std::string_view e, std::initializer_list<Field> f = {}) {
  emit(Level::warn, e, f);
}
inline void error(std::string_view e, std::initializer_list<Field> f = {}) {
  emit(Level::error, e, f);
}

}  // namespace postino::log
