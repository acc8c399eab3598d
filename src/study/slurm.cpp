#include "ecopt/study/slurm.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <regex>

#include <fmt/format.h>

#include "ecopt/core/error.hpp"
#include "ecopt/core/escape.hpp"
#include "ecopt/core/printable.hpp"
#include "ecopt/core/replace_file.hpp"
#include "ecopt/energy/process.hpp"
#include "ecopt/storage/postgres_login.hpp"
#include "ecopt/storage/storage.hpp"
#include "ecopt/study/study_file.hpp"

namespace ecopt {

namespace {

std::string file_name_part(const std::string& name) {
  std::string part = name;
  for (char& c : part)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') c = '_';
  return part;
}

std::string shared_storage_url(const std::string& url) {
  if (is_postgres_url(url)) return url;
  throw InputError(fmt::format(
      "storage {} cannot be shared by workers on several nodes (SQLite's file locks do not "
      "hold across machines); give the study a postgresql://user@host:port/database storage "
      "(docs/storage.md), or run 'ecopt tune --workers N' on one machine",
      redact_url(url)));
}

void check_request(const SlurmRequest& request) {
  if (request.workers < 1) throw InputError("--workers must be at least 1");
  if (request.gpus_per_worker < 0) throw InputError("--gpus-per-worker must be 0 or more");
  static const std::regex time_limit(R"((\d+-)?\d{1,3}:[0-5]\d:[0-5]\d)");
  if (!request.time_limit.empty() && !std::regex_match(request.time_limit, time_limit)) {
    throw InputError(fmt::format("--time '{}' is not a time limit; use HH:MM:SS or D-HH:MM:SS",
                                 request.time_limit));
  }
  static const std::regex partition(R"([A-Za-z0-9_.,-]+)");
  if (!request.partition.empty() && !std::regex_match(request.partition, partition)) {
    throw InputError(fmt::format(
        "--partition '{}' is not a partition name; use the names 'sinfo' lists", request.partition));
  }
}

// A folder as an #SBATCH filename pattern: quoted, so that sbatch reads a
// space as part of it, and % doubled, so that %x is not the job's name.
// A quote, backslash or control character cannot be said there at all.
std::string sbatch_folder(const std::filesystem::path& folder) {
  const std::string text = folder.string();
  for (const char c : text) {
    if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
      throw InputError(fmt::format("the job folder {} holds a quote, backslash or control "
                                   "character, which an #SBATCH line cannot hold; submit from "
                                   "another folder",
                                   printable(text)));
    }
  }
  std::string escaped;
  for (const char c : text) escaped += c == '%' ? std::string("%%") : std::string(1, c);
  return escaped;
}

std::string worker_devices(int gpus) {
  std::vector<std::string> devices;
  for (int i = 0; i < gpus; ++i) devices.push_back(fmt::format("cuda:{}", i));
  return fmt::format("{}", fmt::join(devices, ","));
}

std::string script_text(const SlurmRequest& request, const SlurmJob& job,
                        const std::filesystem::path& study_file, int cpus_per_trial) {
  // The study's name only in a comment, its line breaks escaped; in the
  // directives only its file-name form.
  std::string text = fmt::format(
      "#!/bin/bash\n"
      "# {} workers of study \"{}\", written by 'ecopt submit slurm'; each array task\n"
      "# is one 'ecopt worker' on the study's PostgreSQL storage (docs/scaling.md).\n"
      "#SBATCH --job-name=ecopt-{}\n"
      "#SBATCH --array=0-{}\n"
      "#SBATCH --ntasks=1\n"
      "#SBATCH --output=\"{}/{}\"\n",
      request.workers, printable(job.study_name), file_name_part(job.study_name),
      request.workers - 1, sbatch_folder(job.log_pattern.parent_path()),
      job.log_pattern.filename().string());
  if (!request.partition.empty()) text += fmt::format("#SBATCH --partition={}\n", request.partition);
  if (!request.time_limit.empty()) text += fmt::format("#SBATCH --time={}\n", request.time_limit);
  if (request.gpus_per_worker > 0) text += fmt::format("#SBATCH --gres=gpu:{}\n", request.gpus_per_worker);
  if (cpus_per_trial > 0) text += fmt::format("#SBATCH --cpus-per-task={}\n", cpus_per_trial);
  text += "\n# No password here: libpq reads it from PGPASSFILE (mode 0600).\n";
  text += fmt::format("export ECOPT_WORKER_STORAGE={}\n", shell_quote(job.storage_url));
  if (!job.pgpass_path.empty()) text += fmt::format("export PGPASSFILE={}\n", shell_quote(job.pgpass_path.string()));
  text +=
      "# Device leases on this node's own disk: a job-private /tmp would hide them\n"
      "# from the other jobs on the node.\n"
      "export ECOPT_LEASE_DIR=\"${ECOPT_LEASE_DIR:-/var/tmp/ecopt-leases-$(id -u)}\"\n"
      "# Slurm stops a worker with SIGTERM (scancel, preemption, time limit): its\n"
      "# trial is left RUNNING, failed as stale and retried when retry_failed allows.\n";
  text += fmt::format("exec {} worker {}", shell_quote(request.ecopt_binary.string()),
                      shell_quote(study_file.string()));
  if (request.gpus_per_worker > 0) text += " --devices " + worker_devices(request.gpus_per_worker);
  if (request.allow_shared) text += " --allow-shared";
  if (cpus_per_trial > 0) text += fmt::format(" --cpus-per-trial {}", cpus_per_trial);
  return text + "\n";
}

}  // namespace

