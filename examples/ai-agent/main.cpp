// Serves the agent: connect to agent["chat-1"], listen to `token` and `done`, call ask("...").
#include "ai_agent.hpp"

int main(int argc, char** argv) {
  static const auto registry = ai_agent::make_registry(std::chrono::milliseconds(50));
  return rivet::serve(registry, argc, argv);
}
