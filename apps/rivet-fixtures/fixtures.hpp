#pragma once
// The conformance fixture registry (shared/spec/conformance-fixtures.md), one function per group.

#include <rivet/core/registry.hpp>

namespace rivet::fixtures {

void add_core_fixtures(Registry& registry);       // counter, withInput, errors, payloads
void add_lifecycle_fixtures(Registry& registry);  // withVars ... caller, kvStore

}  // namespace rivet::fixtures
