// ecopt submit slurm STUDY.toml --workers N: a Slurm job array of workers
// (docs/scaling.md). The script is made in the library (study/slurm.hpp).
#include <cstdlib>
#include <iostream>

#include <fmt/format.h>

#include "commands.hpp"
#include "ecopt/study/slurm.hpp"
#include "ecopt/study/worker.hpp"

namespace ecopt::cli {

namespace {

struct SubmitFlags {
  std::string study_file;
  std::string storage;
  int workers = 0;
  int gpus_per_worker = 0;
  std::string partition;
  std::string time_limit;
  bool allow_shared = false;
  int cpus_per_trial = 0;
  bool dry_run = false;
};

void submit_slurm(const SubmitFlags& flags) {
  SlurmRequest request;
  request.study_file = flags.study_file;
  if (!flags.storage.empty()) request.storage_url = flags.storage;
  request.workers = flags.workers;
  request.gpus_per_worker = flags.gpus_per_worker;
  request.partition = flags.partition;
  request.time_limit = flags.time_limit;
  request.allow_shared = flags.allow_shared;
  request.cpus_per_trial = flags.cpus_per_trial;
  request.job_dir = "ecopt-slurm";
  request.ecopt_binary = current_executable();
  const SlurmJob job = plan_slurm_job(request);
  if (flags.dry_run) {
    std::cout << job.script;
    if (job.pgpass_line)
      std::cout << fmt::format("# (dry run: nothing written; the password would go to {})\n",
                               job.pgpass_path.string());
    return;
  }
  // sbatch hands its environment to the job and Slurm keeps it: no secret
  // may be in it.
  for (const char* name : {"ECOPT_STORAGE", kWorkerStorageEnv, "PGPASSWORD"}) ::unsetenv(name);
  write_slurm_job(job);
  const std::string id = submit_slurm_job(job);
  std::cout << fmt::format("submitted Slurm job {}: {} workers of study {} (array 0-{})\n", id,
                           flags.workers, job.study_name, flags.workers - 1)
            << fmt::format("  script    {}\n", job.script_path.string());
  if (job.pgpass_line)
    std::cout << fmt::format("  password  {} (mode 0600, read by libpq on the nodes)\n",
                             job.pgpass_path.string());
  auto log = job.log_pattern.string();
  log.replace(log.find("%A_%a"), 5, id + "_<task>");
  std::cout << fmt::format("  logs      {}\n", log)
            << fmt::format("watch it:   squeue -j {}\n", id)
            << fmt::format("            {}ecopt trials --storage '{}' --study-name '{}'\n",
                           job.pgpass_line ? fmt::format("PGPASSFILE='{}' ", job.pgpass_path.string())
                                           : "",
                           job.storage_url, job.study_name)
            << fmt::format("cancel it:  scancel {}\n", id);
  if (job.retry_failed == 0)
    std::cout << "note: [study] retry_failed = 0: trials of cancelled or preempted workers are "
                 "failed, not retried\n";
}

}  // namespace

void add_submit_command(CLI::App& app) {
  auto* submit = app.add_subcommand("submit", "Run a study's workers on a cluster scheduler");
  submit->require_subcommand(1);
  auto flags = std::make_shared<SubmitFlags>();
  auto* slurm = submit->add_subcommand(
      "slurm", "Submit a Slurm job array of 'ecopt worker' processes on the study's PostgreSQL");
  slurm->add_option("study_file", flags->study_file, "Study file, on a file system the nodes see")
      ->required();
  slurm->add_option("--workers", flags->workers, "Array tasks, one worker each")
      ->required()
      ->check(CLI::Range(1, 100'000));
  slurm->add_option("--gpus-per-worker", flags->gpus_per_worker,
                    "GPUs per worker (--gres=gpu:N), leased as cuda:0..N-1")
      ->check(CLI::Range(0, 64));
  slurm->add_option("--partition", flags->partition, "Slurm partition (default: the cluster's)");
  slurm->add_option("--time", flags->time_limit, "Time limit per worker, HH:MM:SS");
  slurm->add_option("--storage", flags->storage, "Storage URL (overrides [study] storage)")
      ->envname("ECOPT_STORAGE");
  slurm->add_flag("--allow-shared", flags->allow_shared,
                  "Workers of one node run at once, marking their CPU energy as shared");
  slurm->add_option("--cpus-per-trial", flags->cpus_per_trial,
                    "CPUs per worker (--cpus-per-task=N), its trials pinned to them (overrides [study] "
                    "cpus_per_trial)")
      ->check(CLI::Range(1, kMaxCpusPerTrial));
  slurm->add_flag("--dry-run", flags->dry_run, "Print the job script; write and submit nothing");
  slurm->callback([flags] { submit_slurm(*flags); });
}

}  // namespace ecopt::cli
