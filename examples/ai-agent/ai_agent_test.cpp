// The agent under the test harness: tokens reach a connected client while the answer is still
// being produced, and the conversation is durable.
#include "ai_agent.hpp"

#include <rivet/harness/test_runtime.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <future>

namespace {

using namespace std::chrono_literals;

TEST(AiAgentExample, StreamsTokensBeforeTheAnswerEndsAndKeepsTheConversation) {
  const auto registry = ai_agent::make_registry(1s);
  rivet::testing::TestRuntime t(registry);
  auto id = t.create("agent", {"chat-1"});
  auto listener = t.connect(id);
  listener->subscribe("token");
  listener->subscribe("done");

  // Ask from another thread: the call lasts as long as the (manual) clock says.
  auto answer = std::async(std::launch::async, [&] { return t.call<std::string>(id, "ask", "hello there"); });
  for (int i = 0; i < 1000 && listener->events().empty(); ++i) {
    t.settle();  // the first token comes at once
  }
  t.advance(1s);  // and the second a second later
  const auto streamed = listener->events();
  ASSERT_GE(streamed.size(), 2U);
  EXPECT_EQ(streamed[0].name, "token");
  EXPECT_EQ(streamed[0].args, rivet::Value::array({"You"}));
  EXPECT_NE(answer.wait_for(0s), std::future_status::ready) << "tokens arrive before the answer";

  t.advance(5s);
  EXPECT_EQ(answer.get(), "You said: hello there");
  EXPECT_EQ(listener->events().back().name, "done");

  t.restart();
  auto history = t.call<std::vector<ai_agent::Message>>(id, "history");
  ASSERT_EQ(history.size(), 2U);
  EXPECT_EQ(history[1].text, "You said: hello there");
}

}  // namespace
