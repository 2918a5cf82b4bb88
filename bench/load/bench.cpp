#include "bench.hpp"

#include "bare_fast.hpp"
#include "ws_client.hpp"

#include <rivet/protocol/messages.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <iomanip>
#include <limits>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <thread>
#include <unordered_map>

namespace rivet::load {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using tcp = asio::ip::tcp;

namespace {

std::string base36(std::uint64_t v) {
  static constexpr char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string s;
  do {
    s.insert(s.begin(), kDigits[v % 36]);
    v /= 36;
  } while (v != 0);
  return s;
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string json_string(const std::string& s) { return Json(s).dump(); }

}  // namespace

std::string error_message_text(std::span<const std::uint8_t> msg) {
  auto decoded = protocol::decode_to_client(msg, protocol::Encoding::Bare);
  if (decoded) {
    if (const auto* e = std::get_if<protocol::ErrorMessage>(&*decoded)) {
      return e->group + "." + e->code + ": " + e->message;
    }
  }
  return "undecodable error message";
}

std::string describe_http_error(const HttpResponse& r) {
  std::string text = "HTTP " + std::to_string(r.status);
  if (r.content_type.find("json") != std::string::npos || r.content_type.find("text") == 0) {
    return text + " " + r.body.substr(0, 300);
  }
  const auto* p = reinterpret_cast<const std::uint8_t*>(r.body.data());
  if (auto err = protocol::decode_http_error({p, r.body.size()}, protocol::Encoding::Bare)) {
    return text + " " + err->group + "." + err->code + ": " + err->message;
  }
  return text + " (" + std::to_string(r.body.size()) + " bytes)";
}

// A bare HttpActionResponse: version 4 prefix then data.
std::string check_action_ok(const HttpResponse& r) {
  if (r.status != 200) {
    return describe_http_error(r);
  }
  if (r.body.size() < 3 || r.body[0] != 4 || r.body[1] != 0) {
    return "HTTP 200 with an unexpected body";
  }
  return "";
}

Bench::Bench(Options opt) : opt_(std::move(opt)) {
  started_ = Clock::now();
  started_utc_ = utc_now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  run_id_ = "b" + base36(static_cast<std::uint64_t>(ms));
}

Bench::~Bench() {
  stop_server();
  if (!owned_data_dir_.empty() && !opt_.keep_data) {
    std::error_code ec;
    fs::remove_all(owned_data_dir_, ec);
  }
}

// -- target -----------------------------------------------------------------------------------

bool Bench::start_server(const std::string& why) {
  if (auto err = server_.start(opt_.server_bin, opt_.data_dir, opt_.server_args, log_path_,
                               std::chrono::seconds(60))) {
    std::cerr << "rivet-load: starting the server (" << why << "): " << *err << "\n";
    return false;
  }
  ep_ = tcp::endpoint(asio::ip::make_address(server_.host()), server_.port());
  pids_ = {server_.pid()};
  return true;
}

void Bench::stop_server() {
  if (server_.running()) {
    server_.stop();
  }
}

bool Bench::time_left() const { return seconds_since(started_) < opt_.max_total_seconds; }

void Bench::settle(double seconds) const {
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
}

std::string Bench::key(const std::string& prefix, std::size_t i) const {
  return run_id_ + "-" + prefix + "-" + std::to_string(i);
}

std::string Bench::query_path(const std::string& actor_path, const std::string& key,
                              bool get_or_create) const {
  return named_path(opt_.actor, actor_path, key, get_or_create);
}

std::string Bench::named_path(const std::string& name, const std::string& actor_path,
                              const std::string& key, bool get_or_create) const {
  std::string p = "/gateway/" + name + actor_path + "?rvt-namespace=" + opt_.ns;
  if (get_or_create) {
    p += "&rvt-method=getOrCreate&rvt-runner=" + opt_.runner + "&rvt-key=" + key +
         "&rvt-crash-policy=sleep";
  } else {
    p += "&rvt-method=get&rvt-key=" + key;
  }
  return p;
}

std::string Bench::direct_path(const std::string& id, const std::string& action) const {
  return "/gateway/" + id + "/action/" + action;
}

Metric& Bench::add(std::string workload, std::string name, double value, std::string unit) {
  Metric m;
  m.workload = std::move(workload);
  m.name = std::move(name);
  m.value = value;
  m.unit = std::move(unit);
  metrics_.push_back(std::move(m));
  return metrics_.back();
}

Metric& Bench::add_error(std::string workload, std::string name, std::string error) {
  auto& m = add(std::move(workload), std::move(name), 0, "");
  m.error = std::move(error);
  failed_ = true;
  return m;
}

std::size_t Bench::error_count() const {
  std::size_t n = 0;
  for (const auto& m : metrics_) {
    if (!m.error.empty()) {
      ++n;
    }
    if (m.extra.contains("errors") && m.extra["errors"].is_number() &&
        m.extra["errors"].get<std::uint64_t>() > 0) {
      ++n;
    }
  }
  return n;
}

// -- HTTP pool --------------------------------------------------------------------------------

Bench::PoolResult Bench::run_http_pool(std::size_t conns, const NextJob& next,
                                       const CheckResponse& check, double max_seconds,
                                       bool record_latency) {
  PoolResult r;
  asio::io_context io(1);
  // Every loop stays inside the run's budget (at least 5 s each, so a late workload still runs).
  max_seconds = std::min(max_seconds,
                         std::max(5.0, opt_.max_total_seconds - seconds_since(started_)));
  std::uint64_t seq = 0;
  std::size_t active = 0;
  bool exhausted = false;
  const auto t0 = Clock::now();
  static const HttpConn::Headers kNone;

  asio::steady_timer deadline(io);
  deadline.expires_after(std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(max_seconds)));
  deadline.async_wait([&](boost::system::error_code ec) {
    if (!ec) {
      r.timed_out = true;
      io.stop();
    }
  });
  auto note_error = [&](const std::string& e) {
    ++r.errors;
    if (r.first_error.empty()) {
      r.first_error = e;
    }
  };
  auto conn_done = [&] {
    if (--active == 0) {
      deadline.cancel();
      io.stop();
    }
  };

