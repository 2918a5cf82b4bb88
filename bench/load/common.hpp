#pragma once
// rivet-load: shared types. Everything in the load generator runs on one io_context per thread;
// the objects here are not thread-safe unless stated.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace rivet::load {

using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;

inline double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

/// Latency samples in nanoseconds; percentiles by sorting once.
class Latencies {
 public:
  void reserve(std::size_t n) { ns_.reserve(n); }
  void add(Clock::duration d) {
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
    ns_.push_back(static_cast<std::uint64_t>(ns < 0 ? 0 : ns));
    sorted_ = false;
  }
  void merge(const Latencies& other) {
    ns_.insert(ns_.end(), other.ns_.begin(), other.ns_.end());
    sorted_ = false;
  }
  [[nodiscard]] std::size_t count() const { return ns_.size(); }
  /// Percentile in microseconds (q in [0,1]); 0 when empty.
  [[nodiscard]] double percentile_us(double q) {
    if (ns_.empty()) {
      return 0;
    }
    sort();
    const auto idx = static_cast<std::size_t>(q * static_cast<double>(ns_.size() - 1) + 0.5);
    return static_cast<double>(ns_[std::min(idx, ns_.size() - 1)]) / 1000.0;
  }
  [[nodiscard]] double mean_us() const {
    if (ns_.empty()) {
      return 0;
    }
    long double sum = 0;
    for (auto v : ns_) {
      sum += static_cast<long double>(v);
    }
    return static_cast<double>(sum / static_cast<long double>(ns_.size()) / 1000.0L);
  }
  [[nodiscard]] Json summary() {
    return Json{{"count", count()},
                {"p50_us", percentile_us(0.50)},
                {"p90_us", percentile_us(0.90)},
                {"p99_us", percentile_us(0.99)},
                {"max_us", percentile_us(1.0)},
                {"mean_us", mean_us()}};
  }

 private:
  void sort() {
    if (!sorted_) {
      std::sort(ns_.begin(), ns_.end());
      sorted_ = true;
    }
  }
  std::vector<std::uint64_t> ns_;
  bool sorted_ = true;
};

/// One figure of the report.
struct Metric {
  std::string workload;  // e.g. "rt_ws"
  std::string name;      // e.g. "getCount p50"
  double value = 0;
  std::string unit;  // "us", "actions/s", "B", ...
  /// Target and its direction: "<" means lower is better and must stay below.
  std::optional<double> target;
  std::string target_op;
  Json extra = Json::object();
  /// Set when the figure could not be measured (value is then meaningless).
  std::string error;

  [[nodiscard]] std::optional<bool> met() const {
    if (!target || !error.empty()) {
      return std::nullopt;
    }
    return target_op == "<" ? value < *target : value > *target;
  }
};

}  // namespace rivet::load
