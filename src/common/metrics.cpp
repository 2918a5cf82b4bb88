#include <rivet/common/metrics.hpp>

#include "common/metric_instruments.hpp"

#include <prometheus/text_serializer.h>

#include <mutex>
#include <vector>

namespace rivet {

namespace {

// Rows and batches per commit: powers of two up to the writer's default cap (4096 batches) and
// well beyond it for rows.
prometheus::Histogram::BucketBoundaries powers_of_two(double last) {
  prometheus::Histogram::BucketBoundaries out;
  for (double b = 1; b <= last; b *= 2) {
    out.push_back(b);
  }
  return out;
}

constexpr double kMaxBatchesBucket = 4096;
constexpr double kMaxRowsBucket = 65536;

}  // namespace

struct Metrics::Impl {
  Impl()
      : families(registry),
        commits(families.storage_commits.Add({})),
        commit_duration(families.storage_commit_duration.Add({}, detail::latency_buckets())),
        commit_rows(families.storage_commit_rows.Add({}, powers_of_two(kMaxRowsBucket))),
        commit_batches(families.storage_commit_batches.Add({}, powers_of_two(kMaxBatchesBucket))),
        fsync_duration(families.storage_fsync_duration.Add({}, detail::latency_buckets())) {}

  // Null when `name` has no instruments yet.
  detail::ActorInstruments* find(std::string_view name) {
    std::shared_lock lock(actors_mutex);
    auto it = actors.find(name);
    return it == actors.end() ? nullptr : it->second.get();
  }

  prometheus::Registry registry;
  detail::MetricFamilies families;
  prometheus::Counter& commits;
  prometheus::Histogram& commit_duration;
  prometheus::Histogram& commit_rows;
  prometheus::Histogram& commit_batches;
  prometheus::Histogram& fsync_duration;

  std::shared_mutex actors_mutex;
  // guarded by actors_mutex; an entry lives as long as the Metrics (references are handed out)
  detail::StringMap<std::unique_ptr<detail::ActorInstruments>> actors;

  std::mutex collect_mutex;  // one scrape at a time; guards collectors
  std::vector<std::function<void(Metrics&)>> collectors;
};

Metrics::Metrics() : impl_(std::make_unique<Impl>()) {}

Metrics::~Metrics() = default;

ActorMetrics& Metrics::actor(std::string_view name) {
  if (auto* found = impl_->find(name)) {
    return *found;
  }
  std::unique_lock lock(impl_->actors_mutex);
  auto& slot = impl_->actors[std::string(name)];
  if (!slot) {
    slot = std::make_unique<detail::ActorInstruments>(impl_->families, std::string(name));
  }
  return *slot;
}

std::int64_t Metrics::actors_awake(std::string_view name) const {
  const auto* found = impl_->find(name);
  return found == nullptr ? 0 : found->awake();
}

void Metrics::storage_commit(double seconds, std::uint64_t batches, std::uint64_t rows) {
  impl_->commits.Increment();
  impl_->commit_duration.Observe(seconds);
  impl_->commit_batches.Observe(static_cast<double>(batches));
  impl_->commit_rows.Observe(static_cast<double>(rows));
}

void Metrics::storage_fsync(double seconds) {
  impl_->fsync_duration.Observe(seconds);
}

void Metrics::set_actors_asleep(std::string_view name, std::int64_t value) {
  static_cast<detail::ActorInstruments&>(actor(name)).set_asleep(value);
}

void Metrics::on_collect(std::function<void(Metrics&)> collector) {
  std::lock_guard lock(impl_->collect_mutex);
  impl_->collectors.push_back(std::move(collector));
}

std::string Metrics::serialize() {
  std::lock_guard lock(impl_->collect_mutex);
  for (const auto& collect : impl_->collectors) {
    collect(*this);
  }
  return prometheus::TextSerializer().Serialize(impl_->registry.Collect());
}

}  // namespace rivet