  std::function<void(std::shared_ptr<HttpConn>)> issue;
  std::function<void()> reconnect;
  issue = [&](std::shared_ptr<HttpConn> c) {
    std::optional<HttpJob> job;
    if (!exhausted) {
      job = next(seq);
    }
    if (!job) {
      exhausted = true;
      c->close();
      conn_done();
      return;
    }
    const auto my = seq++;
    const auto sent = Clock::now();
    c->request(job->method, job->target, std::move(job->body),
               job->headers != nullptr ? *job->headers : kNone,
               [&, c, my, sent](HttpResponse& resp) {
                 if (record_latency) {
                   r.lat.add(Clock::now() - sent);
                 }
                 std::string err = resp.error.empty() ? check(my, resp) : resp.error;
                 if (err.empty()) {
                   ++r.ok;
                 } else {
                   note_error(err);
                 }
                 if (!c->is_open()) {
                   reconnect();
                   return;
                 }
                 issue(c);
               });
  };
  reconnect = [&] {
    auto c = std::make_shared<HttpConn>(io);
    c->connect(ep_, [&, c](std::string e) {
      if (!e.empty()) {
        note_error(e);
        conn_done();
        return;
      }
      issue(c);
    });
  };
  for (std::size_t i = 0; i < conns; ++i) {
    ++active;
    reconnect();
  }
  if (active > 0) {
    io.run();
  }
  r.seconds = seconds_since(t0);
  return r;
}

std::vector<std::string> Bench::resolve_ids(const std::string& prefix, std::size_t n) {
  std::vector<std::string> ids(n);
  auto res = run_http_pool(
      opt_.setup_conns,
      [&](std::uint64_t seq) -> std::optional<HttpJob> {
        if (seq >= n) {
          return std::nullopt;
        }
        Json body{{"name", opt_.actor},
                  {"key", key(prefix, seq)},
                  {"runner_name_selector", opt_.runner},
                  {"crash_policy", "sleep"}};
        return HttpJob{Method::Put, "/actors?namespace=" + opt_.ns, body.dump(), &json_headers()};
      },
      [&](std::uint64_t seq, HttpResponse& r) -> std::string {
        if (r.status != 200) {
          return describe_http_error(r);
        }
        try {
          ids[seq] = Json::parse(r.body).at("actor").at("actor_id").get<std::string>();
        } catch (const std::exception& e) {
          return std::string("PUT /actors answer: ") + e.what();
        }
        return "";
      },
      300, false);
  if (res.errors > 0) {
    std::cerr << "rivet-load: resolving actors: " << res.errors
              << " errors, first: " << res.first_error << "\n";
  }
  return ids;
}

// -- WebSocket load ---------------------------------------------------------------------------

Bench::WsResult Bench::run_ws(std::size_t actors, const std::string& key_prefix,
                              const std::string& action, const std::vector<std::uint8_t>& args,
                              std::size_t max_conns, std::size_t inflight, double seconds,
                              std::uint64_t max_actions,
                              const std::function<void()>& on_timed_start,
                              const std::function<void()>& on_timed_end) {
  WsResult r;
  asio::io_context io(1);
  const bool rotate = actors > max_conns;
  const std::size_t slots = std::min(actors, max_conns);
  // The server's outgoing queue holds 1024 messages per connection: stay well below.
  const std::size_t depth = rotate
                                ? std::clamp<std::size_t>(inflight / slots, 1, opt_.ws_visit)
                                : std::clamp<std::size_t>(inflight / slots, 1, 512);
  std::size_t ring = 1;
  while (ring < depth * 2) {
    ring <<= 1;
  }
  r.conns = slots;
  r.depth = depth;

  std::vector<std::shared_ptr<WsConn>> conns(slots);
  std::vector<Clock::time_point> sent_at(slots * ring);
  std::vector<std::uint8_t> frame;
  std::size_t next_actor = 0;
  std::size_t opens_pending = 0;
  std::size_t setup_done = 0;
  std::vector<std::size_t> to_open;
  bool timing = false;
  bool finished = false;
  std::uint64_t sent_total = 0;
  Clock::time_point t0;
  const auto setup_t0 = Clock::now();
  asio::steady_timer deadline(io);
  asio::steady_timer setup_deadline(io);

  auto note_error = [&](const std::string& e) {
    if (r.first_error.empty()) {
      r.first_error = e;
    }
  };
  auto fill = [&](WsConn& c) {
    while (timing && c.is_open() && c.inflight < depth && (!rotate || c.next_id < opt_.ws_visit) &&
           sent_total < max_actions) {
      frame.clear();
      bare::action_request(frame, c.next_id, action, args);
      sent_at[c.tag * ring + (c.next_id & (ring - 1))] = Clock::now();
      ++c.next_id;
      ++c.inflight;
      ++sent_total;
      c.send(frame);
    }
  };
  auto end_timed = [&] {
    if (!timing) {
      return;
    }
    timing = false;
    finished = true;
    r.seconds = seconds_since(t0);
    deadline.cancel();
    if (on_timed_end) {
      on_timed_end();
    }
    io.stop();
  };
  std::function<void(std::size_t)> open_slot;
  auto start_timed = [&] {
    setup_deadline.cancel();
    r.setup_seconds = seconds_since(setup_t0);
    if (on_timed_start) {
      on_timed_start();
    }
    t0 = Clock::now();
    timing = true;
    deadline.expires_after(std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(seconds)));
    deadline.async_wait([&](boost::system::error_code ec) {
      if (!ec) {
        end_timed();
      }
    });
    if (rotate) {
      for (std::size_t s = 0; s < slots; ++s) {
        open_slot(s);
      }
    } else {
      for (auto& c : conns) {
        if (c) {
          fill(*c);
        }
      }
    }
  };
  auto open_next_queued = [&] {
    while (!to_open.empty() && opens_pending < 256) {
      const auto s = to_open.back();
      to_open.pop_back();
      open_slot(s);
    }
  };
  auto setup_progress = [&] {
    ++setup_done;
    open_next_queued();
    if (!rotate && setup_done == slots && !timing && !finished) {
      start_timed();
    }
  };

