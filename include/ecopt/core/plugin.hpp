#pragma once
// Plugins: the parts of ECOpt that bring heavy libraries (libtorch; libpq
// with its TLS, Kerberos and LDAP stack; an HTTP server with OpenSSL) are
// shared modules opened with dlopen the first time a process needs one, so
// that a process that never does never loads them. Loading libpq and
// cpp-httplib alone costs 7 ms of CPU at every start (OpenSSL's and GnuTLS's
// initialisers): most of what `ecopt ask` spent before its own work.
//
// A plugin exports one C function, `entry`, that returns a pointer to its
// table of function pointers. C++ types cross that boundary, so a plugin
// must come from the same ECOpt build: every table begins with the
// `const char* ecopt_version` it was built with, and open_plugin checks it.
#include <string>
#include <string_view>

namespace ecopt {

struct PluginSpec {
  std::string_view title;          // "ECOpt's PostgreSQL module"
  std::string_view library;        // what it brings: "libpq"
  std::string_view file;           // "libecopt_postgres.so"
  std::string_view path_variable;  // "ECOPT_POSTGRES_MODULE": a path that overrides the default
  std::string_view entry;          // the exported C function returning the table
  std::string_view when_missing;   // what to do when the file is not there
  std::string_view when_unloadable;  // what to do when it does not load (dlerror comes before)
};

// $path_variable when set, else `file` in the folder of ECOpt's libraries
// (build/lib, or the installed lib folder).
std::string plugin_path(const PluginSpec& spec);

// Opens the plugin at `path` (never closed: some, like libtorch, do not
// unload cleanly) and returns its table. Throws UnavailableError, one line
// naming `needed_by`, the path and the fix, when the file is missing, does
// not load, is not this plugin, or comes from another ECOpt version.
const void* open_plugin(const PluginSpec& spec, const std::string& path, std::string_view needed_by);

// The table of the plugin at plugin_path(spec). Cache it in a function-local
// static: a failed load throws out of the initialiser, so the next call retries.
template <class Table>
const Table& plugin_table(const PluginSpec& spec, std::string_view needed_by) {
  return *static_cast<const Table*>(open_plugin(spec, plugin_path(spec), needed_by));
}

}  // namespace ecopt
