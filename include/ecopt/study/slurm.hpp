#pragma once
// `ecopt submit slurm`: a Slurm job array of `ecopt worker` processes on a
// study's PostgreSQL storage (docs/scaling.md). The password never enters
// the script, argv or Slurm's records: it goes to a pgpass file (mode
// 0600) beside the script, which libpq on the nodes reads (PGPASSFILE).
#include <filesystem>
#include <optional>
#include <string>

namespace ecopt {

struct SlurmRequest {
  std::filesystem::path study_file;
  std::optional<std::string> storage_url;  // overrides [study] storage
  int workers = 1;          // array tasks, one worker each
  int gpus_per_worker = 0;  // --gres=gpu:N; the worker leases cuda:0..N-1
  std::string partition;    // empty: the cluster's default
  std::string time_limit;   // [D-]HH:MM:SS; empty: the partition's default
  bool allow_shared = false;  // workers of one node run at once, energy marked shared
  // --cpus-per-task=N; the worker runs each trial on N CPUs of its own
  // (0: the study file's [study] cpus_per_trial, else whole packages)
  int cpus_per_trial = 0;
  std::filesystem::path job_dir;  // script, pgpass and logs; on a file system the nodes see
  std::filesystem::path ecopt_binary;  // what the nodes run
};

struct SlurmJob {
  std::string study_name;
  std::string storage_url;  // without the password: safe to print
  std::filesystem::path script_path;
  std::string script;
  std::filesystem::path pgpass_path;        // empty when the URL has no password
  std::optional<std::string> pgpass_line;  // secret: written, never printed
  std::filesystem::path log_pattern;        // <job_dir>/<study>-%A_%a.log
  int retry_failed = 0;  // [study] retry_failed: whether preempted trials are retried
};

// Checks the request and writes nothing. Throws InputError for SQLite or
// memory storage (workers on several nodes cannot share them), a bad time
// limit or partition, fewer than one worker.
SlurmJob plan_slurm_job(const SlurmRequest& request);

// Writes the script and the pgpass file (created 0600, never through a
// symbolic link).
void write_slurm_job(const SlurmJob& job);

// Runs `sbatch --parsable SCRIPT` with this process's environment and
// returns the job id. Throws UnavailableError with sbatch's own words when
// it fails or is missing.
std::string submit_slurm_job(const SlurmJob& job);

}  // namespace ecopt
