#pragma once
#include <functional>
#include <string>

#include <gtest/gtest.h>

#include "ecopt/core/error.hpp"

namespace ecopt::test {

// Runs `action`, expecting a one-line InputError that contains `expected`.
inline void expect_input_error(const std::function<void()>& action, const std::string& expected) {
  try {
    action();
  } catch (const InputError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find(expected), std::string::npos)
        << "message: " << message << "\nexpected to contain: " << expected;
    EXPECT_EQ(message.find('\n'), std::string::npos) << "not one line: " << message;
    return;
  }
  ADD_FAILURE() << "no InputError; expected one containing: " << expected;
}

}  // namespace ecopt::test
