// Reminders: one-shot reminders with c.schedule().after(), and a recurring digest with
// c.cron().every(). Both are stored with the action that set them, fire even if the actor slept
// or the server restarted in between, and run at least once.
#pragma once

#include <rivet/rivet.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace reminders {

struct Board {
  std::vector<std::string> due;     // reminders that fired, oldest first
  std::int64_t digests = 0;         // times the digest ran
  std::int64_t pending_at_digest = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Board, due, digests, pending_at_digest)

inline rivet::Registry make_registry() {
  auto board =
      rivet::actor<Board>("reminders")
          .action("remindIn",
                  [](auto& c, std::string text, std::int64_t seconds) {
                    return c.schedule().after(std::chrono::seconds(seconds), "fire", text);
                  })
          .action("fire",
                  [](auto& c, std::string text) {
                    c.state().due.push_back(text);
                    c.broadcast("reminder", text);
                  })
          .action("startDigest",
                  [](auto& c, std::int64_t minutes) {
                    rivet::EverySpec spec;
                    spec.name = "digest";
                    spec.interval = std::chrono::minutes(minutes);
                    spec.action = "digest";
                    c.cron().every(spec);
                  })
          .action("digest",
                  [](auto& c) {
                    c.state().digests += 1;
                    c.state().pending_at_digest = static_cast<std::int64_t>(c.state().due.size());
                  })
          .action("board", [](auto& c) { return c.state(); });
  rivet::Registry registry;
  registry.use(board);
  return registry;
}

}  // namespace reminders