  open_slot = [&](std::size_t s) {
    const std::size_t actor_index = rotate ? (next_actor++ % actors) : s;
    auto c = std::make_shared<WsConn>(io);
    c->tag = s;
    conns[s] = c;
    ++opens_pending;
    WsConn* raw = c.get();
    c->on_message = [&, raw](std::span<const std::uint8_t> msg) {
      const auto head = bare::peek_to_client(msg);
      if (head.kind == bare::Kind::Event) {
        return;
      }
      if (raw->inflight > 0) {
        --raw->inflight;
      }
      if (head.kind == bare::Kind::ActionResponse) {
        if (timing) {
          ++r.actions;
          r.lat.add(Clock::now() - sent_at[raw->tag * ring + (head.id & (ring - 1))]);
          if (r.actions >= max_actions) {
            end_timed();
            return;
          }
        }
      } else {
        ++r.errors;
        note_error(head.kind == bare::Kind::Error ? error_message_text(msg)
                                                  : "unexpected message");
      }
      if (!timing) {
        return;
      }
      if (rotate && raw->next_id >= opt_.ws_visit && raw->inflight == 0) {
        raw->close();
        open_slot(raw->tag);
        return;
      }
      fill(*raw);
    };
    c->on_closed = [&, s, raw](const std::string& why) {
      if (why.empty() || finished) {
        return;
      }
      ++r.lost;
      note_error("connection lost: " + why);
      // Keep the load constant: replace a lost connection while timing.
      if (timing && conns[s].get() == raw) {
        open_slot(s);
      }
    };
    c->open(ep_, query_path("/connect", key(key_prefix, actor_index)),
            [&, s, c](const std::string& err, const std::string&) {
              --opens_pending;
              if (finished) {
                return;  // closed by the end of the run
              }
              if (!err.empty()) {
                ++r.open_errors;
                note_error("open: " + err);
                if (conns[s] == c) {
                  conns[s].reset();
                }
              } else {
                ++r.opens;
              }
              if (!timing && !finished) {
                setup_progress();
                return;
              }
              if (err.empty()) {
                fill(*c);
              } else if (timing && rotate) {
                open_slot(s);
              }
            });
  };

  // Setup: persistent connections are opened (and their actors created) before timing;
  // rotating ones are opened inside the timed window.
  setup_deadline.expires_after(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
      std::min(300.0, std::max(5.0, opt_.max_total_seconds - seconds_since(started_))))));
  setup_deadline.async_wait([&](boost::system::error_code ec) {
    if (ec || timing || finished) {
      return;
    }
    note_error("setup: only " + std::to_string(r.opens) + " of " + std::to_string(slots) +
               " connections opened in time");
    if (r.opens > 0) {
      start_timed();  // measure with what is open; late opens join as they complete
    } else {
      finished = true;
      io.stop();
    }
  });
  if (rotate) {
    start_timed();
  } else {
    for (std::size_t s = slots; s-- > 0;) {
      to_open.push_back(s);
    }
    open_next_queued();
  }
  io.run();
  if (timing) {
    end_timed();
  }
  finished = true;
  if (!rotate) {
    r.conns = r.opens;
  }
  // Close politely so the server sees ordinary disconnects, bounded in time.
  for (auto& c : conns) {
    if (c) {
      c->on_message = nullptr;
      c->close();
    }
  }
  io.restart();
  io.run_for(std::chrono::milliseconds(opt_.smoke ? 200 : 1000));
  return r;
}

// -- workloads --------------------------------------------------------------------------------

