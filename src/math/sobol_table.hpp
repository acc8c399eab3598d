#pragma once
// Joe–Kuo direction numbers (new-joe-kuo-6.21201), internal to the math module.
#include <array>
#include <cstddef>
#include <cstdint>

namespace ecopt::detail {

struct JoeKuoRow {
  std::uint8_t degree;                 // s
  std::uint32_t coefficients;          // a
  std::array<std::uint16_t, 13> initial;  // m_1 .. m_s, zero beyond s
};

// Rows for dimensions 2 .. kJoeKuoRows + 1; dimension 1 is van der Corput.
inline constexpr std::size_t kJoeKuoRows = 1110;
extern const std::array<JoeKuoRow, kJoeKuoRows> kJoeKuoTable;

}  // namespace ecopt::detail
