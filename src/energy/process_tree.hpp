#pragma once
// Private to src/energy: what Process reads of process trees
// (process_usage.cpp).
#include <sys/resource.h>
#include <sys/types.h>

namespace ecopt::detail {

// User plus system CPU time of a getrusage or wait4 result, in seconds.
double rusage_cpu_s(const rusage& usage);

// True while some member of the group is alive (zombies do not count: they
// have finished and only wait to be reaped by whoever adopted them).
bool group_has_live_members(pid_t pgid);

}  // namespace ecopt::detail