void Bench::wl_round_trip() {
  const std::string wl = "rt";
  // WebSocket: one connection per case, one request at a time (Bench::ws_sequence).
  {
    struct Case {
      std::string action;
      const std::vector<std::uint8_t>* args;
      double target;
    };
    const auto path = query_path("/connect", key("rt", 0));
    for (const Case& c : {Case{"getCount", &bare::kNoArgs, 60},
                          Case{"increment", &bare::kOneArg, 1000}}) {
      Latencies lat;
      auto err = ws_sequence(path, c.action, *c.args, opt_.smoke ? 50 : 500, opt_.rt_count,
                             opt_.rt_seconds, lat, nullptr, nullptr);
      if (!err.empty()) {
        add_error(wl, "ws " + c.action, err);
        continue;
      }
      auto summary = lat.summary();
      auto& m = add(wl, "ws " + c.action + " p50", lat.percentile_us(0.5), "us");
      m.target = c.target;
      m.target_op = "<";
      m.extra = summary;
      add(wl, "ws " + c.action + " p99", lat.percentile_us(0.99), "us").extra = summary;
    }
  }
  // HTTP keep-alive, direct actor id, one request at a time.
  const auto ids = resolve_ids("rthttp", 1);
  if (ids.empty() || ids[0].empty()) {
    add_error(wl, "http round trip", "could not resolve the actor id (PUT /actors)");
    return;
  }
  for (const auto& [action, args] :
       {std::pair{std::string("getCount"), &bare::kNoArgs},
        std::pair{std::string("increment"), &bare::kOneArg}}) {
    const std::size_t warmup = opt_.smoke ? 20 : 200;
    const std::size_t count = std::max<std::size_t>(opt_.rt_count / 2, 50);
    const auto body = bare::http_action_request(*args);
    const std::string path = direct_path(ids[0], action);
    auto run = [&](std::size_t n, bool latency) {
      const auto t_end = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                            std::chrono::duration<double>(opt_.rt_seconds));
      return run_http_pool(
          1,
          [&, t_end](std::uint64_t seq) -> std::optional<HttpJob> {
            if (seq >= n || Clock::now() > t_end) {
              return std::nullopt;
            }
            return HttpJob{Method::Post, path, std::string(body.begin(), body.end()),
                           &bare_headers()};
          },
          [](std::uint64_t, HttpResponse& r) { return check_action_ok(r); },
          opt_.rt_seconds + 30, latency);
    };
    run(warmup, false);
    auto res = run(count, true);
    if (res.errors > 0) {
      add_error(wl, "http " + action, res.first_error);
      continue;
    }
    auto summary = res.lat.summary();
    add(wl, "http " + action + " p50", res.lat.percentile_us(0.5), "us").extra = summary;
    add(wl, "http " + action + " p99", res.lat.percentile_us(0.99), "us").extra = summary;
  }
}

void Bench::wl_ws_throughput() {
  const std::string wl = "ws";
  for (const auto actors : opt_.ws_actor_sets) {
    if (!time_left()) {
      notes_.push_back("ws " + std::to_string(actors) + " actors skipped: time budget spent");
      continue;
    }
    const std::string prefix = "ws" + std::to_string(actors);
    const bool rotate = actors > opt_.ws_max_conns;
    if (rotate) {
      // Create the actors first (HTTP, many connections), so the timed phase measures actions
      // and connection churn, not creation.
      const auto body = bare::http_action_request(bare::kOneArg);
      auto res = run_http_pool(
          opt_.setup_conns,
          [&](std::uint64_t seq) -> std::optional<HttpJob> {
            if (seq >= actors) {
              return std::nullopt;
            }
            return HttpJob{Method::Post, query_path("/action/increment", key(prefix, seq)),
                           std::string(body.begin(), body.end()), &bare_headers()};
          },
          [](std::uint64_t, HttpResponse& r) { return check_action_ok(r); }, 600, false);
      auto& m = add(wl, "setup: create " + std::to_string(actors) + " actors (HTTP, " +
                            std::to_string(opt_.setup_conns) + " conns)",
                    static_cast<double>(res.ok) / res.seconds, "actors/s");
      m.extra = {{"errors", res.errors}, {"seconds", res.seconds}, {"first_error", res.first_error}};
    }
    // Storage figures come from the 1 000-actor run, or else from the largest run that keeps
    // one connection per actor.
    std::size_t storage_set = 0;
    for (auto a : opt_.ws_actor_sets) {
      if (a <= opt_.ws_max_conns && (storage_set != 1'000) && (a == 1'000 || a > storage_set)) {
        storage_set = a;
      }
    }
    const bool storage = actors == storage_set;
    std::optional<SyncCounter> syncs;
    double cpu0 = 0, cpu1 = 0, self0 = 0, self1 = 0;
    std::int64_t io0 = -1, io1 = -1;
    std::optional<std::int64_t> fsyncs;
    std::string sync_why;
    auto r = run_ws(
        actors, prefix, "increment", bare::kOneArg, opt_.ws_max_conns, opt_.ws_inflight,
        opt_.tput_seconds, std::numeric_limits<std::uint64_t>::max(),
        [&] {
          if (storage) {
            syncs.emplace(pids_);
          }
          cpu0 = cpu_seconds(pids_);
          self0 = self_cpu_seconds();
          io0 = io_write_bytes(pids_);
        },
        [&] {
          cpu1 = cpu_seconds(pids_);
          self1 = self_cpu_seconds();
          io1 = io_write_bytes(pids_);
          if (syncs) {
            fsyncs = syncs->finish();
            sync_why = syncs->why_unavailable();
          }
        });
    const std::string label = "increment, " + std::to_string(actors) + " actor" +
                              (actors == 1 ? "" : "s") +
                              (rotate ? " (" + std::to_string(r.conns) + " rotating conns)" : "");
    if (r.actions == 0) {
      add_error(wl, label, r.first_error.empty() ? "no action completed" : r.first_error);
      continue;
    }
    const double rate = static_cast<double>(r.actions) / r.seconds;
    auto summary = r.lat.summary();
    auto& m = add(wl, label, rate, "actions/s");
    if (actors == 1'000) {
      m.target = 100'000;
      m.target_op = ">";
    }
    m.extra = {{"actions", r.actions},
               {"errors", r.errors + r.open_errors + r.lost},
               {"first_error", r.first_error},
               {"seconds", r.seconds},
               {"setup_seconds", r.setup_seconds},
               {"connections", r.conns},
               {"inflight_per_conn", r.depth},
               {"opens", r.opens},
               {"latency", summary},
               {"server_cpu_us_per_action", (cpu1 - cpu0) * 1e6 / static_cast<double>(r.actions)},
               {"loadgen_cpu_us_per_action",
                (self1 - self0) * 1e6 / static_cast<double>(r.actions)}};
    add(wl, label + " latency p50", r.lat.percentile_us(0.5), "us");
    add(wl, label + " server CPU per action", (cpu1 - cpu0) * 1e6 / static_cast<double>(r.actions),
        "us");
    if (rotate) {
      add(wl, label + " connections opened", static_cast<double>(r.opens) / r.seconds, "conns/s");
    }
    if (storage) {
      const std::string sw = "storage";
      if (fsyncs && *fsyncs > 0) {
        add(sw, "fsync+fdatasync per s (during " + std::to_string(actors) + "-actor WS load)",
            static_cast<double>(*fsyncs) / r.seconds, "calls/s")
            .extra = {{"calls", *fsyncs}, {"seconds", r.seconds}};
        add(sw, "acked state changes per fsync (rows per commit)",
            static_cast<double>(r.actions) / static_cast<double>(*fsyncs), "actions");
      } else {
        add_error(sw, "fsync count", sync_why.empty() ? "no fsync counted" : sync_why).extra = {
            {"note", "perf stat with syscall tracepoints is needed for this figure"}};
        failed_ = false;  // not a failure of the server
        metrics_.back().error = "unmeasured: " + metrics_.back().error;
      }
      if (io0 >= 0 && io1 >= io0) {
        add(sw, "bytes written to storage per action",
            static_cast<double>(io1 - io0) / static_cast<double>(r.actions), "B");
      }
    }
  }
}

