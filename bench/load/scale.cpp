// The scale workload, stored-actors axis (docs/benchmarks.md, "Cost as the work grows"): one data
// dir grown from the first level to the last (so the largest store is built once), and at each
// level the same figures, so that a figure that grows with the store shows up in one row. The
// helpers shared with the state and queue axes (scale_axes.cpp) and the pivot table live here too.

#include "bench.hpp"

#include "bare_fast.hpp"
#include "ws_client.hpp"

#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <random>
#include <set>

namespace rivet::load {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

std::string count_label(std::size_t n) {
  if (n >= 1'000'000 && n % 1'000'000 == 0) return std::to_string(n / 1'000'000) + "M";
  if (n >= 1'000 && n % 1'000 == 0) return std::to_string(n / 1'000) + "k";
  return std::to_string(n);
}

Clock::duration secs(double s) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}

}  // namespace

// -- shared helpers ---------------------------------------------------------------------------

Metric& Bench::add_scale(const std::string& axis, const std::string& level,
                         const std::string& figure, double value, std::string unit) {
  auto& m = add("scale", axis + " " + level + ": " + figure, value, std::move(unit));
  m.extra = {{"axis", axis}, {"level", level}, {"figure", figure}};
  return m;
}

std::string Bench::ws_sequence(const std::string& path, const std::string& action,
                               const std::vector<std::uint8_t>& args, std::size_t warmup,
                               std::size_t count, double seconds, Latencies& lat,
                               const std::function<void()>& at_start,
                               const std::function<void()>& at_end) {
  asio::io_context io(1);
  auto conn = std::make_shared<WsConn>(io);
  std::string error;
  bool opened = false;
  conn->open(ep_, path, [&](const std::string& err, const std::string&) {
    error = err;
    opened = err.empty();
    io.stop();
  });
  io.run_for(std::chrono::seconds(30));
  if (!opened) {
    return "open: " + (error.empty() ? "timeout" : error);
  }
  std::vector<std::uint8_t> frame;
  std::size_t done = 0;
  bool warming = warmup > 0;
  bool timed_started = false;
  Clock::time_point sent;
  const auto warm_end = Clock::now() + secs(seconds / 4);
  Clock::time_point t_end = Clock::now() + secs(seconds);
  auto begin_timed = [&] {
    timed_started = true;
    if (at_start) at_start();
    t_end = Clock::now() + secs(seconds);
  };
  auto send = [&] {
    frame.clear();
    bare::action_request(frame, conn->next_id++, action, args);
    sent = Clock::now();
    conn->send(frame);
  };
  conn->on_message = [&](std::span<const std::uint8_t> msg) {
    const auto head = bare::peek_to_client(msg);
    if (head.kind == bare::Kind::Event) {
      return;
    }
    const auto now = Clock::now();
    if (head.kind != bare::Kind::ActionResponse) {
      error = head.kind == bare::Kind::Error ? error_message_text(msg) : "bad message";
      io.stop();
      return;
    }
    if (warming) {
      if (++done >= warmup || now > warm_end) {
        warming = false;
        done = 0;
        begin_timed();
      }
    } else {
      lat.add(now - sent);
      ++done;
      if (done >= count || now > t_end) {
        io.stop();
        return;
      }
    }
    send();
  };
  conn->on_closed = [&](const std::string& why) {
    error = "closed: " + why;
    io.stop();
  };
  if (!warming) begin_timed();
  io.restart();
  send();
  io.run_for(secs(seconds * 1.25 + 60));
  if (timed_started && at_end) at_end();
  if (error.empty() && lat.count() == 0) {
    error = "no call completed in time";
  }
  conn->on_closed = nullptr;
  conn->on_message = nullptr;
  conn->close();
  io.restart();
  io.run_for(std::chrono::milliseconds(100));
  return error;
}

Bench::PoolResult Bench::http_sequence(const std::vector<HttpJob>& jobs, double max_seconds) {
  return run_http_pool(
      1,
      [&](std::uint64_t seq) -> std::optional<HttpJob> {
        if (seq >= jobs.size()) return std::nullopt;
        return jobs[seq];
      },
      [](std::uint64_t, HttpResponse& r) {
        return r.status == 200 ? std::string() : describe_http_error(r);
      },
      max_seconds, true);
}

