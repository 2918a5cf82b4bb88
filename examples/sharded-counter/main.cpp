// Serves the sharded counter: hits["/home"].hit(1) and hits["/home"].total() from any client.
#include "sharded_counter.hpp"

int main(int argc, char** argv) {
  static const auto registry = sharded_counter::make_registry();
  return rivet::serve(registry, argc, argv);
}
