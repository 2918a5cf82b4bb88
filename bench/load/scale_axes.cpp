// The scale workload, state-size and queue axes (docs/benchmarks.md, "Cost as the work grows"):
// the `blob` and `jobs` actors of rivet-bench-server, at each size or depth the same figures.

#include "bench.hpp"

#include "bare_fast.hpp"

#include <rivet/protocol/encoding.hpp>
#include <rivet/protocol/messages.hpp>

#include <algorithm>
#include <iostream>
#include <sstream>

namespace rivet::load {

namespace {

std::string size_label(std::size_t n) {
  if (n >= (1u << 20) && n % (1u << 20) == 0) return std::to_string(n >> 20) + " MiB";
  if (n >= 1024 && n % 1024 == 0) return std::to_string(n >> 10) + " KiB";
  return std::to_string(n) + " B";
}

std::string body_of(const std::vector<std::uint8_t>& bytes) {
  return {bytes.begin(), bytes.end()};
}

// The Value an action answered over HTTP (bare), or null.
Value action_output(const HttpResponse& r) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(r.body.data());
  auto v = protocol::decode_http_action_response({p, r.body.size()}, protocol::Encoding::Bare);
  return v ? *v : Value();
}

}  // namespace

std::vector<std::string> Bench::resolve_keys(const std::string& name,
                                             const std::vector<std::string>& keys) {
  std::vector<std::string> ids(keys.size());
  run_http_pool(
      opt_.setup_conns,
      [&](std::uint64_t seq) -> std::optional<HttpJob> {
        if (seq >= keys.size()) return std::nullopt;
        Json body{{"name", name}, {"key", keys[seq]}, {"runner_name_selector", opt_.runner},
                  {"crash_policy", "sleep"}};
        return HttpJob{Method::Put, "/actors?namespace=" + opt_.ns, body.dump(), &json_headers()};
      },
      [&](std::uint64_t seq, HttpResponse& r) -> std::string {
        if (r.status != 200) return describe_http_error(r);
        try {
          ids[seq] = Json::parse(r.body).at("actor").at("actor_id").get<std::string>();
        } catch (const std::exception& e) {
          return std::string("PUT /actors answer: ") + e.what();
        }
        return "";
      },
      120, false);
  return ids;
}

// -- state size axis ---------------------------------------------------------------------------

void Bench::wl_scale_state() {
  const std::string axis = "state";
  struct Variant {
    std::string name;
    std::vector<std::string> args;
  };
  // The plain server first, then each --state-variant on a server restarted with its arguments
  // (the hook for running the axis with a storage switch on and off in one table).
  std::vector<Variant> variants{{"", {}}};
  for (const auto& v : opt_.state_variants) {
    const auto eq = v.find('=');
    Variant out{v.substr(0, eq), {}};
    std::istringstream words(eq == std::string::npos ? "" : v.substr(eq + 1));
    for (std::string w; words >> w;) out.args.push_back(w);
    variants.push_back(std::move(out));
  }
  if (variants.size() > 1 && opt_.server_bin.empty()) {
    add_error("scale", "state variants", "--state-variant needs --server (it restarts the server)");
    variants.resize(1);
  }
  const auto none = body_of(bare::http_action_request(bare::kNoArgs));
  for (std::size_t vi = 0; vi < variants.size(); ++vi) {
    const auto& variant = variants[vi];
    if (vi > 0 && restart_timed("state variant " + variant.name, variant.args,
                                "/actors?name=blob&limit=1") < 0) {
      add_error("scale", "state variant " + variant.name, "the server did not start");
      continue;
    }
    for (const auto size : opt_.state_sizes) {
      if (!time_left()) {
        notes_.push_back("scale state " + size_label(size) + " skipped: time budget spent");
        continue;
      }
      const std::string lv = size_label(size) + (variant.name.empty() ? "" : " " + variant.name);
      const std::string prefix = "blob" + std::to_string(vi) + "-" + std::to_string(size);
      const auto set_args = protocol::encode_compat_cbor(Value::array({size}));
      const auto path = named_path("blob", "/connect", key(prefix, 0), true);
      Latencies set_lat;
      if (auto err = ws_sequence(path, "setSize", set_args, 0, 1, 60, set_lat); !err.empty()) {
        add_error("scale", "state " + lv + ": setSize", err);
        continue;
      }

      // A small durable change to the state, one at a time: latency, CPU and bytes written.
      double cpu0 = 0, cpu1 = 0;
      std::int64_t io0 = -1, io1 = -1;
      Latencies lat;
      auto err = ws_sequence(
          path, "touch", bare::kNoArgs, opt_.smoke ? 3 : 20, opt_.rt_count, opt_.scale_seconds, lat,
          [&] {
            cpu0 = cpu_seconds(pids_);
            io0 = io_write_bytes(pids_);
          },
          [&] {
            cpu1 = cpu_seconds(pids_);
            io1 = io_write_bytes(pids_);
          });
      if (!err.empty()) {
        add_error("scale", "state " + lv + ": touch", err);
        continue;
      }
      const auto n = static_cast<double>(lat.count());
      add_scale(axis, lv, "touch (16 B changed, durable) p50", lat.percentile_us(0.5), "us")
          .extra.update({{"latency", lat.summary()}});
      add_scale(axis, lv, "touch p99", lat.percentile_us(0.99), "us");
      add_scale(axis, lv, "touch server CPU per action", (cpu1 - cpu0) * 1e6 / n, "us");
      if (io0 >= 0 && io1 >= io0) {
        add_scale(axis, lv, "touch bytes written per action", static_cast<double>(io1 - io0) / n,
                  "B");
      }
      // A read-only action on the same state: nothing to store, so it should not grow.
      Latencies read_lat;
      if (ws_sequence(path, "getSize", bare::kNoArgs, opt_.smoke ? 3 : 20, opt_.rt_count,
                      opt_.scale_seconds / 2, read_lat)
              .empty()) {
        add_scale(axis, lv, "getSize (read-only) p50", read_lat.percentile_us(0.5), "us");
      }

      // Wake: actors with this state put to sleep, then one getSize each, one at a time.
      std::vector<std::string> keys;
      for (std::size_t i = 0; i < opt_.state_wake_actors; ++i) keys.push_back(key(prefix + "w", i));
      auto ids = resolve_keys("blob", keys);
      std::erase(ids, std::string());
      const auto set_body = body_of(bare::http_action_request(set_args));
      auto call_each = [&](const std::string& action, const std::string& body, bool timed) {
        std::vector<HttpJob> jobs;
        for (const auto& id : ids) {
          jobs.push_back(HttpJob{Method::Post, direct_path(id, action), body, &bare_headers()});
        }
        return http_sequence(jobs, timed ? 120 : 300);
      };
      auto set = call_each("setSize", set_body, false);
      auto slept = call_each("goToSleep", none, false);
      if (ids.empty() || set.errors + slept.errors > 0) {
        add_error("scale", "state " + lv + ": wake setup",
                  ids.empty() ? "no actor resolved" : set.first_error + slept.first_error);
        continue;
      }
      settle(opt_.settle_seconds);
      auto woke = call_each("getSize", none, true);
      if (woke.ok > 0) {
        add_scale(axis, lv, "wake of a sleeping actor p50 (HTTP by id)",
                  woke.lat.percentile_us(0.5), "us")
            .extra.update({{"latency", woke.lat.summary()}, {"errors", woke.errors}});
      }
    }
  }
  if (variants.size() > 1) {
    restart_timed("after the state variants", {}, "/actors?limit=1");
  }
}

