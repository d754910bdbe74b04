// Prepares a message for the store: parses it once (src/mime) and fills the
// cached IMAP strings (ENVELOPE, BODYSTRUCTURE, BODY) and the raw header
// section that the store keeps beside it (DESIGN.md "Store": a message is
// parsed once, at delivery).
// Used by SMTP delivery, IMAP APPEND and anything else that appends.
// Thread rules: pure; safe from any thread.
#pragma once

#include <memory>
#include <string>

#include "store/types.hpp"

namespace postino::delivery {

// An AppendRequest with raw, envelope, bodystructure, body and header_summary
// filled in; the caller adds targets, flags and internal_date.
store::AppendRequest prepare_append(std::shared_ptr<const std::string> raw);

}  // namespace postino::delivery
