// The smallest useful actor: a durable counter with a broadcast event.
// --(doc-counter-begin)--
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
                     .action("getCount", [](auto& c) { return c.state().count; });
  rivet::Registry registry;
  registry.use(counter);
  return rivet::serve(registry, argc, argv);
}
// --(doc-counter-end)--
