#pragma once
// The workloads of rivet-load (see docs/benchmarks.md for what each figure means).

#include "common.hpp"
#include "http_client.hpp"
#include "proc.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace rivet::load {

struct Options {
  // -- target ---------------------------------------------------------------------------------
  std::string server_bin;                 // start this server (rivet ... --port 0 --data-dir D)
  std::vector<std::string> server_args;   // extra arguments for it
  std::string url;                        // or use a running server
  std::vector<int> pids;                  // its processes (RSS, CPU, fsync counts)
  std::string data_dir;                   // its data directory (disk figures)
  bool keep_data = false;
  std::string label = "rivetkit-cpp";
  std::string ns = "default";
  std::string runner = "default";
  std::string actor = "counter";
  std::string durability_note = "durable on every reply (group commit, fsync before the ack)";

  // -- what to run ----------------------------------------------------------------------------
  std::vector<std::string> workloads{"mem", "rt", "ws", "http", "wake", "create", "stored"};
  bool smoke = false;

  // -- sizes and bounds -----------------------------------------------------------------------
  std::size_t rt_count = 20'000;
  double rt_seconds = 4;
  std::vector<std::size_t> ws_actor_sets{1, 1'000, 100'000};
  double tput_seconds = 5;
  std::size_t ws_inflight = 1'024;
  std::size_t ws_max_conns = 4'000;  // the hard fd limit here is 20 000 per process
  std::size_t ws_visit = 32;         // actions per connection visit when actors > max conns
  std::size_t http_conns = 256;
  std::size_t http_actors = 1'000;
  std::size_t mem_actors = 100'000;
  std::size_t wake_actors = 1'000;
  std::size_t create_count = 1'000;
  std::size_t stored_actors = 0;  // 0 = skip (1 000 000 is the figure)
  std::size_t setup_conns = 64;
  double settle_seconds = 2;
  double max_total_seconds = 1'800;

  std::string json_path;    // explicit JSON output file
  std::string results_dir;  // else <results_dir>/<timestamp>.json
  std::string command_line;
  std::string build_type;
};

class Bench {
 public:
  explicit Bench(Options opt);
  ~Bench();
  /// Runs the selected workloads; false if a workload failed outright (errors are in metrics).
  bool run();

  [[nodiscard]] const std::vector<Metric>& metrics() const { return metrics_; }
  [[nodiscard]] Json to_json() const;
  void print_table() const;
  [[nodiscard]] std::size_t error_count() const;

 private:
  struct HttpJob {
    Method method = Method::Post;
    std::string target;
    std::string body;
    const HttpConn::Headers* headers = nullptr;
  };
  struct PoolResult {
    std::uint64_t ok = 0;
    std::uint64_t errors = 0;
    std::string first_error;
    Latencies lat;
    double seconds = 0;
    bool timed_out = false;
  };
  using NextJob = std::function<std::optional<HttpJob>(std::uint64_t seq)>;
  using CheckResponse = std::function<std::string(std::uint64_t seq, HttpResponse&)>;

  struct WsResult {
    std::uint64_t actions = 0;
    std::uint64_t errors = 0;
    std::uint64_t opens = 0;
    std::uint64_t open_errors = 0;
    std::uint64_t lost = 0;
    std::string first_error;
    Latencies lat;
    double seconds = 0;
    double setup_seconds = 0;
    std::size_t conns = 0;
    std::size_t depth = 0;
  };

  // -- building blocks ------------------------------------------------------------------------
  bool start_server(const std::string& why);
  void stop_server();
  PoolResult run_http_pool(std::size_t conns, const NextJob& next, const CheckResponse& check,
                           double max_seconds, bool record_latency);
  WsResult run_ws(std::size_t actors, const std::string& key_prefix, const std::string& action,
                  const std::vector<std::uint8_t>& args, std::size_t max_conns,
                  std::size_t inflight, double seconds, std::uint64_t max_actions,
                  const std::function<void()>& on_timed_start,
                  const std::function<void()>& on_timed_end);
  /// Resolves (and creates) actors by key through PUT /actors; empty strings for failures.
  std::vector<std::string> resolve_ids(const std::string& prefix, std::size_t n);

  [[nodiscard]] std::string query_path(const std::string& action_path, const std::string& key,
                                       bool get_or_create = true) const;
  [[nodiscard]] std::string direct_path(const std::string& id, const std::string& action) const;
  [[nodiscard]] std::string key(const std::string& prefix, std::size_t i) const;
  [[nodiscard]] bool time_left() const;
  void settle(double seconds) const;

  Metric& add(std::string workload, std::string name, double value, std::string unit);
  Metric& add_error(std::string workload, std::string name, std::string error);

  // -- workloads ------------------------------------------------------------------------------
  void wl_memory();
  void wl_round_trip();
  void wl_ws_throughput();
  void wl_http_throughput();
  void wl_wake();
  void wl_create();
  void wl_stored();

  Options opt_;
  ServerProcess server_;
  boost::asio::ip::tcp::endpoint ep_;
  std::vector<pid_t> pids_;
  std::string owned_data_dir_;
  std::string log_path_;
  std::string run_id_;
  std::vector<Metric> metrics_;
  std::vector<std::string> notes_;
  Clock::time_point started_;
  std::string started_utc_;
  std::int64_t rss_fresh_kib_ = 0;
  std::string load_at_start_;
  std::int64_t disk_fresh_ = -1;
  bool failed_ = false;
};

}  // namespace rivet::load
