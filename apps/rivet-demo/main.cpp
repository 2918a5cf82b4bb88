// rivet-demo: what `make run` starts (docs/demo.md): a counter, and a chat room with presence and
// live cursors whose page (apps/demo-ui, built into <build dir>/demo-ui) is served at `/`.
// http://127.0.0.1:6420 by default, data in ./.rivet.
#include "chat_room.hpp"

#include <rivet/rivet.hpp>

#ifndef RIVET_DEMO_SITE_DIR
#define RIVET_DEMO_SITE_DIR "demo-ui"
#endif

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
  registry.use(rivet_demo::chat_room());

  // The chat page this build wrote; --site-dir or RIVET_SITE_DIR point elsewhere.
  rivet::ServerOptions defaults;
  defaults.site_dir = RIVET_DEMO_SITE_DIR;
  defaults.site_name = "demo";
  return rivet::serve(registry, argc, argv, std::move(defaults));
}
// --(doc-counter-end)--
