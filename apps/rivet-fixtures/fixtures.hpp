#pragma once
// The conformance fixture registry (shared/spec/conformance-fixtures.md), one function per group.

#include <rivet/core/registry.hpp>

namespace rivet::fixtures {

void add_core_fixtures(Registry& registry);       // counter, withInput, errors, payloads
void add_lifecycle_fixtures(Registry& registry);  // withVars ... caller, kvStore
void add_durable_fixtures(Registry& registry);    // worker, mailbox, sqlNotes, workflowRunner
void add_workflow_lab(Registry& registry);        // workflowLab (beyond the spec)
void add_realtime_fixtures(Registry& registry);   // chatRoom, rawHttp, rawSocket
void add_soak_fixtures(Registry& registry);       // soak, soakFlow (tests/soak)

}  // namespace rivet::fixtures
