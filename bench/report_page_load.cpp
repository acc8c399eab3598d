// For bench/report_scale.sh: opens a report.html in headless Chromium (the
// tests' DevTools driver, tests/report/chromium.hpp) and prints, as one JSON
// line, the long tasks (main-thread tasks over 50 ms, from a
// PerformanceObserver registered before anything else on the page), when the
// page was ready, and how long the table takes to sort every trial and turn
// a page.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "report/chromium.hpp"

namespace {

namespace fs = std::filesystem;

const char* kObserver =
    "<script>window.longTasks = [];"
    "new PerformanceObserver((list) => { for (const task of list.getEntries()) "
    "window.longTasks.push(task.duration); }).observe({type: 'longtask', buffered: true});</script>";

// How long a click on the element takes to handle, in ms.
const char* kTimedClick =
    "(() => { const start = performance.now(); document.querySelector('%s').click(); "
    "return performance.now() - start; })()";

std::string timed_click(const std::string& selector) {
  std::string script = kTimedClick;
  return script.replace(script.find("%s"), 2, selector);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: ecopt_bench_report_page_load REPORT_HTML SCRATCH_DIR\n";
    return 2;
  }
  const fs::path scratch = argv[2];
  fs::create_directories(scratch);
  std::ifstream in(argv[1], std::ios::binary);
  std::stringstream page;
  page << in.rdbuf();
  std::string html = page.str();
  const auto head = html.find("<head>");
  if (head == std::string::npos) {
    std::cerr << argv[1] << " has no <head>; pass a report.html\n";
    return 2;
  }
  html.insert(head + 6, kObserver);
  const fs::path harness = scratch / "report.html";  // beside nothing: the page needs no other file
  std::ofstream(harness, std::ios::binary) << html;

  ecopt::testing::ChromiumSession browser(scratch / "chromium", 1280, 900);
  const auto started = std::chrono::steady_clock::now();
  browser.navigate("file://" + fs::absolute(harness).string());
  const auto ready = browser.wait_for("document.body.getAttribute('data-report-ready') === 'true'",
                                      std::chrono::seconds(120));
  if (!ready) {
    std::cerr << "the page was not ready within 120 s\n";
    return 1;
  }
  const double ready_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::this_thread::sleep_for(std::chrono::seconds(2));  // layout and paint after the script
  nlohmann::json result = {
      {"page_bytes", fs::file_size(argv[1])},
      {"ready_s", ready_s},
      {"load_event_ms", browser.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")},
      {"dom_nodes", browser.evaluate("document.getElementsByTagName('*').length")},
      {"table_rows", browser.evaluate("document.querySelectorAll('#trial-table tbody tr').length")},
      {"sort_ms", browser.evaluate(timed_click("#trial-table th[data-field=\"values.0\"]"))},
      {"next_page_ms", browser.evaluate(timed_click(".table-tools button:nth-of-type(2)"))}};
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const auto tasks = browser.evaluate("window.longTasks");
  double longest = 0.0;
  for (const auto& task : tasks) longest = std::max(longest, task.get<double>());
  result["long_tasks_ms"] = tasks;
  result["longest_task_ms"] = longest;
  result["console"] = browser.console();
  std::cout << result.dump() << "\n";
  return browser.console().empty() ? 0 : 1;
}
