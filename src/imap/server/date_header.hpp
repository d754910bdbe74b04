// RFC 5322 §3.3 Date header parsing for SEARCH SENT* (RFC 9051 §6.4.4) and
// SORT DATE (RFC 5256 §3). Lenient about obsolete forms (two-digit years,
// named zones, missing seconds or weekday); anything unreadable is nullopt.
// Thread rules: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "imap/proto/datetime.hpp"

namespace postino::imap::server {

struct HeaderDate {
  Date date;         // the calendar date as written (its own zone)
  int64_t unix = 0;  // the instant, UTC
};

std::optional<HeaderDate> parse_header_date(std::string_view value);

}  // namespace postino::imap::server
