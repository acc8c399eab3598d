#pragma once
// Writing a file so that it is never seen empty or half-written.
#include <sys/types.h>

#include <filesystem>
#include <string_view>

namespace ecopt {

// Writes `text` to a new temporary file beside `path` (created with O_EXCL
// and `mode`, so a secret is never readable by others) and renames it over
// `path`: a write that fails (a full disk, a file size limit) leaves the
// previous file whole and no temporary behind, and a symbolic link planted
// at `path` is replaced, never followed. Throws UnavailableError naming the
// path and the reason.
void replace_file(const std::filesystem::path& path, std::string_view text, mode_t mode);

}  // namespace ecopt
