// rivet-bench-server: the server the benchmarks drive. The counter of apps/rivet-demo, unchanged,
// plus `goToSleep` so the memory and wake workloads can put actors to sleep on demand (the
// upstream counter in bench/compare/upstream/counter.ts has the same three actions), and `blob`,
// an actor whose state is a payload of a chosen size (the large-state figures of
// docs/benchmarks.md).
#include <rivet/rivet.hpp>

#include <random>

struct CounterState {
  std::int64_t count = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(CounterState, count)

struct BlobState {
  std::string data;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(BlobState, data)

namespace {

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
                                static_cast<std::size_t>(std::max<std::int64_t>(n, 0));
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
                          [](auto& c) { return static_cast<std::int64_t>(c.state().data.size()); });
  rivet::Registry registry;
  registry.use(counter);
  registry.use(blob);
  return rivet::serve(registry, argc, argv);
}
