#pragma once
// A study made by the real `ecopt tune` in SQLite, with pruned trials and a
// budget rule that stops it: command trials whose accuracy rises linearly
// to x by step 10 at a cost of 1, so front-reach stops, at step 2, each
// trial whose x is below the best so far. The objectives' thresholds make
// the fixed reference (0, 2) from the first trial on; no trial adds 1e300
// hypervolume per kWh, so the diminishing-returns rule stops the study once
// it can judge, after window + 1 = 5 finished trials. The trials store
// their carbon at 400 gCO2e/kWh.
#include <filesystem>
#include <fstream>
#include <string>

#include "command_study.hpp"
#include "subprocess.hpp"

namespace ecopt::testing {

inline const std::string kEcoptCli = std::string(ECOPT_BINARY_DIR) + "/src/cli/ecopt";

inline constexpr const char* kLinearCurve = R"(import json, os, time
q = float(os.environ["ECOPT_PARAM_X"])
print("ECOPT " + json.dumps({"step": 0, "cost": 1.0}), flush=True)
for step in range(1, 11):
    print("ECOPT " + json.dumps({"step": step, "last_step": 10, "accuracy": q * step / 10}), flush=True)
    time.sleep(0.05)
print("ECOPT " + json.dumps({"accuracy": q, "cost": 1.0}), flush=True)
)";

inline constexpr const char* kTunedStudyTables = R"([[objectives]]
name = "accuracy"
direction = "maximize"
threshold = 0.0
[[objectives]]
name = "cost"
direction = "minimize"
threshold = 2.0
[energy]
intensity_g_per_kwh = 400
[budget]
min_hypervolume_per_kwh = 1e300
hypervolume_window = 4)";

// Runs `ecopt tune --pruner front-reach` on study `name` (seed 4: trials 3
// and 4 are pruned) in `url`, its files in `dir`.
inline ProcessResult tune_pruned_study(const std::filesystem::path& dir, const std::string& url,
                                       const std::string& name) {
  std::ofstream(dir / "curve.py") << kLinearCurve;
  std::ofstream(dir / "curve.sh") << "exec /usr/bin/python3 " << (dir / "curve.py").string() << "\n";
  const auto file = command_study(dir, name, url, 12, dir / "curve.sh", "", "seed = 4", kTunedStudyTables);
  return run_process({kEcoptCli, "tune", file, "--pruner", "front-reach"}, dir);
}

}  // namespace ecopt::testing