double Bench::restart_timed(const std::string& why, const std::vector<std::string>& extra,
                            const std::string& probe) {
  stop_server();
  // NAME=VALUE words (an upper-case name) go to the server's environment, the rest to its
  // command line: a switch may be either (RIVET_STATE_CHUNKING=0, --threads 1).
  auto args = opt_.server_args;
  std::vector<std::string> env;
  for (const auto& word : extra) {
    const auto eq = word.find('=');
    const bool is_env = eq != std::string::npos && eq > 0 &&
                        std::all_of(word.begin(), word.begin() + static_cast<long>(eq), [](char ch) {
                          return (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_';
                        });
    (is_env ? env : args).push_back(word);
  }
  const auto t0 = Clock::now();
  if (auto err = server_.start(opt_.server_bin, opt_.data_dir, args, log_path_,
                               std::chrono::seconds(600), env)) {
    std::cerr << "rivet-load: starting the server (" << why << "): " << *err << "\n";
    return -1;
  }
  ep_ = tcp::endpoint(asio::ip::make_address(server_.host()), server_.port());
  pids_ = {server_.pid()};
  // The endpoint line comes before the first request can be served; poll until one is.
  const auto until = Clock::now() + std::chrono::seconds(120);
  while (Clock::now() < until) {
    auto r = http_sequence({HttpJob{Method::Get, probe, "", nullptr}}, 30);
    if (r.ok == 1) {
      return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    }
    settle(0.005);
  }
  return -1;
}

// -- stored actors axis ------------------------------------------------------------------------

void Bench::wl_scale_actors() {
  const std::string axis = "stored";
  if (opt_.server_bin.empty()) {
    add_error("scale", "stored actors axis", "needs --server: it restarts the server at each level");
    return;
  }
  const std::string name = opt_.actor;
  const auto inc = bare::http_action_request(bare::kOneArg);
  const std::string inc_s(inc.begin(), inc.end());
  const auto none = bare::http_action_request(bare::kNoArgs);
  const std::string none_s(none.begin(), none.end());
  const std::string probe = "/actors?name=" + name + "&limit=1";

  // The baseline: the store as the axis finds it, after a clean stop (WAL checkpointed), and the
  // RSS of a fresh process on it. Every level is measured against these.
  const double start_empty = restart_timed("scale baseline", {}, probe);
  const auto disk_base = dir_bytes(opt_.data_dir);
  settle(opt_.smoke ? 0.2 : 1.0);
  const auto rss_base = rss_kib(pids_);
  notes_.push_back("scale stored axis baseline: start-up " + std::to_string(start_empty) +
                   " ms, RSS " + std::to_string(rss_base) + " KiB, data dir " +
                   std::to_string(disk_base) + " B before the first level");

  std::mt19937_64 rng(42);
  std::size_t have = 0;
  for (const auto level : opt_.scale_levels) {
    if (!time_left()) {
      notes_.push_back("scale stored level " + count_label(level) + " skipped: time budget spent");
      break;
    }
    if (level <= have) continue;
    const std::string lv = count_label(level);
    std::cerr << " [" << lv << "]" << std::flush;

    // 1. Grow to the level: getOrCreate + increment, many connections; the last `samples`
    //    one at a time, timed (what one more create costs with this many stored).
    const std::size_t tail = std::min(opt_.scale_samples, level - have);
    const std::size_t bulk_end = level - tail;
    const std::size_t first = have;
    const double grow_cpu0 = cpu_seconds(pids_);
    auto grown = run_http_pool(
        opt_.setup_conns,
        [&](std::uint64_t seq) -> std::optional<HttpJob> {
          if (first + seq >= bulk_end) return std::nullopt;
          return HttpJob{Method::Post, query_path("/action/increment", key("sc", first + seq)),
                         inc_s, &bare_headers()};
        },
        [](std::uint64_t, HttpResponse& r) { return check_action_ok(r); },
        std::max(60.0, opt_.max_total_seconds - seconds_since(started_)), false);
    const double grow_cpu1 = cpu_seconds(pids_);
    std::vector<HttpJob> creates;
    for (std::size_t i = bulk_end; i < level; ++i) {
      creates.push_back(HttpJob{Method::Post, query_path("/action/increment", key("sc", i)),
                                inc_s, &bare_headers()});
    }
    auto created_tail = http_sequence(creates, 120);
    have += grown.ok + created_tail.ok;
    if (grown.ok > 0) {
      add_scale(axis, lv, "creation rate (getOrCreate + increment, " +
                              std::to_string(opt_.setup_conns) + " conns)",
                static_cast<double>(grown.ok) / grown.seconds, "actors/s")
          .extra.update({{"errors", grown.errors}, {"first_error", grown.first_error},
                         {"seconds", grown.seconds}});
      // The rate moves with what else runs on the machine; the CPU it took does less.
      add_scale(axis, lv, "server CPU per actor created",
                (grow_cpu1 - grow_cpu0) * 1e6 / static_cast<double>(grown.ok), "us");
    }
    if (created_tail.ok > 0) {
      add_scale(axis, lv, "create + first action p50 (sequential)",
                created_tail.lat.percentile_us(0.5), "us")
          .extra.update({{"latency", created_tail.lat.summary()}, {"errors", created_tail.errors}});
    }
    if (grown.errors + created_tail.errors > 0 || have < level) {
      add_error("scale", "stored " + lv + ": grow",
                std::to_string(have) + " of " + std::to_string(level) + " stored; first error: " +
                    (grown.first_error.empty() ? created_tail.first_error : grown.first_error));
      return;
    }

    // 2. Disk after a clean stop, 3. start-up on that data, RSS of the fresh process.
    stop_server();
    const auto disk = dir_bytes(opt_.data_dir);
    if (disk >= 0 && disk_base >= 0) {
      add_scale(axis, lv, "disk per stored actor", static_cast<double>(disk - disk_base) /
                                                       static_cast<double>(have), "B")
          .extra.update({{"data_dir_bytes", disk}});
    }
    const double start_ms = restart_timed("scale level " + lv, {}, probe);
    if (start_ms < 0) {
      add_error("scale", "stored " + lv + ": restart", "the server did not answer after a restart");
      return;
    }
    add_scale(axis, lv, "start-up to first served request", start_ms, "ms");
    settle(opt_.smoke ? 0.2 : 1.0);
    const auto rss_fresh = rss_kib(pids_);
    add_scale(axis, lv, "RSS of a fresh process holding them", static_cast<double>(rss_fresh) / 1024.0,
              "MiB");
    add_scale(axis, lv, "RSS per stored sleeping actor (fresh process)",
              static_cast<double>(rss_fresh - rss_base) * 1024.0 / static_cast<double>(have), "B");

    // 4. Wake the awake set (the first `awake` keys) with a stateless getCount each.
    const std::size_t awake = std::min(opt_.scale_awake, have);
    const double wake_cpu0 = cpu_seconds(pids_);
    auto woke = run_http_pool(
        opt_.setup_conns,
        [&](std::uint64_t seq) -> std::optional<HttpJob> {
          if (seq >= awake) return std::nullopt;
          return HttpJob{Method::Post, query_path("/action/getCount", key("sc", seq), false),
                         none_s, &bare_headers()};
        },
        [](std::uint64_t, HttpResponse& r) { return check_action_ok(r); }, 300, false);
    add_scale(axis, lv, "wake the awake set by key (" + std::to_string(opt_.setup_conns) + " conns)",
              static_cast<double>(woke.ok) / woke.seconds, "actors/s")
        .extra.update({{"actors", awake}, {"errors", woke.errors}, {"first_error", woke.first_error}});
    add_scale(axis, lv, "server CPU per actor woken",
              (cpu_seconds(pids_) - wake_cpu0) * 1e6 /
                  static_cast<double>(std::max<std::uint64_t>(woke.ok, 1)),
              "us");
    settle(opt_.smoke ? 0.2 : 0.5);
    add_scale(axis, lv, "RSS per awake actor (the awake set)",
              static_cast<double>(rss_kib(pids_) - rss_fresh) * 1024.0 /
                  static_cast<double>(std::max<std::uint64_t>(woke.ok, 1)),
              "B");

    // 5. Lookups by key of sleeping actors spread over the whole store (PUT /actors is the
    //    getOrCreate of the management API: it finds the record, it does not wake the actor),
    //    6. then the first reply of each of them by id: a wake.
    std::set<std::size_t> picked;
    if (have > awake) {
      std::uniform_int_distribution<std::size_t> pick(awake, have - 1);
      for (std::size_t tries = 0; picked.size() < std::min(opt_.scale_samples, have - awake) &&
                                  tries < opt_.scale_samples * 10;
           ++tries) {
        picked.insert(pick(rng));
      }
    }
    std::vector<HttpJob> lookups;
    for (auto i : picked) {
      Json body{{"name", name}, {"key", key("sc", i)}, {"runner_name_selector", opt_.runner},
                {"crash_policy", "sleep"}};
      lookups.push_back(HttpJob{Method::Put, "/actors?namespace=" + opt_.ns, body.dump(),
                                &json_headers()});
    }
    std::vector<std::string> ids;
    std::string lookup_error;
    {
      std::size_t n = 0;
      auto looked = run_http_pool(
          1,
          [&](std::uint64_t seq) -> std::optional<HttpJob> {
            if (seq >= lookups.size()) return std::nullopt;
            return lookups[seq];
          },
          [&](std::uint64_t, HttpResponse& r) -> std::string {
            if (r.status != 200) return describe_http_error(r);
            try {
              ids.push_back(Json::parse(r.body).at("actor").at("actor_id").get<std::string>());
            } catch (const std::exception& e) {
              return std::string("PUT /actors answer: ") + e.what();
            }
            ++n;
            return "";
          },
          120, true);
      if (looked.ok > 0) {
        add_scale(axis, lv, "getOrCreate by key of a stored actor p50 (PUT /actors)",
                  looked.lat.percentile_us(0.5), "us")
            .extra.update({{"latency", looked.lat.summary()}, {"errors", looked.errors}});
      }
      lookup_error = looked.first_error;
    }
    if (!ids.empty()) {
      std::vector<HttpJob> wakes;
      for (const auto& id : ids) {
        wakes.push_back(HttpJob{Method::Post, direct_path(id, "getCount"), none_s, &bare_headers()});
      }
      auto w = http_sequence(wakes, 120);
      if (w.ok > 0) {
        add_scale(axis, lv, "wake of a sleeping actor p50 (HTTP by id, sequential)",
                  w.lat.percentile_us(0.5), "us")
            .extra.update({{"latency", w.lat.summary()}, {"errors", w.errors}});
        add_scale(axis, lv, "wake of a sleeping actor p99", w.lat.percentile_us(0.99), "us");
      }
      if (w.errors > 0) add_error("scale", "stored " + lv + ": wake", w.first_error);
    } else if (have > awake) {
      add_error("scale", "stored " + lv + ": lookups", lookup_error);
    }

    // 7. Round trips on one awake actor over a WebSocket.
    for (const auto& [action, args] : {std::pair{std::string("getCount"), &bare::kNoArgs},
                                       std::pair{std::string("increment"), &bare::kOneArg}}) {
      Latencies lat;
      const auto err = ws_sequence(query_path("/connect", key("sc", 0)), action, *args,
                                   opt_.smoke ? 20 : 300, opt_.rt_count, opt_.scale_seconds, lat);
      if (!err.empty()) {
        add_error("scale", "stored " + lv + ": ws " + action, err);
        continue;
      }
      add_scale(axis, lv, "ws " + action + " p50 (awake actor)", lat.percentile_us(0.5), "us")
          .extra.update({{"latency", lat.summary()}});
    }

    // 8. HTTP increment throughput over up to 1 000 of the awake actors, by id.
    const std::size_t hot = std::min<std::size_t>(1'000, awake);
    std::vector<HttpJob> resolve;
    for (std::size_t i = 0; i < hot; ++i) {
      Json body{{"name", name}, {"key", key("sc", i)}, {"runner_name_selector", opt_.runner},
                {"crash_policy", "sleep"}};
      resolve.push_back(HttpJob{Method::Put, "/actors?namespace=" + opt_.ns, body.dump(),
                                &json_headers()});
    }
    std::vector<std::string> hot_paths(hot);
    run_http_pool(
        opt_.setup_conns,
        [&](std::uint64_t seq) -> std::optional<HttpJob> {
          if (seq >= hot) return std::nullopt;
          return resolve[seq];
        },
        [&](std::uint64_t seq, HttpResponse& r) -> std::string {
          if (r.status != 200) return describe_http_error(r);
          try {
            hot_paths[seq] = direct_path(
                Json::parse(r.body).at("actor").at("actor_id").get<std::string>(), "increment");
          } catch (const std::exception& e) {
            return e.what();
          }
          return "";
        },
        120, false);
    std::erase(hot_paths, std::string());
    if (!hot_paths.empty()) {
      const double cpu0 = cpu_seconds(pids_);
      auto tput = run_http_pool(
          opt_.http_conns,
          [&](std::uint64_t seq) -> std::optional<HttpJob> {
            return HttpJob{Method::Post, hot_paths[seq % hot_paths.size()], inc_s, &bare_headers()};
          },
          [](std::uint64_t, HttpResponse& r) { return check_action_ok(r); }, opt_.scale_seconds,
          false);
      const double cpu1 = cpu_seconds(pids_);
      if (tput.ok > 0) {
        add_scale(axis, lv, "http increment over up to 1k awake actors (" +
                                std::to_string(opt_.http_conns) + " conns)",
                  static_cast<double>(tput.ok) / tput.seconds, "actions/s")
            .extra.update({{"actors", hot_paths.size()}, {"errors", tput.errors},
                           {"first_error", tput.first_error}});
        add_scale(axis, lv, "http increment server CPU per action",
                  (cpu1 - cpu0) * 1e6 / static_cast<double>(tput.ok), "us");
      }
    }

    // 9. The management API over the whole store: the first page of the list, and the count
    //    GET /metrics makes of the live actors (it is the only count the server has).
    const std::size_t reps = opt_.smoke ? 5 : 30;
    std::vector<HttpJob> lists(reps, HttpJob{Method::Get, "/actors?name=" + name + "&limit=100",
                                             "", nullptr});
    auto listed = http_sequence(lists, 60);
    if (listed.ok > 0) {
      add_scale(axis, lv, "list the first 100 actors p50 (GET /actors?name=)",
                listed.lat.percentile_us(0.5), "us");
    }
    std::vector<HttpJob> scrapes(reps, HttpJob{Method::Get, "/metrics", "", nullptr});
    auto scraped = http_sequence(scrapes, 120);
    if (scraped.ok > 0) {
      add_scale(axis, lv, "count the actors p50 (GET /metrics)", scraped.lat.percentile_us(0.5),
                "us");
    }
  }
  std::cerr << " ";
}

// -- the pivot table --------------------------------------------------------------------------

void Bench::print_scale_tables() const {
  // axis -> levels in order of appearance, figures in order of appearance, cells.
  std::vector<std::string> axes;
  std::map<std::string, std::vector<std::string>> levels, figures;
  std::map<std::string, std::map<std::pair<std::string, std::string>, std::string>> cells;
  for (const auto& m : metrics_) {
    if (!m.extra.contains("axis") || !m.error.empty()) continue;
    const auto axis = m.extra["axis"].get<std::string>();
    const auto level = m.extra["level"].get<std::string>();
    const auto figure = m.extra["figure"].get<std::string>() + " (" + m.unit + ")";
    if (std::find(axes.begin(), axes.end(), axis) == axes.end()) axes.push_back(axis);
    auto& lv = levels[axis];
    if (std::find(lv.begin(), lv.end(), level) == lv.end()) lv.push_back(level);
    auto& fg = figures[axis];
    if (std::find(fg.begin(), fg.end(), figure) == fg.end()) fg.push_back(figure);
    char buf[32];
    std::snprintf(buf, sizeof buf, m.value >= 100 || m.value <= -100 ? "%.0f" : "%.1f", m.value);
    cells[axis][{figure, level}] = buf;
  }
  for (const auto& axis : axes) {
    std::printf("\nscale, %s axis\n| figure |", axis.c_str());
    for (const auto& l : levels[axis]) std::printf(" %s |", l.c_str());
    std::printf("\n|---|");
    for (std::size_t i = 0; i < levels[axis].size(); ++i) std::printf("---:|");
    std::printf("\n");
    for (const auto& f : figures[axis]) {
      std::printf("| %s |", f.c_str());
      for (const auto& l : levels[axis]) {
        auto it = cells[axis].find({f, l});
        std::printf(" %s |", it == cells[axis].end() ? "-" : it->second.c_str());
      }
      std::printf("\n");
    }
  }
}

}  // namespace rivet::load
