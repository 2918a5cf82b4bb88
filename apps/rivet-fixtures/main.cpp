// rivet-fixtures: serves the conformance fixture registry.
//   rivet-fixtures --port 0 --data-dir /tmp/x   (prints the endpoint URL once ready)

#include <rivet/rivet.hpp>

#include "fixtures.hpp"

int main(int argc, char** argv) {
  rivet::Registry registry;
  rivet::fixtures::add_core_fixtures(registry);
  rivet::fixtures::add_lifecycle_fixtures(registry);
  rivet::fixtures::add_durable_fixtures(registry);
  rivet::fixtures::add_realtime_fixtures(registry);
  rivet::fixtures::add_soak_fixtures(registry);
  return rivet::serve(registry, argc, argv);
}
