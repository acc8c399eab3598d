#include "ecopt/core/signal_scope.hpp"

namespace ecopt {

SignalScope::SignalScope(std::initializer_list<int> signals, Handler handler) {
  struct sigaction action {};
  action.sa_handler = handler;
  sigemptyset(&action.sa_mask);
  for (const int signal : signals) {
    previous_.push_back({signal, {}});
    sigaction(signal, &action, &previous_.back().second);
  }
}

SignalScope::~SignalScope() {
  for (const auto& [signal, previous] : previous_) sigaction(signal, &previous, nullptr);
}

}  // namespace ecopt
