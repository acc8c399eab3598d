// The PostgreSQL plugin's one exported C symbol: the table the storage
// module reads after opening it (postgres_plugin.hpp).
#include "postgres_plugin.hpp"

extern "C" __attribute__((visibility("default"))) const ecopt::PostgresPlugin* ecopt_postgres_plugin() {
  static const ecopt::PostgresPlugin plugin{
      ECOPT_VERSION,
      ecopt::read_postgres_url,
      ecopt::make_postgres_storage,
  };
  return &plugin;
}
