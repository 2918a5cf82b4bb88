// rivet-bench-server: the server the benchmarks drive. The counter of apps/rivet-demo, unchanged,
// plus `goToSleep` so the memory and wake workloads can put actors to sleep on demand (the
// upstream counter in bench/compare/upstream/counter.ts has the same three actions). `blob` and
// `jobs` serve the state-size and queue axes of the scale workload (docs/benchmarks.md, "Cost as
// the work grows").
#include <rivet/rivet.hpp>

#include <algorithm>
#include <chrono>
#include <random>

struct CounterState {
  std::int64_t count = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(CounterState, count)

// A state of a chosen size: what one durable change costs as the state grows.
struct BlobState {
  std::string payload;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(BlobState, payload)

// A run loop over a queue that a new actor keeps closed (`hold`) until release(), so a client can
// fill it to a chosen depth first. The times are the steady clock of this process, in µs.
struct JobsState {
  bool hold = true;
  std::int64_t processed = 0;
  std::int64_t firstTakenUs = 0;
  std::int64_t drainedUs = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(JobsState, hold, processed, firstTakenUs, drainedUs)

namespace {

std::int64_t steady_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Larger states than this are not a benchmark case; the bound keeps a typo from eating the disk.
constexpr std::int64_t kMaxBlob = 64 << 20;

}  // namespace

int main(int argc, char** argv) {
  auto counter = rivet::actor<CounterState>("counter")
                     .action("increment",
                             [](auto& c, std::int64_t amount) {
                               c.state().count += amount;
                               c.broadcast("newCount", c.state().count);
                               return c.state().count;
                             })
                     .action("getCount", [](auto& c) { return c.state().count; })
                     .action("goToSleep", [](auto& c) {
                       c.sleep();
                       return nullptr;
                     });

  auto blob = rivet::actor<BlobState>("blob")
                  .action("setSize",
                          [](auto& c, std::int64_t n) {
                            const auto size = static_cast<std::size_t>(std::clamp<std::int64_t>(n, 0, kMaxBlob));
                            // Not one repeated byte, so a compressing store would not flatter it.
                            auto& p = c.state().payload;
                            p.resize(size);
                            for (std::size_t i = 0; i < size; ++i) {
                              p[i] = static_cast<char>('a' + (i * 7 + i / 26) % 26);
                            }
                            return static_cast<std::int64_t>(p.size());
                          })
                  .action("touch",
                          [](auto& c) {
                            // ~16 bytes at a random offset: a small change to a large state.
                            thread_local std::minstd_rand rng(std::random_device{}());
                            auto& p = c.state().payload;
                            const std::size_t n = std::min<std::size_t>(16, p.size());
                            if (n > 0) {
                              const std::size_t at = rng() % (p.size() - n + 1);
                              for (std::size_t i = 0; i < n; ++i) {
                                p[at + i] = static_cast<char>('a' + rng() % 26);
                              }
                            }
                            return static_cast<std::int64_t>(p.size());
                          })
                  .action("getSize",
                          [](auto& c) { return static_cast<std::int64_t>(c.state().payload.size()); })
                  .action("goToSleep", [](auto& c) {
                    c.sleep();
                    return nullptr;
                  });

  auto jobs =
      rivet::actor<JobsState>("jobs")
          .queues({"jobs"})
          .run([](auto& c) -> rivet::Task<void> {
            // Named, not temporaries inside co_await (GCC 12 mishandles those).
            rivet::QueueReceive poll;  // while held: wait without taking, so the actor may sleep
            poll.names = {"-"};
            poll.timeout = std::chrono::milliseconds(10);
            rivet::QueueReceive take;
            take.names = {"jobs"};
            for (;;) {
              if (c.state().hold) {
                co_await c.queue().next(poll);
                continue;
              }
              auto job = co_await c.queue().next(take);
              if (!job) {
                continue;
              }
              auto& s = c.state();
              if (s.firstTakenUs == 0) {
                s.firstTakenUs = steady_us();
              }
              s.processed += 1;
              if (c.queue().size() == 1) {  // this one, still stored until complete()
                s.drainedUs = steady_us();
              }
              co_await job->complete();
            }
          })
          .action("release",
                  [](auto& c) {
                    c.state().hold = false;
                    return static_cast<std::int64_t>(c.queue().size());
                  })
          .action("stats",
                  [](auto& c) {
                    const auto& s = c.state();
                    rivet::Value out = rivet::Value::object();
                    out["processed"] = s.processed;
                    out["waiting"] = static_cast<std::int64_t>(c.queue().size());
                    out["drainUs"] = s.drainedUs > s.firstTakenUs ? s.drainedUs - s.firstTakenUs : 0;
                    return out;
                  })
          .action("goToSleep", [](auto& c) {
            c.sleep();
            return nullptr;
          });

  rivet::Registry registry;
  registry.use(counter);
  registry.use(blob);
  registry.use(jobs);
  return rivet::serve(registry, argc, argv);
}