// -- queue axis --------------------------------------------------------------------------------

void Bench::wl_scale_queue() {
  const std::string axis = "queue";
  const std::size_t depth = opt_.queue_depth;
  const std::size_t q = std::max<std::size_t>(opt_.queue_actors, 1);
  const std::string deep = std::to_string(depth) + " queued";
  const std::string empty = "0 queued";
  // Keys: q actors filled to `depth`, q left empty (references for the wake), one whose run loop
  // takes each message as it comes.
  std::vector<std::string> keys;
  for (std::size_t i = 0; i < q; ++i) keys.push_back(key("qdeep", i));
  for (std::size_t i = 0; i < q; ++i) keys.push_back(key("qempty", i));
  keys.push_back(key("qlive", 0));
  const auto ids = resolve_keys("jobs", keys);
  if (std::count(ids.begin(), ids.end(), std::string()) > 0) {
    add_error("scale", "queue actors", "PUT /actors failed");
    return;
  }
  const std::vector<std::string> deep_ids(ids.begin(), ids.begin() + static_cast<long>(q));
  const std::vector<std::string> empty_ids(ids.begin() + static_cast<long>(q), ids.end() - 1);
  const std::string live_id = ids.back();

  protocol::QueueSendRequest send{Value(1), std::string("jobs"), false, std::nullopt};
  const auto send_body = body_of(protocol::encode_http_queue_send_request(send, protocol::Encoding::Bare));
  const auto none = body_of(bare::http_action_request(bare::kNoArgs));
  auto sends = [&](const std::string& id, std::size_t n) {
    return std::vector<HttpJob>(n, HttpJob{Method::Post, "/gateway/" + id + "/queue/jobs",
                                           send_body, &bare_headers()});
  };
  auto call = [&](const std::vector<std::string>& on, const std::string& action) {
    std::vector<HttpJob> jobs;
    for (const auto& id : on) {
      jobs.push_back(HttpJob{Method::Post, direct_path(id, action), none, &bare_headers()});
    }
    return http_sequence(jobs, 120);
  };

  // Enqueue while the run loop takes each message as it comes (the queue stays near empty).
  call({live_id}, "release");
  auto live = http_sequence(sends(live_id, depth), 120);
  if (live.ok > 0) {
    add_scale(axis, empty, "enqueue p50 while the run loop drains (HTTP, sequential)",
              live.lat.percentile_us(0.5), "us")
        .extra.update({{"latency", live.lat.summary()}, {"errors", live.errors}});
  }

  // Fill the held queues: the first and the last tenth timed apart (depth 0.. vs ..depth).
  const std::size_t tenth = std::max<std::size_t>(depth / 10, 1);
  Latencies low, high;
  std::uint64_t fill_errors = 0;
  std::string fill_error;
  std::size_t accepted_min = depth;
  std::string refused;
  for (const auto& id : deep_ids) {
    auto a = http_sequence(sends(id, std::min(tenth, depth)), 120);
    auto b = http_sequence(sends(id, depth > 2 * tenth ? depth - 2 * tenth : 0), 300);
    auto c = http_sequence(sends(id, depth > tenth ? tenth : 0), 120);
    low.merge(a.lat);
    high.merge(c.lat);
    fill_errors += a.errors + b.errors + c.errors;
    accepted_min = std::min<std::size_t>(accepted_min, a.ok + b.ok + c.ok);
    if (fill_error.empty()) fill_error = a.first_error + b.first_error + c.first_error;
    // One more than the actor's limit (ActorOptions::max_queue_size, 1 000) must be refused.
    if (depth >= 1'000) {
      auto over = http_sequence(sends(id, 1), 30);
      refused = over.errors == 1 ? over.first_error : std::string();
    }
  }
  if (fill_errors > 0) {
    add_error("scale", "queue fill", std::to_string(fill_errors) + " sends failed: " + fill_error);
  }
  add_scale(axis, empty, "enqueue p50 (held queue, first tenth)", low.percentile_us(0.5), "us");
  add_scale(axis, deep, "enqueue p50 (held queue, last tenth)", high.percentile_us(0.5), "us");
  if (depth >= 1'000) {
    auto& m = add_scale(axis, deep, "messages accepted before queue.full", static_cast<double>(accepted_min),
                        "msgs");
    m.extra.update({{"refusal", refused}});
    if (refused.find("full") == std::string::npos) {
      add_error("scale", "queue limit", "the send over the limit was not refused with queue.full: " +
                                            (refused.empty() ? std::string("accepted") : refused));
    }
  }

  // Wake: every queue actor asleep, then one `stats` each, one at a time.
  std::vector<std::string> all(deep_ids);
  all.insert(all.end(), empty_ids.begin(), empty_ids.end());
  call(all, "stats");  // the empty ones were only created: wake them once so they have run
  call(all, "goToSleep");
  settle(opt_.settle_seconds);
  for (const auto& [set, lv] : {std::pair{&empty_ids, empty}, std::pair{&deep_ids, deep}}) {
    auto woke = call(*set, "stats");
    if (woke.ok > 0) {
      add_scale(axis, lv, "wake p50 (HTTP by id, " + std::to_string(q) + " actors)",
                woke.lat.percentile_us(0.5), "us")
          .extra.update({{"latency", woke.lat.summary()}, {"errors", woke.errors}});
    }
  }

  // Drain: release every filled queue; each run loop records the time from its first message
  // to its last. Polled, bounded.
  const double cpu0 = cpu_seconds(pids_);
  call(deep_ids, "release");
  std::vector<double> rates;
  std::uint64_t processed = 0;
  const auto until = Clock::now() + std::chrono::seconds(opt_.smoke ? 20 : 120);
  for (const auto& id : deep_ids) {
    while (Clock::now() < until) {
      HttpResponse last;
      run_http_pool(
          1,
          [&](std::uint64_t seq) -> std::optional<HttpJob> {
            if (seq > 0) return std::nullopt;
            return HttpJob{Method::Post, direct_path(id, "stats"), none, &bare_headers()};
          },
          [&](std::uint64_t, HttpResponse& r) {
            last = r;
            return check_action_ok(r);
          },
          10, false);
      const auto stats = action_output(last);
      if (stats.is_object() && stats.value("waiting", std::int64_t{-1}) == 0) {
        const auto us = stats.value("drainUs", std::int64_t{0});
        const auto done = stats.value("processed", std::int64_t{0});
        processed += static_cast<std::uint64_t>(done);
        if (us > 0) rates.push_back(static_cast<double>(done) * 1e6 / static_cast<double>(us));
        break;
      }
      settle(0.02);
    }
  }
  const double cpu1 = cpu_seconds(pids_);
  if (!rates.empty()) {
    std::sort(rates.begin(), rates.end());
    add_scale(axis, deep, "run loop drain, one message per commit (median of actors)",
              rates[rates.size() / 2], "msgs/s")
        .extra.update({{"rates", rates}, {"note", "the actors drain at the same time"}});
    add_scale(axis, deep, "server CPU per message drained",
              (cpu1 - cpu0) * 1e6 / static_cast<double>(std::max<std::uint64_t>(processed, 1)), "us");
  } else {
    add_error("scale", "queue drain", "no queue drained in time");
  }
  // Stop the run loops' polling.
  all.push_back(live_id);
  call(all, "goToSleep");
}

}  // namespace rivet::load
