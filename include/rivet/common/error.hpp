#pragma once
/// Structured errors and the Result<T> alias used across the library.
///
/// An Error is a value: group + code identify it on the wire (`actor.not_found`), the message is
/// human text, metadata is an optional compat value. Errors never carry C++ exception objects.

#include <rivet/common/error_codes.hpp>
#include <rivet/common/value.hpp>

#include <boost/system/result.hpp>

#include <string>
#include <string_view>
#include <utility>

namespace rivet {

struct Error {
  std::string group;
  std::string code;
  std::string message;
  /// Compat value (see value.hpp); null means "no metadata".
  Value metadata;

  [[nodiscard]] bool is(std::string_view g, std::string_view c) const noexcept {
    return group == g && code == c;
  }
  /// True when this error carries the catalogue code `c` (the usual way to test for a code).
  [[nodiscard]] bool is(const codes::Code& c) const noexcept { return is(c.group, c.code); }
  /// "group.code", as used in WebSocket close reasons.
  [[nodiscard]] std::string qualified() const { return group + "." + code; }
};

/// Thrown only at the user boundary (an action may throw it; the runtime converts it back).
class ErrorException : public std::exception {
 public:
  explicit ErrorException(Error e) : error_(std::move(e)) {}
  [[nodiscard]] const Error& error() const noexcept { return error_; }
  [[nodiscard]] const char* what() const noexcept override { return error_.message.c_str(); }

 private:
  Error error_;
};

/// Lets boost::system::result<T, Error>::value() throw our exception type.
[[noreturn]] void throw_exception_from_error(const Error& e, const boost::source_location& loc);

template <class T>
using Result = boost::system::result<T, Error>;

/// Builds an Error with a catalogue code (include/rivet/common/error_codes.hpp): the way the
/// runtime, the server and the client create their own errors.
[[nodiscard]] Error make_error(const codes::Code& code, std::string message,
                               Value metadata = nullptr);

/// Builds an Error with a dynamic group/code: errors decoded from the wire or thrown by actor code
/// (user-defined codes). Our own codes use the overload above.
[[nodiscard]] Error make_error(std::string group, std::string code, std::string message,
                               Value metadata = nullptr);

/// Constructors for the errors the runtime itself produces, grouped by wire group.
/// Retry meaning for clients is documented in docs/errors.md.
namespace errors {
[[nodiscard]] Error internal();                                    // core.internal_error
[[nodiscard]] Error actor_not_found();                             // actor.not_found
[[nodiscard]] Error action_not_found(std::string_view action);     // actor.action_not_found
[[nodiscard]] Error action_timed_out();                            // actor.action_timed_out
[[nodiscard]] Error invalid_request(std::string message);          // actor.invalid_request
[[nodiscard]] Error duplicate_key(std::string_view key, std::string_view existing_id);
[[nodiscard]] Error incoming_too_long();                           // message.incoming_too_long
[[nodiscard]] Error outgoing_too_long();                           // message.outgoing_too_long
[[nodiscard]] Error invalid_input(std::string message);            // validation.invalid_input
[[nodiscard]] Error storage(std::string message);                  // storage.failure (masked)
[[nodiscard]] Error disk_full(std::string message);                // storage.disk_full (masked)
}  // namespace errors

/// True when group/code may be shown to clients with message and metadata intact.
[[nodiscard]] bool is_public_error(const Error& e) noexcept;

/// The error as a client may see it: non-public errors keep group/code but lose message/metadata.
[[nodiscard]] Error mask_for_client(Error e);

}  // namespace rivet
