#pragma once
// How a long-running ECOpt program keeps the memory it frees.

namespace ecopt {

// Call once, first thing in main. mobo's model fits and acquisition, and
// libtorch's tensors in in-process training, allocate and free blocks of
// kilobytes to megabytes thousands of times. With glibc's defaults a free
// can hand the heap top back to the kernel, and a block past the mmap
// threshold is mapped afresh each time, so the next allocation faults
// zeroed pages in again: about a quarter of a noisy mobo suggestion's CPU,
// and a third to a half of the demo's training (docs/benchmarks/latency.md).
// This keeps 16 MiB of padding at the heap top and serves blocks up to
// 32 MiB (glibc's own ceiling for its adaptive threshold) from the heap. A no-op outside glibc. For ECOpt's own programs
// only: the Python module leaves its host process's allocator as it is.
void keep_heap_pages();

}  // namespace ecopt
