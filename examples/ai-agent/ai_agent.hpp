// An AI-agent style actor: it keeps a conversation in its state and streams the model's answer
// to every connected client as `token` events while it is being produced, then records the whole
// answer. The model here is a stand-in that answers by echoing, word by word, with a delay per
// token; a real one would be an HTTP call from the action (or its run loop).
#pragma once

#include <rivet/rivet.hpp>

#include <chrono>
#include <sstream>
#include <string>
#include <vector>

namespace ai_agent {

struct Message {
  std::string role;  // "user" or "assistant"
  std::string text;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Message, role, text)

struct Conversation {
  std::vector<Message> messages;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Conversation, messages)

/// The stand-in model: the tokens of its answer to `prompt`.
inline std::vector<std::string> fake_model(const std::string& prompt) {
  std::vector<std::string> tokens{"You", " said:"};
  std::istringstream words(prompt);
  for (std::string w; words >> w;) {
    tokens.push_back(" " + w);
  }
  return tokens;
}

inline rivet::Registry make_registry(std::chrono::milliseconds per_token) {
  auto agent =
      rivet::actor<Conversation>("agent")
          .action("ask",
                  [per_token](auto& c, std::string prompt) -> rivet::Task<std::string> {
                    c.state().messages.push_back({"user", prompt});
                    std::string answer;
                    for (const auto& token : fake_model(prompt)) {
                      answer += token;
                      c.broadcast("token", token);
                      co_await c.save();  // release the token to clients now, not at the end
                      co_await c.delay(per_token);  // the model thinking about the next one
                    }
                    c.state().messages.push_back({"assistant", answer});
                    c.broadcast("done", answer);
                    co_return answer;
                  })
          .action("history", [](auto& c) { return c.state().messages; });
  rivet::Registry registry;
  registry.use(agent);
  return registry;
}

}  // namespace ai_agent
