#pragma once
/// Typed actions: an action's name together with its signature, declared once in a header that
/// both the actor and its callers include.
///
///   namespace counter {
///   inline constexpr rivet::Action<std::int64_t(std::int64_t)> increment{"increment"};
///   inline constexpr rivet::Action<std::int64_t()> get_count{"getCount"};
///   }
///
///   rivet::actor<State>("counter").action(counter::increment, [](auto& c, std::int64_t n) {...});
///   Result<std::int64_t> r = co_await handle.call(counter::increment, 5);   // C++ client
///   std::int64_t n = co_await c.client().get_or_create("counter", key).call(counter::increment, 1);
///
/// The actor's builder checks at compile time that the handler can be called with the declared
/// arguments and that its result converts to the declared result. A caller passes exactly the
/// declared arguments, with C++'s usual implicit conversions: an argument of the wrong type is a
/// compile error, as with a plain function call. On the wire nothing changes: the arguments
/// travel as an array of values and the name is the action's name, so typed and untyped
/// callers (and the official clients) meet the same action.
///
/// Thread-safety and lifetime: an Action is an immutable literal; `name` must outlive it (a
/// string literal always does).

#include <rivet/common/error.hpp>
#include <rivet/common/value.hpp>

#include <exception>
#include <string_view>
#include <type_traits>
#include <utility>

namespace rivet {

template <class Signature>
class Action;

template <class R, class... A>
class Action<R(A...)> {
 public:
  using result_type = R;

  constexpr explicit Action(std::string_view name) noexcept : name_(name) {}
  [[nodiscard]] constexpr std::string_view name() const noexcept { return name_; }

  /// The wire form of a call's arguments.
  [[nodiscard]] static Value arguments(const std::type_identity_t<A>&... args) {
    return Value::array({to_value(args)...});
  }

 private:
  std::string_view name_;
};

/// Converts an action's answer to the declared result type. A value that does not fit is the
/// callee's fault (or a mismatched declaration), reported as client.invalid_response.
template <class R>
[[nodiscard]] Result<R> typed_result(Result<Value> answer) {
  if (!answer) {
    return Result<R>(boost::system::in_place_error, answer.error());
  }
  if constexpr (std::is_void_v<R>) {
    return {};
  } else if constexpr (std::is_same_v<R, Value>) {
    return std::move(*answer);
  } else {
    try {
      // In place: a result of a type Error could also be built from (a string) is unambiguous.
      return Result<R>(boost::system::in_place_value, from_value<R>(*answer));
    } catch (const std::exception& e) {
      return make_error(codes::kClientInvalidResponse,
                        std::string("the action's result does not fit the declared type: ") +
                            e.what());
    }
  }
}

}  // namespace rivet
