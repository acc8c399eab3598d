// Opening the PostgreSQL plugin (postgres_plugin.hpp). No libpq here.
#include "postgres_plugin.hpp"

#include "ecopt/core/plugin.hpp"

namespace ecopt {
namespace {

constexpr PluginSpec kPostgresPlugin{
    .title = "ECOpt's PostgreSQL module",
    .library = "libpq",
    .file = ECOPT_POSTGRES_MODULE_FILE,
    .path_variable = "ECOPT_POSTGRES_MODULE",
    .entry = kPostgresPluginEntry,
    // What to do when the file is not there, by how ECOpt was built.
    .when_missing = ECOPT_POSTGRES_MODULE_BUILT
                        ? "build it (scripts/build.sh builds the target ecopt_postgres) or set "
                          "ECOPT_POSTGRES_MODULE to its path"
                        : "this ECOpt was built with ECOPT_WITH_POSTGRES=OFF: rebuild with "
                          "-DECOPT_WITH_POSTGRES=ON, or use sqlite:// storage",
    .when_unloadable = "install libpq5 and libpqxx (scripts/install-deps.sh does), or put the libpq "
                       "it was built against on LD_LIBRARY_PATH",
};

}  // namespace

const PostgresPlugin& postgres_plugin() {
  // A failed load throws out of the initialiser, so the next call retries.
  static const PostgresPlugin& plugin =
      plugin_table<PostgresPlugin>(kPostgresPlugin, "a postgresql:// storage URL");
  return plugin;
}

}  // namespace ecopt
