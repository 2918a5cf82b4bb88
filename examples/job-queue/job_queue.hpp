// A run loop over a durable queue: clients (or other actors) send `resize` jobs; the actor's run
// handler takes them one at a time, does the work, records the result in its state and completes
// the message, which answers a sender that waits. A job taken but not completed (the handler
// failed, or the server crashed) is delivered again: at least once.
#pragma once

#include <rivet/rivet.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace job_queue {

struct Done {
  std::string image;
  std::int64_t width = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Done, image, width)

struct Worker {
  std::vector<Done> done;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Worker, done)

inline rivet::Registry make_registry() {
  auto worker =
      rivet::actor<Worker>("imageWorker")
          .queues({"resize"})
          .run([](auto& c) -> rivet::Task<void> {
            // Named, not a temporary inside co_await (GCC 12 mishandles those).
            rivet::QueueReceive resize_jobs;
            resize_jobs.names = {"resize"};
            for (;;) {
              auto job = co_await c.queue().next(resize_jobs);
              if (!job) {
                continue;
              }
              Done d{job->body().value("image", std::string()),
                     job->body().value("width", std::int64_t{0})};
              // The work itself would go here (it may co_await other services).
              c.state().done.push_back(d);
              rivet::Value response = rivet::to_value(d);
              co_await job->complete(std::move(response));
            }
          })
          .action("done", [](auto& c) { return c.state().done; })
          .action("waiting", [](auto& c) { return c.queue().size(); });
  rivet::Registry registry;
  registry.use(worker);
  return registry;
}

}  // namespace job_queue
