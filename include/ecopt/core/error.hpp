#pragma once
// Errors that reach the user. Every message is one line that says what is
// wrong and what to do about it; the CLI prints it as "ecopt: error: <what>".
#include <stdexcept>
#include <string>

namespace ecopt {

// Base of every error ECOpt raises on purpose.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The user's input (a flag, a file, a JSON document, a value) is invalid.
class InputError : public Error {
 public:
  using Error::Error;
};

// A named thing (study, trial, device, file) does not exist.
class NotFoundError : public Error {
 public:
  using Error::Error;
};

// Storage could not be opened, read or written.
class StorageError : public Error {
 public:
  using Error::Error;
};

// A sensor, library or system call needed for a measurement is unavailable.
class UnavailableError : public Error {
 public:
  using Error::Error;
};

}  // namespace ecopt
