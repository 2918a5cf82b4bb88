#include <rivet/common/error.hpp>

#include <array>

namespace rivet {

void throw_exception_from_error(const Error& e, const boost::source_location& /*loc*/) {
  throw ErrorException(e);
}

Error make_error(std::string group, std::string code, std::string message, Value metadata) {
  return Error{std::move(group), std::move(code), std::move(message), std::move(metadata)};
}

namespace errors {

Error internal() { return make_error("core", "internal_error", "An internal error occurred"); }

Error actor_not_found() {
  return make_error("actor", "not_found", "The actor does not exist or was destroyed.");
}

Error action_not_found(std::string_view action) {
  std::string message = "Action `";
  message.append(action);
  message += "` was not found.";
  return make_error("actor", "action_not_found", std::move(message));
}

Error action_timed_out() { return make_error("actor", "action_timed_out", "Action timed out"); }

Error invalid_request(std::string message) {
  return make_error("actor", "invalid_request", std::move(message));
}

Error duplicate_key(std::string_view key, std::string_view existing_id) {
  std::string message = "Actor key '";
  message.append(key);
  message += "' already in use for actor '";
  message.append(existing_id);
  message += "'";
  Value metadata = {{"key", std::string(key)}, {"existing_actor_id", std::string(existing_id)}};
  return make_error("actor", "duplicate_key", std::move(message), std::move(metadata));
}

Error incoming_too_long() {
  return make_error("message", "incoming_too_long", "Incoming message too long");
}

Error outgoing_too_long() {
  return make_error("message", "outgoing_too_long", "Outgoing message too long");
}

Error invalid_input(std::string message) {
  return make_error("validation", "invalid_input", std::move(message));
}

Error storage(std::string message) { return make_error("storage", "failure", std::move(message)); }

}  // namespace errors

namespace {

// Groups whose every code is public. `validation` and `guard` are produced by our own request
// validation and gateway; their messages never carry internals.
constexpr std::array<std::string_view, 5> kPublicGroups = {"user", "schedule", "kv", "validation",
                                                           "guard"};

struct GroupCode {
  std::string_view group;
  std::string_view code;
};

// Single public codes inside otherwise private groups (spec §8.1 plus our own actor.* codes).
constexpr GroupCode kPublicCodes[] = {
    {"auth", "forbidden"},
    {"actor", "not_found"},
    {"actor", "action_not_found"},
    {"actor", "method_not_allowed"},
    {"actor", "action_timed_out"},
    {"actor", "aborted"},
    {"actor", "invalid_argument"},
    {"actor", "invalid_request"},
    {"actor", "duplicate_key"},
    {"message", "incoming_too_long"},
    {"message", "outgoing_too_long"},
    {"queue", "full"},
    {"queue", "message_too_large"},
    {"queue", "message_invalid"},
    {"queue", "invalid_payload"},
    {"queue", "invalid_completion_payload"},
    {"queue", "already_completed"},
    {"queue", "previous_message_not_completed"},
    {"queue", "complete_not_configured"},
    {"queue", "timed_out"},
    {"actor_runtime_socket", "unsupported"},
    {"actor_runtime_socket", "not_enabled"},
    {"actor_runtime_socket", "closed"},
    {"actor_runtime_socket", "database_unavailable"},
};

}  // namespace

bool is_public_error(const Error& e) noexcept {
  for (auto g : kPublicGroups) {
    if (e.group == g) {
      return true;
    }
  }
  for (const auto& entry : kPublicCodes) {
    if (e.group == entry.group && e.code == entry.code) {
      return true;
    }
  }
  return false;
}

Error mask_for_client(Error e) {
  if (is_public_error(e)) {
    return e;
  }
  e.message = "An internal error occurred";
  e.metadata = nullptr;
  return e;
}

}  // namespace rivet
