#include <rivet/common/error.hpp>

namespace rivet {

void throw_exception_from_error(const Error& e, const boost::source_location& /*loc*/) {
  throw ErrorException(e);
}

Error make_error(const codes::Code& code, std::string message, Value metadata) {
  return Error{std::string(code.group), std::string(code.code), std::move(message),
               std::move(metadata)};
}

Error make_error(std::string group, std::string code, std::string message, Value metadata) {
  return Error{std::move(group), std::move(code), std::move(message), std::move(metadata)};
}

namespace errors {

Error internal() {
  return make_error(codes::kCoreInternalError, "An internal error occurred");
}

Error actor_not_found() {
  return make_error(codes::kActorNotFound, "The actor does not exist or was destroyed.");
}

Error action_not_found(std::string_view action) {
  std::string message = "Action `";
  message.append(action);
  message += "` was not found.";
  return make_error(codes::kActorActionNotFound, std::move(message));
}

Error action_timed_out() {
  return make_error(codes::kActorActionTimedOut, "Action timed out");
}

Error invalid_request(std::string message) {
  return make_error(codes::kActorInvalidRequest, std::move(message));
}

Error duplicate_key(std::string_view key, std::string_view existing_id) {
  std::string message = "Actor key '";
  message.append(key);
  message += "' already in use for actor '";
  message.append(existing_id);
  message += "'";
  Value metadata = {{"key", std::string(key)}, {"existing_actor_id", std::string(existing_id)}};
  return make_error(codes::kActorDuplicateKey, std::move(message), std::move(metadata));
}

Error incoming_too_long() {
  return make_error(codes::kMessageIncomingTooLong, "Incoming message too long");
}

Error outgoing_too_long() {
  return make_error(codes::kMessageOutgoingTooLong, "Outgoing message too long");
}

Error invalid_input(std::string message) {
  return make_error(codes::kValidationInvalidInput, std::move(message));
}

Error storage(std::string message) {
  return make_error(codes::kStorageFailure, std::move(message));
}

Error disk_full(std::string message) {
  return make_error(codes::kStorageDiskFull, std::move(message));
}

}  // namespace errors

// Public groups first: they also cover codes outside the catalogue (user-defined ones).
bool is_public_error(const Error& e) noexcept {
  if (codes::is_public_group(e.group)) {
    return true;
  }
  const codes::Code* entry = codes::find(e.group, e.code);
  return entry != nullptr && entry->is_public;
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
