// Large arrays reuse freed memory instead of fresh pages. glibc maps every allocation above its mmap threshold
// (dynamic, 128 KB to 32 MB) anew and trims the heap top above 2x that, so an 8 MB result usually costs 2048 page
// faults plus the zero fill; gradd's kernels write whole arrays, so that is most of an elementwise op's time.
// Fixing the threshold at 32 MB and trimming only above 256 MB keeps freed blocks in the heap for the next
// array (RSS stays at its high-water mark). GRADD_MALLOC=system leaves glibc's defaults.
#include <malloc.h>

#include <cstdlib>
#include <cstring>

#include "exports.h"

namespace gradd {

void tuneMalloc() {
#ifdef M_MMAP_THRESHOLD
  const char* choice = std::getenv("GRADD_MALLOC");
  if (choice && std::strcmp(choice, "system") == 0) return;
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
}

}  // namespace gradd