void Bench::wl_http_throughput() {
  const std::string wl = "http";
  const auto ids = resolve_ids("http", opt_.http_actors);
  std::size_t bad = 0;
  for (const auto& id : ids) {
    bad += id.empty() ? 1 : 0;
  }
  if (ids.empty() || bad > 0) {
    add_error(wl, "resolve actors", std::to_string(bad) + " of " + std::to_string(ids.size()) +
                                        " PUT /actors failed");
    return;
  }
  const auto body = bare::http_action_request(bare::kOneArg);
  const std::string body_s(body.begin(), body.end());
  for (const bool direct : {true, false}) {
    std::vector<std::string> paths;
    paths.reserve(ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i) {
      paths.push_back(direct ? direct_path(ids[i], "increment")
                             : query_path("/action/increment", key("http", i)));
    }
    // Warm-up: one call per actor wakes everything and fills connection pools.
    run_http_pool(
        opt_.http_conns,
        [&](std::uint64_t seq) -> std::optional<HttpJob> {
          if (seq >= paths.size()) return std::nullopt;
          return HttpJob{Method::Post, paths[seq], body_s, &bare_headers()};
        },
        [](std::uint64_t, HttpResponse& r) { return check_action_ok(r); }, 120, false);
    const double cpu0 = cpu_seconds(pids_);
    const double self0 = self_cpu_seconds();
    auto res = run_http_pool(
        opt_.http_conns,
        [&](std::uint64_t seq) -> std::optional<HttpJob> {
          return HttpJob{Method::Post, paths[seq % paths.size()], body_s, &bare_headers()};
        },
        [](std::uint64_t, HttpResponse& r) { return check_action_ok(r); }, opt_.tput_seconds,
        true);
    const double cpu1 = cpu_seconds(pids_);
    const double self1 = self_cpu_seconds();
    const std::string label = std::string("increment, ") + (direct ? "actor id path" : "query gateway (getOrCreate)") +
                              ", " + std::to_string(opt_.http_conns) + " conns, " +
                              std::to_string(ids.size()) + " actors";
    if (res.ok == 0) {
      add_error(wl, label, res.first_error.empty() ? "no request completed" : res.first_error);
      continue;
    }
    const double rate = static_cast<double>(res.ok) / res.seconds;
    auto& m = add(wl, label, rate, "actions/s");
    m.target = 40'000;
    m.target_op = ">";
    m.extra = {{"ok", res.ok},
               {"errors", res.errors},
               {"first_error", res.first_error},
               {"seconds", res.seconds},
               {"latency", res.lat.summary()},
               {"server_cpu_us_per_action", (cpu1 - cpu0) * 1e6 / static_cast<double>(res.ok)},
               {"loadgen_cpu_us_per_action", (self1 - self0) * 1e6 / static_cast<double>(res.ok)}};
    add(wl, label + " server CPU per action", (cpu1 - cpu0) * 1e6 / static_cast<double>(res.ok),
        "us");
  }
}

