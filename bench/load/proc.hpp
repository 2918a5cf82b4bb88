#pragma once
// Processes the load generator watches or owns: the server under test (started from a binary, or
// given by pid), /proc readings (RSS, CPU time, I/O), and an optional `perf stat` that counts the
// server's fsync/fdatasync calls.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace rivet::load {

/// A rivet server binary started with `--port 0 --data-dir DIR`; reads the
/// "rivet listening on http://HOST:PORT" line from its output (which goes to `log_path`).
class ServerProcess {
 public:
  ServerProcess() = default;
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;
  ~ServerProcess();

  /// Starts `binary` (with `env`, "NAME=VALUE" each, added to its environment) and waits
  /// (bounded by `timeout`) until it prints its endpoint. Returns an error text on failure.
  [[nodiscard]] std::optional<std::string> start(const std::string& binary,
                                                 const std::string& data_dir,
                                                 const std::vector<std::string>& extra_args,
                                                 const std::string& log_path,
                                                 std::chrono::seconds timeout,
                                                 const std::vector<std::string>& env = {});
  /// SIGTERM, then waits up to `timeout` (SIGKILL after). Idempotent.
  void stop(std::chrono::seconds timeout = std::chrono::seconds(60));

  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] const std::string& host() const { return host_; }
  [[nodiscard]] bool running() const { return pid_ > 0; }

 private:
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::string host_;
};

/// VmRSS in KiB summed over `pids` (0 if none readable).
[[nodiscard]] std::int64_t rss_kib(const std::vector<pid_t>& pids);
/// utime+stime in seconds summed over `pids`.
[[nodiscard]] double cpu_seconds(const std::vector<pid_t>& pids);
/// This process's own CPU time (user+system) in seconds.
[[nodiscard]] double self_cpu_seconds();
/// /proc/<pid>/io write_bytes summed (bytes sent to the storage layer); -1 if unreadable.
[[nodiscard]] std::int64_t io_write_bytes(const std::vector<pid_t>& pids);
/// Bytes of all regular files under `dir` (recursive); -1 if `dir` is empty or missing.
[[nodiscard]] std::int64_t dir_bytes(const std::string& dir);

/// `perf stat -e syscalls:sys_enter_fsync,syscalls:sys_enter_fdatasync -p PIDS` for the life of
/// this object. Unavailable (no perf, no tracepoints) is not an error: counts() is then empty.
class SyncCounter {
 public:
  explicit SyncCounter(const std::vector<pid_t>& pids);
  SyncCounter(const SyncCounter&) = delete;
  SyncCounter& operator=(const SyncCounter&) = delete;
  ~SyncCounter();
  /// Stops perf and returns fsync+fdatasync calls, or nullopt when perf could not count.
  [[nodiscard]] std::optional<std::int64_t> finish();
  [[nodiscard]] const std::string& why_unavailable() const { return why_; }

 private:
  pid_t perf_pid_ = -1;
  std::string out_path_;
  std::string why_;
};

/// Latency of appending 4 KiB to a file in `dir` and fdatasync()ing it, `n` times: {p50, p99} in
/// microseconds (what one durable commit costs at least on this disk); {-1,-1} on failure.
[[nodiscard]] std::pair<double, double> fdatasync_probe_us(const std::string& dir, int n);
/// /proc/loadavg's first three fields.
[[nodiscard]] std::string load_average();

/// Text of the first "model name" line of /proc/cpuinfo.
[[nodiscard]] std::string cpu_model();
[[nodiscard]] std::string kernel_release();
[[nodiscard]] std::int64_t mem_total_kib();

}  // namespace rivet::load
