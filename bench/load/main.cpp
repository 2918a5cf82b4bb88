// rivet-load: the load generator of the benchmark suite (docs/benchmarks.md).
//
//   rivet-load --server build/bin/rivet-bench-server          start a server on a temp data dir
//   rivet-load --url http://127.0.0.1:6420 --pid 1234          drive a running server
//   rivet-load --smoke ...                                     a few seconds, small counts
//
// Every request goes to 127.0.0.1 (or the --url given), every loop is bounded in count and time.

#include "bare_fast.hpp"
#include "bench.hpp"

#include <rivet/protocol/messages.hpp>

#include <CLI/CLI.hpp>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>

#ifndef RIVET_LOAD_BUILD_TYPE
#define RIVET_LOAD_BUILD_TYPE "unknown"
#endif

namespace {

using rivet::load::Options;

// The hand-written BARE of the hot loops must equal what the protocol module encodes.
bool self_check() {
  using namespace rivet;
  for (std::uint64_t id : {0ull, 1ull, 127ull, 128ull, 300ull, 1ull << 40}) {
    for (const auto& [name, args] :
         {std::pair{std::string("increment"), Value::array({1})},
          std::pair{std::string("getCount"), Value::array()}}) {
      const auto want =
          protocol::encode_to_server(protocol::ActionRequest{id, name, args}, protocol::Encoding::Bare);
      std::vector<std::uint8_t> got;
      const auto& cbor = args.empty() ? load::bare::kNoArgs : load::bare::kOneArg;
      load::bare::action_request(got, id, name, cbor);
      if (got != want) {
        std::cerr << "rivet-load: self-check failed: ActionRequest(" << id << ", " << name
                  << ") differs from rivet::protocol\n";
        return false;
      }
    }
    const auto resp = protocol::encode_to_client(protocol::ActionResponse{id, Value(42)},
                                                 protocol::Encoding::Bare);
    const auto head = load::bare::peek_to_client(resp);
    if (head.kind != load::bare::Kind::ActionResponse || head.id != id) {
      std::cerr << "rivet-load: self-check failed: ActionResponse(" << id << ") not read back\n";
      return false;
    }
  }
  const auto http = protocol::encode_http_action_request(Value::array({1}), protocol::Encoding::Bare);
  if (load::bare::http_action_request(load::bare::kOneArg) != http) {
    std::cerr << "rivet-load: self-check failed: HttpActionRequest differs\n";
    return false;
  }
  return true;
}

std::vector<std::size_t> parse_sizes(const std::string& text) {
  std::vector<std::size_t> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto comma = text.find(',', start);
    const auto part = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!part.empty()) out.push_back(std::stoull(part));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string timestamp() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  std::string workloads;
  std::string ws_sets;
  std::string pids;
  CLI::App app{"rivet-load: benchmark workloads against a rivet actor server (see docs/benchmarks.md)"};
  app.add_option("--server", opt.server_bin, "Server binary to start (--port 0 --data-dir DIR)");
  app.add_option("--server-arg", opt.server_args, "Extra argument for the server (repeatable)")
      ->allow_extra_args(false);
  app.add_option("--url", opt.url, "Use a running server instead, e.g. http://127.0.0.1:6420");
  app.add_option("--pid", pids, "Its process ids, comma separated (RSS, CPU, fsync counts)");
  app.add_option("--data-dir", opt.data_dir, "Server data directory (default: a new temp dir)");
  app.add_flag("--keep-data", opt.keep_data, "Keep the temp data directory");
  app.add_option("--label", opt.label, "Name of the server under test in the report")
      ->capture_default_str();
  app.add_option("--durability", opt.durability_note, "Durability note printed with the figures");
  app.add_option("--namespace", opt.ns)->capture_default_str();
  app.add_option("--runner", opt.runner, "rvt-runner / runner_name_selector")->capture_default_str();
  app.add_option("--actor", opt.actor, "Actor name (needs increment, getCount, goToSleep)")
      ->capture_default_str();
  app.add_option("--workloads", workloads,
                 "Comma list, in order: mem,rt,ws,http,wake,create,stored,scale (default: all "
                 "but scale; mem first, it wants a fresh server). scale = "
                 "scale-actors,scale-state,scale-queue");
  app.add_flag("--smoke", opt.smoke, "Small counts and short windows (a few seconds in all)");
  app.add_option("--rt-count", opt.rt_count, "Sequential round trips per case")->capture_default_str();
  app.add_option("--rt-seconds", opt.rt_seconds)->capture_default_str();
  app.add_option("--ws-actors", ws_sets, "Actor counts of the WS throughput runs (default 1,1000,100000)");
  app.add_option("--seconds", opt.tput_seconds, "Timed window of each throughput run")
      ->capture_default_str();
  app.add_option("--ws-inflight", opt.ws_inflight, "Actions in flight over WS, all connections")
      ->capture_default_str();
  app.add_option("--ws-max-conns", opt.ws_max_conns,
                 "Most WS connections at once; more actors rotate connections")
      ->capture_default_str();
  app.add_option("--ws-visit", opt.ws_visit, "Actions per rotating connection")->capture_default_str();
  app.add_option("--http-conns", opt.http_conns)->capture_default_str();
  app.add_option("--http-actors", opt.http_actors)->capture_default_str();
  app.add_option("--mem-actors", opt.mem_actors, "Actors woken for the RSS figures")
      ->capture_default_str();
  app.add_option("--wake-actors", opt.wake_actors)->capture_default_str();
  app.add_option("--create-count", opt.create_count)->capture_default_str();
  app.add_option("--stored-actors", opt.stored_actors,
                 "Create this many actors and report storage figures (0 = skip)")
      ->capture_default_str();
  app.add_option("--setup-conns", opt.setup_conns)->capture_default_str();
  app.add_option("--settle-seconds", opt.settle_seconds, "Wait after putting actors to sleep")
      ->capture_default_str();
  app.add_option("--max-seconds", opt.max_total_seconds, "Whole-run budget; later workloads are skipped")
      ->capture_default_str();
  std::string scale_levels, state_sizes;
  app.add_option("--scale-levels", scale_levels,
                 "scale: stored-actor levels grown in one store (default 1000,100000,1000000)");
  app.add_option("--scale-awake", opt.scale_awake, "scale: actors awake at each level")
      ->capture_default_str();
  app.add_option("--scale-samples", opt.scale_samples,
                 "scale: sequential wakes, lookups and creates per level")
      ->capture_default_str();
  app.add_option("--scale-seconds", opt.scale_seconds, "scale: each timed window")
      ->capture_default_str();
  app.add_option("--state-sizes", state_sizes, "scale: state sizes in bytes (default 100,10240,1048576)");
  app.add_option("--state-wake-actors", opt.state_wake_actors)->capture_default_str();
  app.add_option("--state-variant", opt.state_variants,
                 "scale: NAME=ARGS, the state axis again on a server restarted with ARGS added "
                 "(repeatable)")
      ->allow_extra_args(false);
  app.add_option("--queue-depth", opt.queue_depth, "scale: messages queued (1000 = the limit)")
      ->capture_default_str();
  app.add_option("--queue-actors", opt.queue_actors)->capture_default_str();
  app.add_option("--json", opt.json_path, "Write the JSON report here");
  app.add_option("--results-dir", opt.results_dir, "Else write <dir>/<timestamp>.json");
  app.add_option("--build-type", opt.build_type, "Build type to record (default: this binary's)");
  bool no_json = false;
  app.add_flag("--no-json", no_json, "Write no JSON file");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (opt.server_bin.empty() == opt.url.empty()) {
    std::cerr << "rivet-load: give exactly one of --server and --url\n";
    return 2;
  }
  for (int i = 0; i < argc; ++i) {
    opt.command_line += (i ? " " : "") + std::string(argv[i]);
  }
  if (opt.build_type.empty()) {
    opt.build_type = RIVET_LOAD_BUILD_TYPE;
  }
  if (!pids.empty()) {
    for (auto p : parse_sizes(pids)) opt.pids.push_back(static_cast<int>(p));
  }
  if (opt.smoke) {
    // Small enough for a few seconds in all, large enough to exercise every path.
    opt.rt_count = std::min<std::size_t>(opt.rt_count, 300);
    opt.rt_seconds = std::min(opt.rt_seconds, 1.0);
    opt.ws_actor_sets = {1, 50, 300};
    opt.ws_max_conns = std::min<std::size_t>(opt.ws_max_conns, 100);
    opt.ws_visit = std::min<std::size_t>(opt.ws_visit, 8);
    opt.tput_seconds = std::min(opt.tput_seconds, 0.5);
    opt.http_conns = std::min<std::size_t>(opt.http_conns, 8);
    opt.http_actors = std::min<std::size_t>(opt.http_actors, 50);
    opt.mem_actors = std::min<std::size_t>(opt.mem_actors, 300);
    opt.wake_actors = std::min<std::size_t>(opt.wake_actors, 30);
    opt.create_count = std::min<std::size_t>(opt.create_count, 30);
    opt.stored_actors = 0;
    opt.setup_conns = std::min<std::size_t>(opt.setup_conns, 16);
    opt.settle_seconds = std::min(opt.settle_seconds, 0.3);
    opt.max_total_seconds = std::min(opt.max_total_seconds, 60.0);
    opt.scale_levels = {100, 300};
    opt.scale_awake = std::min<std::size_t>(opt.scale_awake, 50);
    opt.scale_samples = std::min<std::size_t>(opt.scale_samples, 20);
    opt.scale_seconds = std::min(opt.scale_seconds, 0.2);
    opt.state_sizes = {100, 10'240};
    opt.state_wake_actors = std::min<std::size_t>(opt.state_wake_actors, 3);
    opt.queue_depth = std::min<std::size_t>(opt.queue_depth, 20);
    opt.queue_actors = std::min<std::size_t>(opt.queue_actors, 2);
    // The smoke run covers the scale workload too (tiny levels), unless a list was given.
    opt.workloads.insert(opt.workloads.end(), {"scale-actors", "scale-state", "scale-queue"});
  }
  if (!scale_levels.empty()) opt.scale_levels = parse_sizes(scale_levels);
  if (!state_sizes.empty()) opt.state_sizes = parse_sizes(state_sizes);
  if (!ws_sets.empty()) {
    opt.ws_actor_sets = parse_sizes(ws_sets);
  }
  if (!workloads.empty()) {
    opt.workloads.clear();
    std::size_t start = 0;
    while (start <= workloads.size()) {
      const auto comma = workloads.find(',', start);
      auto part = workloads.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (part == "scale") {
        opt.workloads.insert(opt.workloads.end(), {"scale-actors", "scale-state", "scale-queue"});
      } else if (!part.empty()) {
        opt.workloads.push_back(part);
      }
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  if (!self_check()) {
    return 3;
  }

  rivet::load::Bench bench(opt);
  const bool ok = bench.run();
  bench.print_table();
  const auto json = bench.to_json();
  if (!no_json) {
    std::string path = opt.json_path;
    if (path.empty() && !opt.results_dir.empty()) {
      std::filesystem::create_directories(opt.results_dir);
      path = opt.results_dir + "/" + timestamp() + "-" + opt.label + ".json";
    }
    if (!path.empty()) {
      std::ofstream out(path);
      out << json.dump(2) << "\n";
      std::cout << "results: " << path << "\n";
    }
  }
  const auto errors = bench.error_count();
  if (!ok || errors > 0) {
    std::cerr << "rivet-load: " << errors << " figure(s) with errors\n";
    return 1;
  }
  return 0;
}
