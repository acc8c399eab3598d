// Training and inference throughput (images/s) of the image-classification
// task's libtorch code against the same model in PyTorch from Python, same
// threads, same machine, in one run; prints C++/PyTorch ratios. C++ and
// Python rounds alternate, and each side keeps its best round, so that
// other work on a shared machine disturbs both sides alike. Each round is
// timed twice: images per wall-clock second, and per CPU-second of the
// process (steady on a busy machine; equal to the first on an idle one
// with one thread).
//
//   ecopt_bench_throughput [--seconds 1] [--rounds 5] [--threads N]
//                          [--python-layout nchw|task]
//                          [--python /usr/bin/python3]
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "cnn_model.hpp"

namespace {

struct Case {
  std::string name;
  ecopt::CnnArchitecture architecture;
  std::int64_t images = 0;  // per timed run (one epoch, or one inference pass)
  std::int64_t batch = 64;
  std::int64_t inference_batch = 256;
};

struct Options {
  double seconds = 1.0;
  int rounds = 5;
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::string python = "/usr/bin/python3";
  std::string python_layout = "nchw";
};

struct Rate {
  double wall = 0.0;  // images per wall-clock second
  double cpu = 0.0;   // images per CPU-second of the process

  void keep_best(const Rate& other) {
    wall = std::max(wall, other.wall);
    cpu = std::max(cpu, other.cpu);
  }
};

double process_cpu_s() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

template <typename Run>
Rate one_round(Run run, std::int64_t images_per_run, double seconds) {
  std::int64_t runs = 0;
  const auto started = std::chrono::steady_clock::now();
  const double started_cpu = process_cpu_s();
  while (true) {
    run();
    ++runs;
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (elapsed >= seconds) {
      const auto images = static_cast<double>(runs * images_per_run);
      return {images / elapsed, images / (process_cpu_s() - started_cpu)};
    }
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

// The Python side: a child process that answers "train"/"infer" with the
// images/s of one round.
class PythonPeer {
 public:
  PythonPeer(const Case& c, const Options& options) {
    const auto& a = c.architecture;
    const std::vector<std::string> argv = {
        options.python,
        std::string(ECOPT_SOURCE_DIR) + "/bench/throughput_torch.py",
        "--channels", std::to_string(a.in_channels), "--height", std::to_string(a.in_height),
        "--width_px", std::to_string(a.in_width), "--classes", std::to_string(a.num_classes),
        "--width", std::to_string(a.width), "--kernel", std::to_string(a.kernel_size),
        "--images", std::to_string(c.images), "--batch", std::to_string(c.batch),
        "--inference_batch", std::to_string(c.inference_batch),
        "--threads", std::to_string(options.threads), "--layers", layer_list(a),
        "--seconds", std::to_string(options.seconds), "--layout", options.python_layout};
    int to_child[2];
    int from_child[2];
    if (pipe(to_child) != 0 || pipe(from_child) != 0) throw std::runtime_error("pipe failed");
    pid_ = fork();
    if (pid_ == 0) {
      dup2(to_child[0], STDIN_FILENO);
      dup2(from_child[1], STDOUT_FILENO);
      close(to_child[1]);
      close(from_child[0]);
      std::vector<char*> args;
      for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
    close(to_child[0]);
    close(from_child[1]);
    to_ = fdopen(to_child[1], "w");
    from_ = fdopen(from_child[0], "r");
    if (read_line() != "ready") {
      throw std::runtime_error(fmt::format("{} did not start; is python3-torch installed?", options.python));
    }
  }
  ~PythonPeer() {
    fclose(to_);
    fclose(from_);
    waitpid(pid_, nullptr, 0);
  }
  PythonPeer(const PythonPeer&) = delete;
  PythonPeer& operator=(const PythonPeer&) = delete;

  Rate round(const std::string& command) {
    fmt::print(to_, "{}\n", command);
    fflush(to_);
    const auto answer = read_line();
    Rate rate;
    if (std::sscanf(answer.c_str(), "%lf %lf", &rate.wall, &rate.cpu) != 2) {
      throw std::runtime_error("python side answered: " + answer);
    }
    return rate;
  }

 private:
  std::string read_line() {
    char buffer[256];
    if (fgets(buffer, sizeof buffer, from_) == nullptr) return "";
    std::string line(buffer);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    return line;
  }

  pid_t pid_ = -1;
  FILE* to_ = nullptr;
  FILE* from_ = nullptr;
};

void print_row(const std::string& name, const char* phase, const Rate& cpp, const Rate& python) {
  fmt::print("{:<38} {:<6} {:>9.0f} {:>9.0f} {:>6.2f} {:>9.0f} {:>9.0f} {:>6.2f}\n", name, phase,
             cpp.wall, python.wall, cpp.wall / python.wall, cpp.cpu, python.cpu,
             cpp.cpu / python.cpu);
}

void compare(const Case& c, const Options& options) {
  at::set_num_threads(options.threads);
  torch::manual_seed(0);
  const auto& a = c.architecture;
  auto model = ecopt::detail::build_cnn(a);
  const ecopt::detail::TensorData data{torch::randn({c.images, a.in_channels, a.in_height, a.in_width}),
                                       torch::randint(0, a.num_classes, {c.images}, torch::kInt64)};
  torch::optim::Adam optimizer(model->parameters(), torch::optim::AdamOptions(1e-3));
  // Each phase in the layout the task picks for its batch size.
  const auto train_layout = ecopt::detail::cpu_layout_for(c.batch);
  const auto infer_layout = ecopt::detail::cpu_layout_for(c.inference_batch);
  auto train = [&] { ecopt::detail::train_epoch(model, optimizer, data, c.batch, [] {}); };
  auto infer = [&] { ecopt::detail::predict(model, data.images, c.inference_batch); };
  ecopt::detail::set_layout(model, train_layout);
  train();  // warm-up, as on the Python side
  ecopt::detail::set_layout(model, infer_layout);
  infer();
  PythonPeer python(c, options);
  Rate cpp_train, python_train, cpp_infer, python_infer;
  for (int round = 0; round < options.rounds; ++round) {
    ecopt::detail::set_layout(model, train_layout);
    cpp_train.keep_best(one_round(train, c.images, options.seconds));
    python_train.keep_best(python.round("train"));
    ecopt::detail::set_layout(model, infer_layout);
    cpp_infer.keep_best(one_round(infer, c.images, options.seconds));
    python_infer.keep_best(python.round("infer"));
  }
  print_row(c.name, "train", cpp_train, python_train);
  print_row(c.name, "infer", cpp_infer, python_infer);
}

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--seconds") options.seconds = std::stod(argv[i + 1]);
    else if (flag == "--rounds") options.rounds = std::stoi(argv[i + 1]);
    else if (flag == "--threads") options.threads = std::stoi(argv[i + 1]);
    else if (flag == "--python") options.python = argv[i + 1];
    else if (flag == "--python-layout") options.python_layout = argv[i + 1];
    else throw std::runtime_error("unknown flag " + flag +
                                  "; use --seconds, --rounds, --threads, --python-layout or --python");
  }
  return options;
}

}  // namespace

int main(int argc, char** argv) try {
  const auto options = parse(argc, argv);
  // Members of the family on the default study's shape (Fashion-MNIST) and
  // the paper's (CIFAR-10): a small one at inference batch 1 (the search
  // space's low end, where per-call overhead matters) and mid-sized ones.
  const std::vector<Case> cases = {
      {"fashion w8 d2 k3 pool, batch 16/1", {1, 28, 28, 10, 8, 2, 3, true}, 256, 16, 1},
      {"fashion w32 d3 k3 pool, batch 64/256", {1, 28, 28, 10, 32, 3, 3, true}, 256, 64, 256},
      {"cifar10 w64 d4 k5 pool, batch 64/256", {3, 32, 32, 10, 64, 4, 5, true}, 128, 64, 128},
  };
  fmt::print("threads {}, best of {} alternating rounds of {} s, libtorch {}, Python layout {}\n",
             options.threads, options.rounds, options.seconds, TORCH_VERSION, options.python_layout);
  fmt::print("{:<38} {:<6} {:>9} {:>9} {:>6} {:>9} {:>9} {:>6}\n", "model, train/inference batch",
             "phase", "C++ /s", "py /s", "ratio", "C++ /cpu", "py /cpu", "ratio");
  for (const auto& c : cases) compare(c, options);
  fmt::print("images per wall-clock second (/s) and per process CPU-second (/cpu); "
             "ratio = C++ / PyTorch (target >= 1.0)\n");
  return 0;
} catch (const std::exception& error) {
  fmt::print(stderr, "ecopt_bench_throughput: error: {}\n", error.what());
  return 1;
}
