// Process-wide allocator policy for a long-running server with many mostly
// idle connections (glibc malloc).
//
// glibc raises its mmap threshold to the size of every large block that is
// freed (up to 32 MiB), so after the first argon2id verification (19 MiB,
// auth/password.hpp) every later one is carved from a malloc arena, and each
// worker thread's arena then keeps those pages resident for good: on a server
// holding 1,000 IDLE sessions that was most of its memory. A fixed threshold
// keeps large transient buffers (password hashing, big message bodies) in
// mmap'd blocks that go back to the kernel when freed, and a trim threshold
// returns freed heap tops.
// Thread rules: call once at start-up, before any other thread exists.
#pragma once

#include <cstddef>

namespace postino::net {

// Blocks at least this large are mmap'd (and unmapped on free).
inline constexpr size_t kMmapThreshold = 1u << 20;
// Free memory above this at the top of a heap is given back.
inline constexpr size_t kTrimThreshold = 1u << 20;

// Applies the policy above (mallopt). No-op where glibc's malloc is not in use.
void tune_allocator();

}  // namespace postino::net
