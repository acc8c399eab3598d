#pragma once
// A real one-node Slurm cluster for tests, on loopback: Debian's munged
// (run as the munge user), slurmctld and slurmd with their own config,
// state, spool and munge socket under a temporary folder and private ports.
// SLURM_CONF is set in this process, so sbatch, squeue and scancel started
// from here talk to it.
#include <filesystem>
#include <memory>
#include <string>

#include "support/optional_component.hpp"

namespace ecopt::testing {

class SlurmTestCluster {
 public:
  // The cluster of this test process, started on first use; nullptr when
  // this machine cannot run one (unavailable_reason() says why).
  static SlurmTestCluster* shared();
  static const std::string& unavailable_reason();

  ~SlurmTestCluster();  // stops the daemons it started, by their pids
  SlurmTestCluster(const SlurmTestCluster&) = delete;
  SlurmTestCluster& operator=(const SlurmTestCluster&) = delete;

  // Whether job `id` (all its array tasks) has left the queue.
  bool job_done(const std::string& id) const;

 private:
  explicit SlurmTestCluster(std::filesystem::path folder);
  void start();
  void stop_daemon(const std::string& pid_file) const;

  std::filesystem::path folder_;
};

// Skips when the machine cannot run slurmd, unless ECOPT_REQUIRE_SLURM=1
// (CI) turns that into a failure.
#define ECOPT_REQUIRE_SLURM_CLUSTER(cluster_variable)                                \
  ::ecopt::testing::SlurmTestCluster* cluster_variable =                             \
      ::ecopt::testing::SlurmTestCluster::shared();                                  \
  ECOPT_NEED_COMPONENT(cluster_variable != nullptr, "SLURM",                         \
                       ::ecopt::testing::SlurmTestCluster::unavailable_reason())

}  // namespace ecopt::testing
