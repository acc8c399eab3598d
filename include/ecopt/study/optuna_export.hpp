#pragma once
// `ecopt export --to optuna`: an ECOpt study as an Optuna 3.1 SQLite
// storage (storage/optuna_sqlite.hpp), so that optuna.load_study,
// optuna.visualization and optuna-dashboard open it. Every trial keeps its
// number, state, parameters with the distributions it was asked with,
// values (COMPLETE and PRUNED), times and fail reason; ECOpt's user
// attributes, the energy records among them, are copied unchanged. Optuna
// 3.1 has no objective names: they go into the study's user attribute
// "objective_names".
#include <cstddef>
#include <string>
#include <string_view>

#include "ecopt/core/attributes.hpp"
#include "ecopt/storage/storage.hpp"

namespace ecopt {


// Writes study `study_name` of `source` into `out_url` (sqlite:///FILE,
// a new file or an Optuna 3.1 storage) as `out_study_name` (empty: the
// same name); returns how many trials it wrote. InputError for another
// kind of URL or a name already taken there, NotFoundError for a missing
// study.
std::size_t export_to_optuna(Storage& source, std::string_view study_name,
                             std::string_view out_url, std::string_view out_study_name = {});

}  // namespace ecopt
