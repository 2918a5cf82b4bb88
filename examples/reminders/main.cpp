// Serves the reminders actor: reminders["team"].remindIn("stand-up", 60) from any client.
#include "reminders.hpp"

int main(int argc, char** argv) {
  static const auto registry = reminders::make_registry();
  return rivet::serve(registry, argc, argv);
}
