// Actor-to-actor queue sends (ActorRef::send): durable like a client's send, bounded by the
// target's queue size, and waiting for completion when asked.
#include <rivet/core/actor.hpp>

#include "core/test_runtime_fixture.hpp"

#include <chrono>

namespace {

using namespace std::chrono_literals;
using rivet::Value;

struct Empty {
  std::int64_t unused = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Empty, unused)

rivet::Registry send_registry() {
  rivet::Registry r;
  rivet::ActorOptions small;
  small.max_queue_size = 2;
  r.use(rivet::actor<Empty>("box").options(small).queues({"inbox"}).action(
      "take", [](auto& c) -> Value {
        auto got = c.queue().try_next({"inbox"});
        return got ? got->body() : Value();
      }));
  r.use(rivet::actor<Empty>("sender").action(
      "post", [](auto& c, Value body) -> rivet::Task<std::string> {
        auto box = c.client().get_or_create("box", {"b"});
        auto sent = co_await box.send("inbox", body);
        co_return sent.status;
      }));
  return r;
}

class ActorRefSendTest : public rivet::testing::RuntimeFixture {
 protected:
  rivet::Registry make_registry() override { return send_registry(); }
};

TEST_F(ActorRefSendTest, SendsAreDurableAndBoundedByTheTargetsQueue) {
  auto sender = create("sender", {"s"});
  EXPECT_EQ(call(sender, "post", Value::array({"one"})), "completed");
  EXPECT_EQ(call(sender, "post", Value::array({"two"})), "completed");
  auto full = run(runtime_->call_action(sender, nullptr, "post", Value::array({"three"})));
  ASSERT_FALSE(full);
  EXPECT_TRUE(full.error().is(rivet::codes::kQueueFull)) << full.error().qualified();

  // The accepted messages survive a restart, in order; the refused one was never stored.
  close();
  open();
  auto box = create("box", {"b"});
  EXPECT_EQ(call(box, "take"), "one");
  EXPECT_EQ(call(box, "take"), "two");
  EXPECT_EQ(call(box, "take"), Value());
}

}  // namespace
