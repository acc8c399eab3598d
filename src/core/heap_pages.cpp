#include "ecopt/core/heap_pages.hpp"

#include <cstdlib>  // defines __GLIBC__ where it applies

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace ecopt {

void keep_heap_pages() {
#if defined(__GLIBC__)
  constexpr int kTopPadBytes = 16 << 20;
  constexpr int kMappedFromBytes = 32 << 20;
  mallopt(M_TOP_PAD, kTopPadBytes);
  // Setting any of these options turns glibc's adaptive mmap threshold
  // off; without this one, every block over 128 KiB would be mapped.
  mallopt(M_MMAP_THRESHOLD, kMappedFromBytes);
#endif
}

}  // namespace ecopt
