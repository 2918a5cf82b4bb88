#pragma once
// What Metrics is made of: the metric families of one prometheus-cpp registry, and the
// instruments of one actor definition. Private to src/common, so the public header stays free of
// prometheus-cpp.

#include <rivet/common/metrics.hpp>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <shared_mutex>
#include <string>
#include <unordered_map>

namespace rivet::detail {

/// Lookup by std::string_view in maps keyed by std::string, without building a string.
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};

template <class V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

/// Every family of the node, registered once in `registry` (in this order on the page).
struct MetricFamilies {
  explicit MetricFamilies(prometheus::Registry& registry);

  prometheus::Family<prometheus::Gauge>& actors_awake;
  prometheus::Family<prometheus::Gauge>& actors_asleep;
  prometheus::Family<prometheus::Counter>& actor_wakes;
  prometheus::Family<prometheus::Counter>& actor_sleeps;
  prometheus::Family<prometheus::Counter>& actions;
  prometheus::Family<prometheus::Histogram>& action_duration;
  prometheus::Family<prometheus::Gauge>& connections;
  prometheus::Family<prometheus::Counter>& connections_opened;
  prometheus::Family<prometheus::Counter>& events_sent;
  prometheus::Family<prometheus::Gauge>& queue_depth;
  prometheus::Family<prometheus::Counter>& queue_processed;
  prometheus::Family<prometheus::Counter>& schedule_runs;
  prometheus::Family<prometheus::Counter>& schedule_retries;
  prometheus::Family<prometheus::Counter>& storage_commits;
  prometheus::Family<prometheus::Histogram>& storage_commit_duration;
  prometheus::Family<prometheus::Histogram>& storage_commit_rows;
  prometheus::Family<prometheus::Histogram>& storage_commit_batches;
  prometheus::Family<prometheus::Histogram>& storage_fsync_duration;
};

/// Bucket bounds (seconds) of every latency histogram: 25 µs to 10 s, about ×2 apart.
[[nodiscard]] const prometheus::Histogram::BucketBoundaries& latency_buckets();

/// The instruments of one actor definition. Every series but the per-action ones is created with
/// the object, so a definition shows all of its series (at 0) from its first use on.
class ActorInstruments final : public ActorMetrics {
 public:
  ActorInstruments(MetricFamilies& families, std::string name);

  void woke() override;
  void slept() override;
  void action(std::string_view action, bool ok, double seconds) override;
  void connections(std::int64_t delta) override;
  void events_sent(std::uint64_t n) override;
  void queue_depth(std::int64_t delta) override;
  void queue_processed() override;
  void schedule_run(bool ok) override;
  void schedule_retry() override;

  [[nodiscard]] std::int64_t awake() const;
  void set_asleep(std::int64_t value);

 private:
  struct ActionSeries {
    prometheus::Counter* ok;
    prometheus::Counter* error;
    prometheus::Histogram* duration;
  };

  /// The series of `action`: a shared lock and a lookup once they exist; created on first use.
  [[nodiscard]] const ActionSeries& series_of(std::string_view action);

  MetricFamilies& families_;
  const std::string name_;
  prometheus::Gauge& awake_;
  prometheus::Gauge& asleep_;
  prometheus::Counter& wakes_;
  prometheus::Counter& sleeps_;
  prometheus::Gauge& connections_;
  prometheus::Counter& connections_opened_;
  prometheus::Counter& events_sent_;
  prometheus::Gauge& queue_depth_;
  prometheus::Counter& queue_processed_;
  prometheus::Counter& schedule_ok_;
  prometheus::Counter& schedule_error_;
  prometheus::Counter& schedule_retries_;

  std::shared_mutex mutex_;
  StringMap<ActionSeries> actions_;  // guarded by mutex_; entries never move or go away
};

}  // namespace rivet::detail
