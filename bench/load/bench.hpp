#pragma once
// The workloads of rivet-load (see docs/benchmarks.md for what each figure means).

#include "common.hpp"
#include "http_client.hpp"
#include "proc.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <cstddef>
#include <functional>
#include <optional>
#include <span>
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

  // -- scale workload (scale.cpp): how each figure moves as the work grows ----------------------
  std::vector<std::size_t> scale_levels{1'000, 100'000, 1'000'000};  // stored actors, one store
  std::size_t scale_awake = 10'000;     // of them awake during the measurements
  std::size_t scale_samples = 300;      // sequential wakes / lookups / creates per level
  double scale_seconds = 3;             // each timed window of the axis
  std::vector<std::size_t> state_sizes{100, 10'240, 1'048'576};
  std::size_t state_wake_actors = 20;   // sleeping actors woken per state size
  // "NAME=ARGS": the state-size axis again on a server restarted with ARGS (space separated) added
  // to its command line, or to its environment for VAR=value words, e.g. a storage switch; its
  // columns are labelled NAME.
  std::vector<std::string> state_variants;
  std::size_t queue_depth = 1'000;      // the default per-actor limit (ActorOptions)
  std::size_t queue_actors = 5;

  std::string json_path;    // explicit JSON output file
  std::string results_dir;  // else <results_dir>/<timestamp>.json
  std::string command_line;
  std::string build_type;
};

/// "HTTP <status> <group.code: message>" of an error answer (bare, JSON or text).
[[nodiscard]] std::string describe_http_error(const HttpResponse& r);
/// "group.code: message" of a bare ErrorMessage from a WebSocket.
[[nodiscard]] std::string error_message_text(std::span<const std::uint8_t> msg);
/// "" when `r` is a bare HttpActionResponse (200), else the error text.
[[nodiscard]] std::string check_action_ok(const HttpResponse& r);

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
  /// query_path for another actor name than --actor.
  [[nodiscard]] std::string named_path(const std::string& name, const std::string& action_path,
                                       const std::string& key, bool get_or_create) const;
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
  // scale.cpp
  void wl_scale_actors();
  void wl_scale_state();
  void wl_scale_queue();
  Metric& add_scale(const std::string& axis, const std::string& level, const std::string& figure,
                    double value, std::string unit);
  void print_scale_tables() const;
  /// Sequential calls of `action` on one WebSocket to `path`: `warmup` untimed, then up to
  /// `count` timed within `seconds`; hooks run around the timed part. Error text or "".
  std::string ws_sequence(const std::string& path, const std::string& action,
                          const std::vector<std::uint8_t>& args, std::size_t warmup,
                          std::size_t count, double seconds, Latencies& lat,
                          const std::function<void()>& at_start = {},
                          const std::function<void()>& at_end = {});
  /// Actor ids of `keys` of actor `name` (PUT /actors, created when missing); "" for failures.
  std::vector<std::string> resolve_keys(const std::string& name,
                                        const std::vector<std::string>& keys);
  /// One request after another on one connection; latencies recorded.
  PoolResult http_sequence(const std::vector<HttpJob>& jobs, double max_seconds);
  /// Stops the server, starts it again with `extra` arguments (VAR=value words: environment);
  /// milliseconds from the start to the first answer of GET `probe` (200), or -1.
  double restart_timed(const std::string& why, const std::vector<std::string>& extra,
                       const std::string& probe);

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
