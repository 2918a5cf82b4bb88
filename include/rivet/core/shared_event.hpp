#pragma once
/// One event on its way out of an actor, shared by every connection it goes to. A broadcast to
/// N connections builds one SharedEvent; each transport asks it for the encoded message in its
/// connection's encoding, which is computed once per encoding and then shared (fan-out cost).
///
/// Thread-safe: encoded() may be called concurrently from any thread.

#include <rivet/common/value.hpp>
#include <rivet/protocol/encoding.hpp>

#include <array>
#include <mutex>
#include <string>

namespace rivet {

class SharedEvent {
 public:
  /// `args` is the (escaped) argument list, an array.
  SharedEvent(std::string name, Value args) : name_(std::move(name)), args_(std::move(args)) {}
  SharedEvent(const SharedEvent&) = delete;
  SharedEvent& operator=(const SharedEvent&) = delete;

  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  [[nodiscard]] const Value& args() const noexcept { return args_; }

  /// The client-protocol Event message (ToClient) in `encoding`, encoded on first use.
  [[nodiscard]] const Bytes& encoded(protocol::Encoding encoding) const;

 private:
  static constexpr std::size_t kEncodings = 3;

  std::string name_;
  Value args_;
  mutable std::array<std::once_flag, kEncodings> once_;
  mutable std::array<Bytes, kEncodings> bytes_;
};

}  // namespace rivet
