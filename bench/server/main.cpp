// rivet-bench-server: the server the benchmarks drive. The counter of apps/rivet-demo, unchanged,
// plus `goToSleep` so the memory and wake workloads can put actors to sleep on demand (the
// upstream counter in bench/compare/upstream/counter.ts has the same three actions).
#include <rivet/rivet.hpp>

struct CounterState {
  std::int64_t count = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(CounterState, count)

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
  rivet::Registry registry;
  registry.use(counter);
  return rivet::serve(registry, argc, argv);
}
