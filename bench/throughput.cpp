// Training and inference throughput (images/s) of the image-classification
// task's libtorch code against the same model in PyTorch from Python, same
// threads, same machine, in one run; prints C++/PyTorch ratios.
//
//   ecopt_bench_throughput [--seconds 4] [--threads N] [--python /usr/bin/python3]
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cnn_model.hpp"

namespace {

struct Case {
  std::string name;
  ecopt::CnnArchitecture architecture;
  std::int64_t images = 0;
  std::int64_t batch = 64;
  std::int64_t inference_batch = 256;
};

struct Options {
  double seconds = 4.0;
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::string python = "/usr/bin/python3";
};

template <typename Run>
double images_per_s(Run run, std::int64_t images_per_run, double seconds) {
  run();  // warm-up, as on the Python side
  std::int64_t runs = 0;
  const auto started = std::chrono::steady_clock::now();
  while (true) {
    run();
    ++runs;
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (elapsed >= seconds) return static_cast<double>(runs * images_per_run) / elapsed;
  }
}

std::string layer_list(const ecopt::CnnArchitecture& architecture) {
  std::string layers;
  for (const auto& layer : ecopt::model_cost(architecture).layers) {
    const char* kind = layer.kind == ecopt::LayerKind::Conv      ? "conv"
                       : layer.kind == ecopt::LayerKind::Relu    ? "relu"
                       : layer.kind == ecopt::LayerKind::MaxPool ? "pool"
                                                                 : "linear";
    layers += (layers.empty() ? "" : ",") + std::string(kind);
  }
  return layers;
}

nlohmann::json measure_cpp(const Case& c, const Options& options) {
  at::set_num_threads(options.threads);
  torch::manual_seed(0);
  const auto& a = c.architecture;
  auto model = ecopt::detail::build_cnn(a);
  const ecopt::detail::TensorData data{torch::randn({c.images, a.in_channels, a.in_height, a.in_width}),
                                       torch::randint(0, a.num_classes, {c.images}, torch::kInt64)};
  torch::optim::Adam optimizer(model->parameters(), torch::optim::AdamOptions(1e-3));
  return {{"train_images_per_s",
           images_per_s([&] { ecopt::detail::train_epoch(model, optimizer, data, c.batch, [] {}); },
                        c.images, options.seconds)},
          {"inference_images_per_s",
           images_per_s([&] { ecopt::detail::predict(model, data.images, c.inference_batch); },
                        c.images, options.seconds)}};
}

nlohmann::json measure_python(const Case& c, const Options& options) {
  const auto& a = c.architecture;
  const auto command = fmt::format(
      "{} {}/bench/throughput_torch.py --channels {} --height {} --width_px {} --classes {} "
      "--width {} --kernel {} --images {} --batch {} --inference_batch {} --threads {} "
      "--layers {} --seconds {}",
      options.python, ECOPT_SOURCE_DIR, a.in_channels, a.in_height, a.in_width, a.num_classes,
      a.width, a.kernel_size, c.images, c.batch, c.inference_batch, options.threads,
      layer_list(a), options.seconds);
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe) throw std::runtime_error("cannot start " + options.python);
  std::string output;
  char buffer[4096];
  while (auto got = fread(buffer, 1, sizeof buffer, pipe.get())) output.append(buffer, got);
  if (output.empty()) {
    throw std::runtime_error(fmt::format("{} printed nothing; is python3-torch installed?", command));
  }
  return nlohmann::json::parse(output);
}

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--seconds") options.seconds = std::stod(argv[i + 1]);
    else if (flag == "--threads") options.threads = std::stoi(argv[i + 1]);
    else if (flag == "--python") options.python = argv[i + 1];
    else throw std::runtime_error("unknown flag " + flag + "; use --seconds, --threads or --python");
  }
  return options;
}

}  // namespace

int main(int argc, char** argv) try {
  const auto options = parse(argc, argv);
  // Shapes of the default study (Fashion-MNIST) and of the paper's CIFAR-10
  // search, mid-sized members of the family.
  const std::vector<Case> cases = {
      {"fashion-mnist w32 d3 k3 pool", {1, 28, 28, 10, 32, 3, 3, true}, 2048, 64, 256},
      {"cifar10 w64 d4 k5 pool", {3, 32, 32, 10, 64, 4, 5, true}, 1024, 64, 256},
  };
  fmt::print("threads {}, {} s per measurement, libtorch {}\n", options.threads, options.seconds,
             TORCH_VERSION);
  fmt::print("{:<30} {:>12} {:>12} {:>7} {:>12} {:>12} {:>7}\n", "model", "train C++", "train py",
             "ratio", "infer C++", "infer py", "ratio");
  for (const auto& c : cases) {
    const auto cpp = measure_cpp(c, options);
    const auto py = measure_python(c, options);
    const double train_ratio = cpp["train_images_per_s"].get<double>() / py["train_images_per_s"].get<double>();
    const double infer_ratio =
        cpp["inference_images_per_s"].get<double>() / py["inference_images_per_s"].get<double>();
    fmt::print("{:<30} {:>12.0f} {:>12.0f} {:>7.2f} {:>12.0f} {:>12.0f} {:>7.2f}\n", c.name,
               cpp["train_images_per_s"].get<double>(), py["train_images_per_s"].get<double>(),
               train_ratio, cpp["inference_images_per_s"].get<double>(),
               py["inference_images_per_s"].get<double>(), infer_ratio);
  }
  fmt::print("images/s; ratio = C++ / PyTorch (target >= 1.0)\n");
  return 0;
} catch (const std::exception& error) {
  fmt::print(stderr, "ecopt_bench_throughput: error: {}\n", error.what());
  return 1;
}