void Bench::wl_memory() {
  const std::string wl = "memory";
  const std::size_t n = opt_.mem_actors;
  if (pids_.empty()) {
    add_error(wl, "RSS", "no server pid (use --server, or --pid with --url)");
    return;
  }
  settle(opt_.smoke ? 0.2 : 1.0);
  const auto rss0 = rss_kib(pids_);
  const auto body = bare::http_action_request(bare::kNoArgs);
  const std::string body_s(body.begin(), body.end());
  auto res = run_http_pool(
      opt_.setup_conns,
      [&](std::uint64_t seq) -> std::optional<HttpJob> {
        if (seq >= n) return std::nullopt;
        return HttpJob{Method::Post, query_path("/action/getCount", key("mem", seq)), body_s,
                       &bare_headers()};
      },
      [](std::uint64_t, HttpResponse& r) { return check_action_ok(r); }, 900, false);
  auto& created = add(wl, "create+wake " + std::to_string(n) + " actors (HTTP getOrCreate, " +
                              std::to_string(opt_.setup_conns) + " conns)",
                      static_cast<double>(res.ok) / res.seconds, "actors/s");
  created.extra = {{"errors", res.errors}, {"first_error", res.first_error}, {"seconds", res.seconds}};
  if (res.ok == 0) {
    add_error(wl, "RSS per awake actor", res.first_error);
    return;
  }
  settle(opt_.smoke ? 0.3 : 1.0);
  const auto rss1 = rss_kib(pids_);
  const double per_awake = static_cast<double>(rss1 - rss0) * 1024.0 / static_cast<double>(res.ok);
  auto& awake = add(wl, "RSS per awake idle actor (" + std::to_string(res.ok) + " awake)",
                    per_awake, "B");
  awake.target = 1024;
  awake.target_op = "<";
  awake.extra = {{"rss_before_kib", rss0}, {"rss_awake_kib", rss1}, {"actors", res.ok}};
  // With few actors the process's own RSS swings (other threads, the allocator giving pages
  // back) are larger than the figure; a negative per-actor cost is that noise, not a result.
  if (rss1 < rss0) {
    awake.target.reset();
    awake.extra["note"] = "RSS fell while the actors woke: too few actors for this figure";
  }

  // Put them to sleep and watch the RSS.
  auto sleep_res = run_http_pool(
      opt_.setup_conns,
      [&](std::uint64_t seq) -> std::optional<HttpJob> {
        if (seq >= n) return std::nullopt;
        return HttpJob{Method::Post, query_path("/action/goToSleep", key("mem", seq)), body_s,
                       &bare_headers()};
      },
      [](std::uint64_t, HttpResponse& r) { return check_action_ok(r); }, 900, false);
  // Wait until the RSS stops moving (bounded).
  std::int64_t rss2 = rss_kib(pids_);
  const auto settle_until = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                               std::chrono::duration<double>(opt_.settle_seconds * 3));
  settle(opt_.settle_seconds);
  while (Clock::now() < settle_until) {
    const auto now_rss = rss_kib(pids_);
    const bool stable = std::llabs(now_rss - rss2) * 200 < std::max<std::int64_t>(rss2, 1);
    rss2 = now_rss;
    if (stable) break;
    settle(0.25);
  }
  rss2 = rss_kib(pids_);
  const double per_sleeping =
      static_cast<double>(rss2 - rss0) * 1024.0 / static_cast<double>(res.ok);
  auto& asleep = add(wl, "RSS per sleeping actor, same process (after goToSleep)", per_sleeping, "B");
  asleep.extra = {{"rss_after_sleep_kib", rss2},
                  {"sleep_errors", sleep_res.errors},
                  {"first_error", sleep_res.first_error},
                  {"note", "memory freed by sleeping actors that the allocator keeps is counted"}};
  if (!opt_.server_bin.empty()) {
    // Restart on the same data: every actor is stored and asleep; a fresh process shows what a
    // sleeping actor costs in memory (nothing but storage, ideally).
    stop_server();
    const auto disk = dir_bytes(opt_.data_dir);
    if (disk >= 0 && disk_fresh_ >= 0) {
      add(wl, "disk per stored actor (data dir after clean stop)",
          static_cast<double>(disk - disk_fresh_) / static_cast<double>(res.ok), "B")
          .extra = {{"data_dir_bytes", disk}};
    }
    if (!start_server("restart after memory workload")) {
      add_error(wl, "restart", "the server did not restart");
      return;
    }
    settle(opt_.smoke ? 0.2 : 1.0);
    const auto rss3 = rss_kib(pids_);
    auto& stored = add(wl, "RSS per stored sleeping actor (fresh process)",
                       static_cast<double>(rss3 - rss_fresh_kib_) * 1024.0 /
                           static_cast<double>(res.ok),
                       "B");
    stored.extra = {{"rss_fresh_empty_kib", rss_fresh_kib_}, {"rss_fresh_with_actors_kib", rss3}};
    if (rss3 >= rss_fresh_kib_) {
      stored.target = 64;
      stored.target_op = "<";
    } else {
      stored.extra["note"] = "RSS below the fresh empty server's: too few actors for this figure";
    }
  } else if (rss2 >= rss0) {
    asleep.target = 64;
    asleep.target_op = "<";
  } else {
    asleep.extra["note"] = "RSS fell below the empty server's: too few actors for this figure";
  }
}

