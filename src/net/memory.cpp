#include "net/memory.hpp"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace postino::net {

void tune_allocator() {
#if defined(__GLIBC__)
  // Setting either value also turns off glibc's dynamic threshold (mallopt(3)).
  mallopt(M_MMAP_THRESHOLD, static_cast<int>(kMmapThreshold));
  mallopt(M_TRIM_THRESHOLD, static_cast<int>(kTrimThreshold));
#endif
}

}  // namespace postino::net
