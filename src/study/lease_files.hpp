#pragma once
// Files in the node's lease folder, shared by device leases and machine
// activity: one safety check of the folder, one way to open a file in it.
#include <filesystem>

namespace ecopt::detail {

// Creates the folder if needed; UnavailableError when it is a symbolic link
// or it, or a folder above it, belongs to another user or may be written by
// others without the sticky bit (as ssh checks ~/.ssh).
void prepare_lease_dir(const std::filesystem::path& dir);

enum class LockFileAccess { ReadOnly, ReadWrite };

// Opens a file of the lease folder, creating it if needed, never through a
// symbolic link, never anything but a plain file. Not close-on-exec: a
// trial's programs inherit it (read-only is all flock needs).
int open_lock_file(const std::filesystem::path& path, LockFileAccess access);

}  // namespace ecopt::detail
