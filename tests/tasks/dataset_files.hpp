#pragma once
// Writers for small dataset files in the exact IDX and CIFAR-10 formats,
// so the loaders are tested on real files without downloads.
#include <unistd.h>
#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace ecopt::testing {

inline std::vector<std::uint8_t> big_endian(std::uint32_t value) {
  return {static_cast<std::uint8_t>(value >> 24), static_cast<std::uint8_t>(value >> 16),
          static_cast<std::uint8_t>(value >> 8), static_cast<std::uint8_t>(value)};
}

inline void write_bytes(const std::filesystem::path& path, const std::vector<std::uint8_t>& bytes,
                        bool gzip) {
  if (gzip) {
    gzFile file = gzopen(path.c_str(), "wb");
    gzwrite(file, bytes.data(), static_cast<unsigned>(bytes.size()));
    gzclose(file);
  } else {
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }
}

// Image i has every pixel equal to (i * 7 + pixel index) % 256.
inline std::vector<std::uint8_t> idx_images(std::uint32_t count, std::uint32_t height,
                                            std::uint32_t width) {
  std::vector<std::uint8_t> bytes;
  for (auto value : {0x00000803u, count, height, width}) {
    const auto word = big_endian(value);
    bytes.insert(bytes.end(), word.begin(), word.end());
  }
  for (std::uint32_t i = 0; i < count; ++i) {
    for (std::uint32_t p = 0; p < height * width; ++p) bytes.push_back(static_cast<std::uint8_t>((i * 7 + p) % 256));
  }
  return bytes;
}

// Label i is i % 10.
inline std::vector<std::uint8_t> idx_labels(std::uint32_t count) {
  std::vector<std::uint8_t> bytes;
  for (auto value : {0x00000801u, count}) {
    const auto word = big_endian(value);
    bytes.insert(bytes.end(), word.begin(), word.end());
  }
  for (std::uint32_t i = 0; i < count; ++i) bytes.push_back(static_cast<std::uint8_t>(i % 10));
  return bytes;
}

// Record i: label i % 10, channel c of every pixel equal to c * 80 + i.
inline std::vector<std::uint8_t> cifar_records(std::uint32_t count, std::uint32_t first = 0) {
  std::vector<std::uint8_t> bytes;
  for (std::uint32_t i = first; i < first + count; ++i) {
    bytes.push_back(static_cast<std::uint8_t>(i % 10));
    for (std::uint32_t channel = 0; channel < 3; ++channel) {
      bytes.insert(bytes.end(), 1024, static_cast<std::uint8_t>(channel * 80 + i));
    }
  }
  return bytes;
}

// A fresh, empty folder under the system temp folder.
inline std::filesystem::path fresh_folder(const std::string& name) {
  const auto folder = std::filesystem::temp_directory_path() /
                      ("ecopt_tasks_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(folder);
  std::filesystem::create_directories(folder);
  return folder;
}

}  // namespace ecopt::testing