void Bench::wl_wake() {
  const std::string wl = "wake";
  const std::size_t n = opt_.wake_actors;
  const auto ids = resolve_ids("wake", n);
  std::size_t bad = 0;
  for (const auto& id : ids) bad += id.empty() ? 1 : 0;
  if (bad > 0) {
    add_error(wl, "resolve actors", std::to_string(bad) + " PUT /actors failed");
    return;
  }
  auto call_all = [&](const std::string& action, const std::vector<std::uint8_t>& args,
                      std::size_t conns, bool latency) {
    const auto body = bare::http_action_request(args);
    const std::string body_s(body.begin(), body.end());
    return run_http_pool(
        conns,
        [&](std::uint64_t seq) -> std::optional<HttpJob> {
          if (seq >= ids.size()) return std::nullopt;
          return HttpJob{Method::Post, direct_path(ids[seq], action), body_s, &bare_headers()};
        },
        [](std::uint64_t, HttpResponse& r) { return check_action_ok(r); }, 600, latency);
  };
  auto setup = call_all("increment", bare::kOneArg, opt_.setup_conns, false);
  auto slept = call_all("goToSleep", bare::kNoArgs, opt_.setup_conns, false);
  if (setup.errors + slept.errors > 0) {
    add_error(wl, "setup", setup.first_error.empty() ? slept.first_error : setup.first_error);
    return;
  }
  settle(opt_.settle_seconds);
  auto woke = call_all("getCount", bare::kNoArgs, 1, true);
  auto warm = call_all("getCount", bare::kNoArgs, 1, true);
  if (woke.errors > 0) {
    add_error(wl, "first reply from a sleeping actor", woke.first_error);
    return;
  }
  auto summary = woke.lat.summary();
  auto& p50 = add(wl, "first reply from a sleeping actor p50 (HTTP, sequential)",
                  woke.lat.percentile_us(0.5), "us");
  p50.target = 300;
  p50.target_op = "<";
  p50.extra = summary;
  add(wl, "first reply from a sleeping actor p99", woke.lat.percentile_us(0.99), "us");
  add(wl, "same actors awake again p50 (reference)", warm.lat.percentile_us(0.5), "us").extra =
      warm.lat.summary();
}

void Bench::wl_create() {
  const std::string wl = "create";
  const std::size_t n = opt_.create_count;
  const auto body = bare::http_action_request(bare::kOneArg);
  const std::string body_s(body.begin(), body.end());
  auto res = run_http_pool(
      1,
      [&](std::uint64_t seq) -> std::optional<HttpJob> {
        if (seq >= n) return std::nullopt;
        return HttpJob{Method::Post, query_path("/action/increment", key("create", seq)), body_s,
                       &bare_headers()};
      },
      [](std::uint64_t, HttpResponse& r) { return check_action_ok(r); }, 300, true);
  if (res.errors > 0 || res.ok == 0) {
    add_error(wl, "create + first action", res.first_error);
    return;
  }
  auto& m = add(wl, "create + first action p50 (HTTP getOrCreate, sequential)",
                res.lat.percentile_us(0.5), "us");
  m.target = 1000;
  m.target_op = "<";
  m.extra = res.lat.summary();
  add(wl, "create + first action p99", res.lat.percentile_us(0.99), "us");
}

void Bench::wl_stored() {
  const std::string wl = "stored";
  const std::size_t n = opt_.stored_actors;
  if (n == 0) {
    return;
  }
  const auto body = bare::http_action_request(bare::kOneArg);
  const std::string body_s(body.begin(), body.end());
  const auto disk0 = dir_bytes(opt_.data_dir);
  auto res = run_http_pool(
      opt_.setup_conns,
      [&](std::uint64_t seq) -> std::optional<HttpJob> {
        if (seq >= n) return std::nullopt;
        return HttpJob{Method::Post, query_path("/action/increment", key("stored", seq)), body_s,
                       &bare_headers()};
      },
      [](std::uint64_t, HttpResponse& r) { return check_action_ok(r); },
      std::max(60.0, opt_.max_total_seconds - seconds_since(started_)), false);
  auto& m = add(wl, "actors created and stored", static_cast<double>(res.ok), "actors");
  m.extra = {{"errors", res.errors}, {"first_error", res.first_error}, {"seconds", res.seconds},
             {"timed_out", res.timed_out}};
  add(wl, "creation rate (getOrCreate + increment, " + std::to_string(opt_.setup_conns) + " conns)",
      static_cast<double>(res.ok) / res.seconds, "actors/s");
  if (!opt_.server_bin.empty() && res.ok > 0) {
    stop_server();
    const auto disk1 = dir_bytes(opt_.data_dir);
    if (disk0 >= 0 && disk1 >= 0) {
      add(wl, "disk per stored actor", static_cast<double>(disk1 - disk0) / static_cast<double>(res.ok),
          "B");
    }
    if (!start_server("restart after stored workload")) {
      add_error(wl, "restart", "the server did not restart");
      return;
    }
    settle(1.0);
    add(wl, "RSS of a fresh process holding them", static_cast<double>(rss_kib(pids_)) / 1024.0,
        "MiB");
  }
}

// -- driver -----------------------------------------------------------------------------------

