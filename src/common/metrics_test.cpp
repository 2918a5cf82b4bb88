#include <rivet/common/metrics.hpp>

#include <testing/prometheus_text.hpp>

#include <gtest/gtest.h>

#include <array>
#include <thread>
#include <vector>

namespace rivet {
namespace {

using testing::prom_value;

constexpr std::array kAllMetrics = {
    "rivet_actors_awake",
    "rivet_actors_asleep",
    "rivet_actor_wakes_total",
    "rivet_actor_sleeps_total",
    "rivet_actions_total",
    "rivet_action_duration_seconds",
    "rivet_connections",
    "rivet_connections_opened_total",
    "rivet_events_sent_total",
    "rivet_queue_depth",
    "rivet_queue_messages_processed_total",
    "rivet_schedule_runs_total",
    "rivet_schedule_retries_total",
    "rivet_storage_commits_total",
    "rivet_storage_commit_duration_seconds",
    "rivet_storage_commit_rows",
    "rivet_storage_commit_batches",
    "rivet_storage_fsync_duration_seconds",
};

TEST(MetricsTest, EveryMetricHasHelpAndType) {
  Metrics m;
  m.actor("counter").action("increment", true, 0.001);
  const std::string text = m.serialize();
  for (const char* name : kAllMetrics) {
    EXPECT_NE(text.find(std::string("# HELP ") + name + " "), std::string::npos) << name;
    EXPECT_NE(text.find(std::string("# TYPE ") + name + " "), std::string::npos) << name;
  }
}

TEST(MetricsTest, StorageSeriesExistBeforeAnyCommit) {
  Metrics m;
  const std::string text = m.serialize();
  EXPECT_EQ(prom_value(text, "rivet_storage_commits_total"), 0.0);
  EXPECT_EQ(prom_value(text, "rivet_storage_fsync_duration_seconds_count"), 0.0);
}

TEST(MetricsTest, ActorSeriesAfterKnownUpdates) {
  Metrics m;
  ActorMetrics& a = m.actor("room");
  a.woke();
  a.woke();
  a.woke();
  a.slept();
  a.connections(2);
  a.connections(-1);
  a.events_sent(5);
  a.events_sent(2);
  a.queue_depth(3);
  a.queue_depth(-1);
  a.queue_processed();
  a.queue_processed();
  a.schedule_run(true);
  a.schedule_run(false);
  a.schedule_run(false);
  a.schedule_retry();

  const std::string text = m.serialize();
  const std::map<std::string, std::string> room = {{"actor", "room"}};
  EXPECT_EQ(prom_value(text, "rivet_actors_awake", room), 2.0);
  EXPECT_EQ(prom_value(text, "rivet_actor_wakes_total", room), 3.0);
  EXPECT_EQ(prom_value(text, "rivet_actor_sleeps_total", room), 1.0);
  EXPECT_EQ(prom_value(text, "rivet_connections", room), 1.0);
  EXPECT_EQ(prom_value(text, "rivet_connections_opened_total", room), 2.0);
  EXPECT_EQ(prom_value(text, "rivet_events_sent_total", room), 7.0);
  EXPECT_EQ(prom_value(text, "rivet_queue_depth", room), 2.0);
  EXPECT_EQ(prom_value(text, "rivet_queue_messages_processed_total", room), 2.0);
  EXPECT_EQ(prom_value(text, "rivet_schedule_runs_total", {{"actor", "room"}, {"outcome", "ok"}}),
            1.0);
  EXPECT_EQ(
      prom_value(text, "rivet_schedule_runs_total", {{"actor", "room"}, {"outcome", "error"}}),
      2.0);
  EXPECT_EQ(prom_value(text, "rivet_schedule_retries_total", room), 1.0);
  EXPECT_EQ(m.actors_awake("room"), 2);
  EXPECT_EQ(m.actors_awake("never-seen"), 0);
}

TEST(MetricsTest, ActionCountsAndHistogram) {
  Metrics m;
  ActorMetrics& a = m.actor("counter");
  for (int i = 0; i < 3; ++i) {
    a.action("increment", true, 0.001);
  }
  a.action("increment", false, 0.5);
  a.action("getCount", true, 30e-6);

  const std::string text = m.serialize();
  auto labels = [](std::string action, std::string outcome) {
    return std::map<std::string, std::string>{
        {"actor", "counter"}, {"action", std::move(action)}, {"outcome", std::move(outcome)}};
  };
  EXPECT_EQ(prom_value(text, "rivet_actions_total", labels("increment", "ok")), 3.0);
  EXPECT_EQ(prom_value(text, "rivet_actions_total", labels("increment", "error")), 1.0);
  EXPECT_EQ(prom_value(text, "rivet_actions_total", labels("getCount", "ok")), 1.0);

  const std::map<std::string, std::string> inc = {{"actor", "counter"}, {"action", "increment"}};
  EXPECT_EQ(prom_value(text, "rivet_action_duration_seconds_count", inc), 4.0);
  EXPECT_NEAR(*prom_value(text, "rivet_action_duration_seconds_sum", inc), 0.503, 1e-9);
  auto bucket = [&](std::string le) {
    auto labels = inc;
    labels["le"] = std::move(le);
    return prom_value(text, "rivet_action_duration_seconds_bucket", labels);
  };
  EXPECT_EQ(bucket("2.5e-05"), 0.0);  // the first bound is 25 µs
  EXPECT_EQ(bucket("0.001"), 3.0);    // bounds are inclusive
  EXPECT_EQ(bucket("0.5"), 4.0);
  EXPECT_EQ(bucket("10"), 4.0);  // the last bound
  EXPECT_EQ(bucket("+Inf"), 4.0);
}

TEST(MetricsTest, LabelValuesAreEscaped) {
  Metrics m;
  const std::string name = "we\"ird\\name\nline";
  m.actor(name).action("say \"hi\"", true, 0.0);

  const std::string text = m.serialize();
  EXPECT_NE(text.find(R"(actor="we\"ird\\name\nline")"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(action="say \"hi\"")"), std::string::npos) << text;
  EXPECT_EQ(prom_value(text, "rivet_actions_total",
                       {{"actor", name}, {"action", "say \"hi\""}, {"outcome", "ok"}}),
            1.0);
}

TEST(MetricsTest, InstrumentsAreCreatedOnce) {
  Metrics m;
  ActorMetrics& first = m.actor("counter");
  EXPECT_EQ(&first, &m.actor(std::string("counter")));
  EXPECT_NE(&first, &m.actor("other"));
  first.action("increment", true, 0.001);
  first.action("increment", true, 0.001);

  const std::string text = m.serialize();
  std::size_t series = 0;
  for (const auto& s : testing::parse_prometheus(text)) {
    series += s.name == "rivet_action_duration_seconds_count" ? 1 : 0;
  }
  EXPECT_EQ(series, 1U);
}

TEST(MetricsTest, ConcurrentFirstUsesCountEveryUpdate) {
  Metrics m;
  constexpr int kThreads = 4;
  constexpr int kCalls = 2000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&m] {
      for (int i = 0; i < kCalls; ++i) {
        // The same few names from every thread, so first uses race with lookups.
        m.actor("a" + std::to_string(i % 3)).action("x" + std::to_string(i % 5), true, 1e-4);
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  double total = 0;
  for (const auto& s : testing::parse_prometheus(m.serialize())) {
    total += s.name == "rivet_actions_total" ? s.value : 0;
  }
  EXPECT_EQ(total, kThreads * kCalls);
}

TEST(MetricsTest, StorageCommitsAndFsyncs) {
  Metrics m;
  m.storage_commit(0.002, 3, 10);
  m.storage_commit(0.004, 1, 1);
  m.storage_fsync(0.001);

  const std::string text = m.serialize();
  EXPECT_EQ(prom_value(text, "rivet_storage_commits_total"), 2.0);
  EXPECT_EQ(prom_value(text, "rivet_storage_commit_duration_seconds_count"), 2.0);
  EXPECT_NEAR(*prom_value(text, "rivet_storage_commit_duration_seconds_sum"), 0.006, 1e-12);
  EXPECT_EQ(prom_value(text, "rivet_storage_commit_batches_sum"), 4.0);
  EXPECT_EQ(prom_value(text, "rivet_storage_commit_rows_sum"), 11.0);
  EXPECT_EQ(prom_value(text, "rivet_storage_commit_rows_bucket", {{"le", "8"}}), 1.0);
  EXPECT_EQ(prom_value(text, "rivet_storage_commit_rows_bucket", {{"le", "16"}}), 2.0);
  EXPECT_EQ(prom_value(text, "rivet_storage_fsync_duration_seconds_count"), 1.0);
}

TEST(MetricsTest, CollectorsRunBeforeEverySerialize) {
  Metrics m;
  int runs = 0;
  m.on_collect([&runs](Metrics& metrics) {
    ++runs;
    metrics.set_actors_asleep("counter", runs * 10);
  });
  (void)m.serialize();
  const std::string text = m.serialize();
  EXPECT_EQ(runs, 2);
  EXPECT_EQ(prom_value(text, "rivet_actors_asleep", {{"actor", "counter"}}), 20.0);
}

}  // namespace
}  // namespace rivet
