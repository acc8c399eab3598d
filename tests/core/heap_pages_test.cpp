// keep_heap_pages: freed blocks stay the process's, so allocating them again
// faults no fresh pages in. Checked with the kernel's own count of minor
// page faults; a run in its own process (the setting is process-wide).
#include "ecopt/core/heap_pages.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <iostream>
#include <vector>

namespace ecopt {
namespace {

long minor_faults() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_minflt;
}

// Minor faults over `cycles` rounds of two zeroed 4 MiB blocks (1,024 pages
// each) alive at once, then both freed, after one round to warm up.
long faults_over_block_rounds(int cycles) {
  constexpr std::size_t kBlockBytes = 4u << 20;
  auto round = [](char fill) {
    std::vector<char> first(kBlockBytes, fill);
    std::vector<char> second(kBlockBytes, fill);
    asm volatile("" : : "r"(first.data()), "r"(second.data()) : "memory");  // not elided
  };
  round(1);
  const long before = minor_faults();
  for (int i = 0; i < cycles; ++i) round(static_cast<char>(i));
  return minor_faults() - before;
}

// The count, from a child process so that each case starts from glibc's defaults.
long faults_in_child(bool keep) {
  int pipe_ends[2];
  EXPECT_EQ(pipe(pipe_ends), 0);
  const pid_t child = fork();
  if (child == 0) {
    if (keep) keep_heap_pages();
    const long faults = faults_over_block_rounds(20);
    (void)!write(pipe_ends[1], &faults, sizeof faults);
    _exit(0);
  }
  long faults = -1;
  close(pipe_ends[1]);
  EXPECT_EQ(read(pipe_ends[0], &faults, sizeof faults), static_cast<ssize_t>(sizeof faults));
  close(pipe_ends[0]);
  int status = 0;
  waitpid(child, &status, 0);
  return faults;
}

TEST(HeapPages, FreedBlocksAreReusedWithoutFaultingPagesIn) {
#if !defined(__GLIBC__)
  GTEST_SKIP() << "keep_heap_pages is glibc's mallopt";
#endif
  const long kept = faults_in_child(true);
  const long defaults = faults_in_child(false);
  std::cout << "minor faults over 20 rounds: " << kept << " kept, " << defaults << " with glibc's defaults\n";
  EXPECT_LT(kept, 200) << "rounds of 2,048 pages faulted in again";
  EXPECT_GT(defaults, 20 * 1024) << "the defaults no longer give the heap top back: the case this test is for";
}

}  // namespace
}  // namespace ecopt