bool Bench::run() {
  if (!opt_.server_bin.empty()) {
    if (opt_.data_dir.empty()) {
      char tmpl[] = "/tmp/rivet-bench-XXXXXX";
      if (::mkdtemp(tmpl) == nullptr) {
        std::cerr << "rivet-load: mkdtemp failed\n";
        return false;
      }
      opt_.data_dir = tmpl;
      owned_data_dir_ = tmpl;
      log_path_ = std::string(tmpl) + ".log";
    } else {
      log_path_ = opt_.data_dir + ".log";
    }
    if (!start_server("initial")) {
      return false;
    }
  } else {
    // http://HOST:PORT
    const auto rest = opt_.url.substr(opt_.url.find("://") + 3);
    const auto colon = rest.rfind(':');
    std::string host = rest.substr(0, colon);
    if (host == "localhost") host = "127.0.0.1";
    const auto port = static_cast<std::uint16_t>(std::stoi(rest.substr(colon + 1)));
    ep_ = tcp::endpoint(asio::ip::make_address(host), port);
    for (auto p : opt_.pids) pids_.push_back(static_cast<pid_t>(p));
  }
  settle(opt_.smoke ? 0.2 : 1.0);
  rss_fresh_kib_ = rss_kib(pids_);
  disk_fresh_ = dir_bytes(opt_.data_dir);
  load_at_start_ = load_average();
  if (!opt_.data_dir.empty()) {
    // The floor under every durable reply: one fdatasync on this disk.
    const auto [p50, p99] = fdatasync_probe_us(opt_.data_dir, opt_.smoke ? 20 : 200);
    if (p50 >= 0) {
      add("machine", "fdatasync of a 4 KiB append in the data dir p50", p50, "us").extra = {
          {"p99_us", p99}};
    }
  }

  for (const auto& w : opt_.workloads) {
    if (!time_left()) {
      notes_.push_back("workload " + w + " skipped: --max-seconds spent");
      continue;
    }
    const auto t = Clock::now();
    std::cerr << "rivet-load: " << w << " ..." << std::flush;
    if (w == "mem") wl_memory();
    else if (w == "rt") wl_round_trip();
    else if (w == "ws") wl_ws_throughput();
    else if (w == "http") wl_http_throughput();
    else if (w == "wake") wl_wake();
    else if (w == "create") wl_create();
    else if (w == "stored") wl_stored();
    else if (w == "scale-actors") wl_scale_actors();
    else if (w == "scale-state") wl_scale_state();
    else if (w == "scale-queue") wl_scale_queue();
    else {
      std::cerr << " unknown workload\n";
      failed_ = true;
      continue;
    }
    std::cerr << " " << std::fixed << std::setprecision(1) << seconds_since(t) << " s\n";
  }
  stop_server();
  return !failed_;
}

Json Bench::to_json() const {
  Json results = Json::array();
  for (const auto& m : metrics_) {
    Json j{{"workload", m.workload}, {"name", m.name}, {"value", m.value}, {"unit", m.unit}};
    if (m.target) {
      j["target"] = *m.target;
      j["target_op"] = m.target_op;
    }
    if (auto met = m.met()) j["met"] = *met;
    if (!m.error.empty()) j["error"] = m.error;
    if (!m.extra.empty()) j["extra"] = m.extra;
    results.push_back(std::move(j));
  }
  return Json{
      {"label", opt_.label},
      {"started_utc", started_utc_},
      {"duration_s", seconds_since(started_)},
      {"command", opt_.command_line},
      {"machine",
       {{"nproc", std::thread::hardware_concurrency()},
        {"cpu_model", cpu_model()},
        {"kernel", kernel_release()},
        {"mem_total_kib", mem_total_kib()},
        {"loadavg_at_start", load_at_start_},
        {"loadavg_at_end", load_average()}}},
      {"build_type", opt_.build_type},
      {"server",
       {{"binary", opt_.server_bin},
        {"args", opt_.server_args},
        {"url", opt_.url.empty() ? "http://" + ep_.address().to_string() + ":" +
                                       std::to_string(ep_.port())
                                 : opt_.url},
        {"durability", opt_.durability_note}}},
      {"smoke", opt_.smoke},
      {"notes", notes_},
      {"results", results}};
}

void Bench::print_table() const {
  std::printf("\n%s — %u cores (%s), build %s\n", opt_.label.c_str(),
              std::thread::hardware_concurrency(), cpu_model().c_str(), opt_.build_type.c_str());
  std::printf("durability: %s\n", opt_.durability_note.c_str());
  std::printf("load average at start: %s, now: %s\n", load_at_start_.c_str(),
              load_average().c_str());
  std::printf("%-8s %-72s %14s %-10s %-12s %s\n", "workload", "figure", "value", "unit", "target",
              "status");
  for (const auto& m : metrics_) {
    std::string target;
    if (m.target) {
      std::ostringstream t;
      t << m.target_op << " " << *m.target;
      target = t.str();
    }
    std::string status;
    if (!m.error.empty()) {
      status = "ERROR: " + m.error.substr(0, 200);
    } else if (auto met = m.met()) {
      status = *met ? "met" : "MISSED";
    }
    if (m.extra.contains("errors") && m.extra["errors"].is_number() &&
        m.extra["errors"].get<std::uint64_t>() > 0) {
      status += " (" + m.extra["errors"].dump() + " errors: " +
                m.extra.value("first_error", std::string()).substr(0, 160) + ")";
    }
    if (m.error.empty()) {
      std::printf("%-8s %-72s %14.1f %-10s %-12s %s\n", m.workload.c_str(), m.name.c_str(),
                  m.value, m.unit.c_str(), target.c_str(), status.c_str());
    } else {
      std::printf("%-8s %-72s %14s %-10s %-12s %s\n", m.workload.c_str(), m.name.c_str(), "-",
                  m.unit.c_str(), target.c_str(), status.c_str());
    }
  }
  for (const auto& n : notes_) {
    std::printf("note: %s\n", n.c_str());
  }
  print_scale_tables();
  (void)json_string;
}

}  // namespace rivet::load
