#pragma once
// The conformance fixtures' actions (../shared/spec/conformance-fixtures.md) as typed
// declarations, for the C++ client's conformance test. A server in C++ would include the same
// header to register them.

#include <rivet/common/action.hpp>
#include <rivet/common/value.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace fixtures {

namespace counter {
inline constexpr rivet::Action<std::int64_t(std::int64_t)> increment{"increment"};
inline constexpr rivet::Action<std::int64_t(std::int64_t)> set_count{"setCount"};
inline constexpr rivet::Action<std::int64_t()> get_count{"getCount"};
inline constexpr rivet::Action<std::vector<std::string>()> get_key{"getKey"};
struct Identity {
  std::string name;
  std::vector<std::string> key;
  std::string actorId;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Identity, name, key, actorId)
inline constexpr rivet::Action<Identity()> get_identity{"getIdentity"};
}  // namespace counter

namespace with_input {
struct State {
  rivet::Value input;
  std::string label;
  std::int64_t count = 0;
  rivet::Value onCreateInput;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(State, input, label, count, onCreateInput)
inline constexpr rivet::Action<State()> get_state{"getState"};
inline constexpr rivet::Action<std::int64_t(std::int64_t)> increment{"increment"};
}  // namespace with_input

namespace chat_room {
struct Me {
  std::string name;
  std::string role;
  std::int64_t counter = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Me, name, role, counter)
inline constexpr rivet::Action<Me()> who_am_i{"whoAmI"};
inline constexpr rivet::Action<std::int64_t()> bump{"bump"};
inline constexpr rivet::Action<std::vector<std::string>()> list_names{"listNames"};
inline constexpr rivet::Action<bool(std::string)> say{"say"};
inline constexpr rivet::Action<bool(rivet::Value, rivet::Value)> announce{"announce"};
inline constexpr rivet::Action<std::vector<std::string>()> get_log{"getLog"};
}  // namespace chat_room

namespace errors {
inline constexpr rivet::Action<void()> throw_simple{"throwSimple"};
inline constexpr rivet::Action<void()> throw_detailed{"throwDetailed"};
inline constexpr rivet::Action<void()> throw_internal{"throwInternal"};
inline constexpr rivet::Action<std::string()> ok{"ok"};
}  // namespace errors

namespace payloads {
inline constexpr rivet::Action<rivet::Value(rivet::Value)> echo{"echo"};
inline constexpr rivet::Action<std::int64_t(std::string)> size{"size"};
inline constexpr rivet::Action<std::string(std::int64_t)> make{"make"};
inline constexpr rivet::Action<rivet::Value()> nothing{"nothing"};
}  // namespace payloads

namespace worker {
inline constexpr rivet::Action<std::vector<std::int64_t>()> get_processed{"getProcessed"};
inline constexpr rivet::Action<std::vector<std::string>()> get_notes{"getNotes"};
}  // namespace worker

namespace raw {
struct Stats {
  std::int64_t opened = 0;
  std::int64_t closed = 0;
  std::int64_t messages = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Stats, opened, closed, messages)
inline constexpr rivet::Action<std::int64_t()> get_request_count{"getRequestCount"};
inline constexpr rivet::Action<Stats()> get_stats{"getStats"};
}  // namespace raw

}  // namespace fixtures
