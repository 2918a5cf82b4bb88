// rivet-bench-server: the server the benchmarks drive. The counter of apps/rivet-demo, unchanged,
// plus `goToSleep` so the memory and wake workloads can put actors to sleep on demand (the
// upstream counter in bench/compare/upstream/counter.ts has the same three actions), `blob`, an
// actor whose state is a payload of a chosen size (the large-state figures and the state-size axis
// of the scale workload, docs/benchmarks.md), and `jobs`, the queue axis of the scale workload.
#include <rivet/rivet.hpp>

#include <algorithm>
#include <chrono>

#include <random>

struct CounterState {
  std::int64_t count = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(CounterState, count)

struct BlobState {
  std::string data;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(BlobState, data)

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

// Random letters, not one repeated byte: a state's bytes look like data, and the chunker of a
// large state (docs/storage-format.md) finds its cuts in them.
std::string letters(std::size_t n, std::mt19937_64& gen) {
  std::string out(n, ' ');
  for (auto& ch : out) {
    ch = static_cast<char>('a' + gen() % 26);
  }
  return out;
}

std::mt19937_64& rng() {
  thread_local std::mt19937_64 gen(std::random_device{}());
  return gen;
}

constexpr std::size_t kEdit = 16;

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
                            const auto size =
                                static_cast<std::size_t>(std::clamp<std::int64_t>(n, 0, kMaxBlob));
                            c.state().data = letters(size, rng());
                            return static_cast<std::int64_t>(c.state().data.size());
                          })
                  // ~16 bytes at a random offset change; the length does not.
                  .action("touch",
                          [](auto& c) {
                            auto& d = c.state().data;
                            if (d.size() >= kEdit) {
                              const auto at = rng()() % (d.size() - kEdit + 1);
                              d.replace(at, kEdit, letters(kEdit, rng()));
                            }
                            return static_cast<std::int64_t>(d.size());
                          })
                  // 16 bytes inserted at a random offset: an edit that changes the length.
                  .action("insert",
                          [](auto& c) {
                            auto& d = c.state().data;
                            d.insert(rng()() % (d.size() + 1), letters(kEdit, rng()));
                            return static_cast<std::int64_t>(d.size());
                          })
                  .action("getSize",
                          [](auto& c) { return static_cast<std::int64_t>(c.state().data.size()); })
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
