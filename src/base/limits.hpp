// Built-in hard limits shared across modules. Protocol-specific limits live
// beside their parser; configurable ones live in Config. Every buffer fed by
// the network has a limit; exceeding it is a protocol error.
#pragma once

#include <cstddef>
#include <cstdint>

namespace postino::limits {

inline constexpr size_t kMaxMessageBytes = 64u << 20;  // absolute ceiling for one message
inline constexpr size_t kMaxHeaderBytes = 1u << 20;    // one message's header section
inline constexpr size_t kMaxMimeDepth = 32;            // nested multiparts / message/rfc822
inline constexpr size_t kMaxMimeParts = 4096;          // parts in one message
inline constexpr size_t kMaxAddressLength = 254;       // RFC 5321 §4.5.3.1.3 path minus <>
inline constexpr size_t kMaxLocalPartLength = 64;      // RFC 5321 §4.5.3.1.1
inline constexpr size_t kMaxDomainLength = 255;        // RFC 5321 §4.5.3.1.2

}  // namespace postino::limits