SlurmJob plan_slurm_job(const SlurmRequest& request) {
  check_request(request);
  const StudyFile file = load_study_file(request.study_file.string());
  const std::string url = shared_storage_url(request.storage_url.value_or(file.storage_url));
  const PostgresLogin login = split_postgres_login(url);
  SlurmJob job;
  job.study_name = file.spec.name;
  job.storage_url = login.url_without_password;
  job.retry_failed = file.retry_failed;
  const auto job_dir = std::filesystem::absolute(request.job_dir);
  const std::string stem = file_name_part(job.study_name);
  job.script_path = job_dir / (stem + ".sbatch");
  job.log_pattern = job_dir / (stem + "-%A_%a.log");
  if (login.pgpass_line) {
    job.pgpass_path = job_dir / (stem + ".pgpass");
    job.pgpass_line = login.pgpass_line;
  }
  job.script = script_text(request, job, std::filesystem::absolute(request.study_file),
                           request.cpus_per_trial > 0 ? request.cpus_per_trial : file.cpus_per_trial);
  return job;
}

void write_slurm_job(const SlurmJob& job) {
  std::error_code error;
  std::filesystem::create_directories(job.script_path.parent_path(), error);
  if (error) {
    throw UnavailableError(fmt::format("cannot create {} ({})",
                                       job.script_path.parent_path().string(), error.message()));
  }
  if (job.pgpass_line) replace_file(job.pgpass_path, *job.pgpass_line + "\n", 0600);
  replace_file(job.script_path, job.script, 0644);
}

std::string submit_slurm_job(const SlurmJob& job) {
  ProcessOptions options;
  options.argv = {"sbatch", "--parsable", job.script_path.string()};
  std::string out;
  options.on_stdout_line = [&](std::string_view line) { out += std::string(line) + "\n"; };
  std::unique_ptr<Process> sbatch;
  try {
    sbatch = std::make_unique<Process>(options);
  } catch (const Error& error) {
    throw UnavailableError(fmt::format(
        "cannot run sbatch ({}); run 'ecopt submit slurm' on a Slurm login node", error.what()));
  }
  const ExitStatus status = sbatch->wait();
  // "12345" or "12345;cluster".
  const std::string id = out.substr(0, out.find_first_not_of("0123456789"));
  if (!status.success() || id.empty()) {
    throw UnavailableError(fmt::format("sbatch {} failed ({}): {}", job.script_path.string(),
                                       status.describe(),
                                       fmt::join(sbatch->stderr_tail(), " | ")));
  }
  return id;
}

}  // namespace ecopt
