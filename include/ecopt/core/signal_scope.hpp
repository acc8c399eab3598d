#pragma once
// Installs one handler for some signals for the life of a scope and puts
// back what was there: the one place ECOpt takes signals (the runner's
// stop on Ctrl-C or SIGTERM, `ecopt measure` passing them on to its
// command). The handler must be async-signal-safe.
#include <csignal>
#include <initializer_list>
#include <utility>
#include <vector>

namespace ecopt {

class SignalScope {
 public:
  using Handler = void (*)(int);
  SignalScope(std::initializer_list<int> signals, Handler handler);
  ~SignalScope();
  SignalScope(const SignalScope&) = delete;
  SignalScope& operator=(const SignalScope&) = delete;

 private:
  std::vector<std::pair<int, struct sigaction>> previous_;
};

}  // namespace ecopt
