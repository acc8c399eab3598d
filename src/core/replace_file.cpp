#include "ecopt/core/replace_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include <fmt/format.h>

#include "ecopt/core/error.hpp"

namespace ecopt {

void replace_file(const std::filesystem::path& path, std::string_view text, mode_t mode) {
  std::string temporary = path.string() + ".XXXXXX";
  const int fd = ::mkstemp(temporary.data());
  if (fd < 0) {
    throw UnavailableError(fmt::format("cannot write {} ({})", path.string(), std::strerror(errno)));
  }
  bool written = ::fchmod(fd, mode) == 0;
  for (std::size_t done = 0; written && done < text.size();) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    written = n > 0;
    if (written) done += static_cast<std::size_t>(n);
  }
  const int write_error = errno;
  written = ::close(fd) == 0 && written;
  if (!written || ::rename(temporary.c_str(), path.c_str()) != 0) {
    const int error = written ? errno : write_error;
    ::unlink(temporary.c_str());
    throw UnavailableError(fmt::format("cannot write {} ({})", path.string(), std::strerror(error)));
  }
}

}  // namespace ecopt
