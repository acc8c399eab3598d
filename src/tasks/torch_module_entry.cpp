// The libtorch module's one exported C symbol: the table the library reads
// after opening the module (torch_module.hpp).
#include "torch_module.hpp"

extern "C" __attribute__((visibility("default"))) const ecopt::detail::TorchTasks*
ecopt_torch_tasks() {
  static const ecopt::detail::TorchTasks tasks{
      ECOPT_VERSION,
      ecopt::detail::torch_image_classification_task,
      ecopt::detail::torch_text_generation_task,
      ecopt::detail::torch_generation_benchmark,
  };
  return &tasks;
}
