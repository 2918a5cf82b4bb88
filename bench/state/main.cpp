// rivet-bench-state: what an action that changes a large actor state costs (docs/benchmarks.md,
// "Large state"). For each state size it starts rivet-bench-server on a fresh data directory,
// twice (chunked state storage on, then off with RIVET_STATE_CHUNKING=0), fills one `blob`
// actor, and times sequential durable actions that edit 16 bytes of it: their latency, the
// server's CPU time and the bytes it sent to the disk, per action.
//
//   rivet-bench-state --server build/bin/rivet-bench-server [--sizes 100,10240,1048576]
//                     [--actions 300] [--edit touch|insert]

#include "../load/http_client.hpp"
#include "../load/proc.hpp"

#include <CLI/CLI.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace {

using rivet::load::HttpConn;
using rivet::load::HttpResponse;
using rivet::load::Method;

struct Figures {
  double p50_ms = 0;
  double p99_ms = 0;
  double cpu_us = 0;      // server CPU per action
  double disk_bytes = 0;  // /proc/<pid>/io write_bytes per action
  std::size_t errors = 0;
};

// One request on the connection, run to completion (sequential by design: the latency of one
// durable action, not throughput).
HttpResponse call(boost::asio::io_context& io, HttpConn& conn, const std::string& target,
                  const std::string& body) {
  HttpResponse out;
  conn.request(Method::Post, target, body, rivet::load::json_headers(),
               [&](HttpResponse& r) { out = std::move(r); });
  io.restart();
  io.run();
  return out;
}

std::string action_path(const std::string& key, const std::string& action) {
  return "/gateway/blob/action/" + action +
         "?rvt-namespace=default&rvt-method=getOrCreate&rvt-runner=default&rvt-key=" + key +
         "&rvt-crash-policy=sleep";
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) {
    return 0;
  }
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

std::optional<Figures> measure(const std::string& server, bool chunking, std::size_t size,
                               std::size_t actions, const std::string& edit) {
  if (chunking) {
    ::unsetenv("RIVET_STATE_CHUNKING");
  } else {
    ::setenv("RIVET_STATE_CHUNKING", "0", 1);
  }
  const auto dir =
      std::filesystem::temp_directory_path() / ("rivet-bench-state-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  rivet::load::ServerProcess proc;
  if (auto err = proc.start(server, (dir / "data").string(), {"--threads", "1"},
                            (dir / "server.log").string(), std::chrono::seconds(20))) {
    std::fprintf(stderr, "rivet-bench-state: %s\n", err->c_str());
    return std::nullopt;
  }
  boost::asio::io_context io;
  auto conn = std::make_shared<HttpConn>(io);
  std::string connect_error;
  conn->connect({boost::asio::ip::make_address(proc.host()), proc.port()},
                [&](std::string err) { connect_error = std::move(err); });
  io.run();
  if (!connect_error.empty()) {
    std::fprintf(stderr, "rivet-bench-state: connect: %s\n", connect_error.c_str());
    return std::nullopt;
  }
  const std::string key = "s" + std::to_string(size);
  auto set =
      call(io, *conn, action_path(key, "setSize"), "{\"args\":[" + std::to_string(size) + "]}");
  if (set.status != 200) {
    std::fprintf(stderr, "rivet-bench-state: setSize: %u %s\n", set.status, set.body.c_str());
    return std::nullopt;
  }
  Figures f;
  const std::string target = action_path(key, edit);
  for (int i = 0; i < 20; ++i) {  // warm: the actor awake, the connection and caches hot
    (void)call(io, *conn, target, "{\"args\":[]}");
  }
  const std::vector<pid_t> pids{proc.pid()};
  const double cpu0 = rivet::load::cpu_seconds(pids);
  const auto disk0 = rivet::load::io_write_bytes(pids);
  std::vector<double> ms;
  ms.reserve(actions);
  for (std::size_t i = 0; i < actions; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    auto r = call(io, *conn, target, "{\"args\":[]}");
    ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    if (r.status != 200) {
      ++f.errors;
    }
  }
  const double cpu1 = rivet::load::cpu_seconds(pids);
  const auto disk1 = rivet::load::io_write_bytes(pids);
  conn->close();
  proc.stop();
  std::filesystem::remove_all(dir);
  const auto n = static_cast<double>(actions);
  f.p50_ms = percentile(ms, 0.50);
  f.p99_ms = percentile(ms, 0.99);
  f.cpu_us = (cpu1 - cpu0) * 1e6 / n;
  f.disk_bytes = disk0 < 0 ? -1 : static_cast<double>(disk1 - disk0) / n;
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"rivet-bench-state: durable edits of a large actor state, chunked and not"};
  std::string server;
  std::vector<std::size_t> sizes{100, 10 * 1024, 1024 * 1024};
  std::size_t actions = 300;
  std::string edit = "touch";
  app.add_option("--server", server, "rivet-bench-server binary")->required();
  app.add_option("--sizes", sizes, "state sizes in bytes")->delimiter(',');
  app.add_option("--actions", actions, "timed actions per run");
  app.add_option("--edit", edit, "touch (16 B overwritten) or insert (16 B inserted)")
      ->check(CLI::IsMember({"touch", "insert"}));
  CLI11_PARSE(app, argc, argv);

  std::printf(
      "| state | edit | chunking | p50 ms | p99 ms | server CPU µs/action | disk bytes/action |\n");
  std::printf("|---:|---|---|---:|---:|---:|---:|\n");
  int failures = 0;
  for (auto size : sizes) {
    for (bool chunking : {true, false}) {
      auto f = measure(server, chunking, size, actions, edit);
      if (!f || f->errors > 0) {
        ++failures;
        std::printf("| %zu | %s | %s | failed |||||\n", size, edit.c_str(),
                    chunking ? "on" : "off");
        continue;
      }
      std::printf("| %zu | %s | %s | %.2f | %.2f | %.0f | %.0f |\n", size, edit.c_str(),
                  chunking ? "on" : "off", f->p50_ms, f->p99_ms, f->cpu_us, f->disk_bytes);
      std::fflush(stdout);
    }
  }
  return failures == 0 ? 0 : 1;
}
