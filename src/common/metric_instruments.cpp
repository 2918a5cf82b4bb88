#include "common/metric_instruments.hpp"

#include <mutex>

namespace rivet::detail {

namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;

constexpr const char* kOk = "ok";
constexpr const char* kError = "error";

}  // namespace

MetricFamilies::MetricFamilies(prometheus::Registry& r)
    : actors_awake(BuildGauge()
                       .Name("rivet_actors_awake")
                       .Help("Actors of this definition that are awake (loaded in memory).")
                       .Register(r)),
      actors_asleep(BuildGauge()
                        .Name("rivet_actors_asleep")
                        .Help("Live actors of this definition that are not awake (computed at "
                              "scrape time from the store).")
                        .Register(r)),
      actor_wakes(BuildCounter()
                      .Name("rivet_actor_wakes_total")
                      .Help("Times an actor of this definition started (woke or was created).")
                      .Register(r)),
      actor_sleeps(BuildCounter()
                       .Name("rivet_actor_sleeps_total")
                       .Help("Times an actor of this definition stopped (slept or was destroyed).")
                       .Register(r)),
      actions(BuildCounter()
                  .Name("rivet_actions_total")
                  .Help("Actions finished, by action name and outcome (ok or error).")
                  .Register(r)),
      action_duration(BuildHistogram()
                          .Name("rivet_action_duration_seconds")
                          .Help("Time from an action's dispatch to its result, in seconds.")
                          .Register(r)),
      connections(BuildGauge()
                      .Name("rivet_connections")
                      .Help("Open client connections (WebSocket /connect) to actors of this "
                            "definition.")
                      .Register(r)),
      connections_opened(BuildCounter()
                             .Name("rivet_connections_opened_total")
                             .Help("Client connections opened to actors of this definition.")
                             .Register(r)),
      events_sent(BuildCounter()
                      .Name("rivet_events_sent_total")
                      .Help("Event frames handed to connections (one per receiving connection).")
                      .Register(r)),
      queue_depth(BuildGauge()
                      .Name("rivet_queue_depth")
                      .Help("Messages waiting in the queues of awake actors of this definition.")
                      .Register(r)),
      queue_processed(BuildCounter()
                          .Name("rivet_queue_messages_processed_total")
                          .Help("Queue messages completed by actors of this definition.")
                          .Register(r)),
      schedule_runs(BuildCounter()
                        .Name("rivet_schedule_runs_total")
                        .Help("Scheduled runs (after/at, cron, workflow alarms) finished, by "
                              "outcome (ok or error).")
                        .Register(r)),
      schedule_retries(BuildCounter()
                           .Name("rivet_schedule_retries_total")
                           .Help("Failed scheduled runs kept for another attempt.")
                           .Register(r)),
      storage_commits(BuildCounter()
                          .Name("rivet_storage_commits_total")
                          .Help("Group commits (one transaction each) of the node's store.")
                          .Register(r)),
      storage_commit_duration(BuildHistogram()
                                  .Name("rivet_storage_commit_duration_seconds")
                                  .Help("Time to apply and commit one group, fsync included, in "
                                        "seconds.")
                                  .Register(r)),
      storage_commit_rows(BuildHistogram()
                              .Name("rivet_storage_commit_rows")
                              .Help("Rows (write operations) carried by one group commit.")
                              .Register(r)),
      storage_commit_batches(BuildHistogram()
                                 .Name("rivet_storage_commit_batches")
                                 .Help("Caller batches merged into one group commit.")
                                 .Register(r)),
      storage_fsync_duration(BuildHistogram()
                                 .Name("rivet_storage_fsync_duration_seconds")
                                 .Help("Time of one fsync of a database or WAL file, in seconds.")
                                 .Register(r)) {}

const prometheus::Histogram::BucketBoundaries& latency_buckets() {
  // 1-2.5-5 steps: about ×2 apart, and bounds a reader recognises at a glance.
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      25e-6, 50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3,
      25e-3, 50e-3, 0.1,    0.25,   0.5,    1.0,  2.5,    5.0,  10.0};
  return kBuckets;
}

ActorInstruments::ActorInstruments(MetricFamilies& f, std::string name)
    : families_(f),
      name_(std::move(name)),
      awake_(f.actors_awake.Add({{"actor", name_}})),
      asleep_(f.actors_asleep.Add({{"actor", name_}})),
      wakes_(f.actor_wakes.Add({{"actor", name_}})),
      sleeps_(f.actor_sleeps.Add({{"actor", name_}})),
      connections_(f.connections.Add({{"actor", name_}})),
      connections_opened_(f.connections_opened.Add({{"actor", name_}})),
      events_sent_(f.events_sent.Add({{"actor", name_}})),
      queue_depth_(f.queue_depth.Add({{"actor", name_}})),
      queue_processed_(f.queue_processed.Add({{"actor", name_}})),
      schedule_ok_(f.schedule_runs.Add({{"actor", name_}, {"outcome", kOk}})),
      schedule_error_(f.schedule_runs.Add({{"actor", name_}, {"outcome", kError}})),
      schedule_retries_(f.schedule_retries.Add({{"actor", name_}})) {}

void ActorInstruments::woke() {
  awake_.Increment();
  wakes_.Increment();
}

void ActorInstruments::slept() {
  awake_.Decrement();
  sleeps_.Increment();
}

void ActorInstruments::action(std::string_view action, bool ok, double seconds) {
  const ActionSeries& series = series_of(action);
  (ok ? series.ok : series.error)->Increment();
  series.duration->Observe(seconds);
}

void ActorInstruments::connections(std::int64_t delta) {
  connections_.Increment(static_cast<double>(delta));
  if (delta > 0) {
    connections_opened_.Increment(static_cast<double>(delta));
  }
}

void ActorInstruments::events_sent(std::uint64_t n) {
  events_sent_.Increment(static_cast<double>(n));
}

void ActorInstruments::queue_depth(std::int64_t delta) {
  queue_depth_.Increment(static_cast<double>(delta));
}

void ActorInstruments::queue_processed() {
  queue_processed_.Increment();
}

void ActorInstruments::schedule_run(bool ok) {
  (ok ? schedule_ok_ : schedule_error_).Increment();
}

void ActorInstruments::schedule_retry() {
  schedule_retries_.Increment();
}

std::int64_t ActorInstruments::awake() const {
  return static_cast<std::int64_t>(awake_.Value());
}

void ActorInstruments::set_asleep(std::int64_t value) {
  asleep_.Set(static_cast<double>(value));
}

const ActorInstruments::ActionSeries& ActorInstruments::series_of(std::string_view action) {
  {
    std::shared_lock lock(mutex_);
    if (auto it = actions_.find(action); it != actions_.end()) {
      return it->second;
    }
  }
  std::unique_lock lock(mutex_);
  if (auto it = actions_.find(action); it != actions_.end()) {
    return it->second;  // another thread created it between the two locks
  }
  std::string key(action);
  ActionSeries series{
      &families_.actions.Add({{"actor", name_}, {"action", key}, {"outcome", kOk}}),
      &families_.actions.Add({{"actor", name_}, {"action", key}, {"outcome", kError}}),
      &families_.action_duration.Add({{"actor", name_}, {"action", key}}, latency_buckets()),
  };
  return actions_.emplace(std::move(key), series).first->second;
}

}  // namespace rivet::detail
