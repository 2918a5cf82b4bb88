#pragma once
// BARE primitives as the official TS codec (@rivetkit/bare-ts) reads and writes them, plus the
// vbare u16 version prefix.

#include <rivet/common/error.hpp>
#include <rivet/protocol/encoding.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace rivet::protocol::bare {

class Writer {
 public:
  explicit Writer(Bytes& out) : out_(out) {}
  void u8(std::uint8_t v) { out_.push_back(v); }
  void u16(std::uint16_t v);
  void u32(std::uint32_t v);
  void u64(std::uint64_t v);
  /// LEB128, canonical.
  void uint(std::uint64_t v);
  void boolean(bool v) { u8(v ? 1 : 0); }
  void str(std::string_view s);
  void data(ByteView d);
  void optional(bool present) { u8(present ? 1 : 0); }

 private:
  template <class T>
  void little_endian(T v) {
    for (std::size_t i = 0; i < sizeof(T); ++i) {
      out_.push_back(static_cast<std::uint8_t>((v >> (8 * i)) & 0xFFU));
    }
  }

  Bytes& out_;
};

/// Sticky-error reader: after the first failure every read returns a default value and ok()
/// stays false, so message decoders read all fields and check once.
class Reader {
 public:
  explicit Reader(ByteView in) : in_(in) {}
  std::uint8_t u8();
  std::uint16_t u16();
  std::uint32_t u32();
  std::uint64_t u64();
  std::uint64_t uint();
  bool boolean();
  std::string str();
  ByteView data();
  /// Reads the optional<T> presence byte (0/1).
  bool optional();

  void fail(std::string_view what);
  [[nodiscard]] bool ok() const { return error_.empty(); }
  /// Bytes not yet read.
  [[nodiscard]] std::size_t remaining() const { return in_.size() - pos_; }
  /// Where the first failure happened (0 while ok()), and what it was without the position.
  [[nodiscard]] std::size_t error_offset() const { return error_offset_; }
  [[nodiscard]] const std::string& error_reason() const { return reason_; }
  /// Error for a failed read, or "remaining bytes" when the input was not consumed exactly.
  [[nodiscard]] std::optional<Error> finish() const;

 private:
  bool need(std::size_t n);
  template <class T>
  T little_endian();
  ByteView in_;
  std::size_t pos_ = 0;
  std::string error_;
  std::string reason_;
  std::size_t error_offset_ = 0;
};

}  // namespace rivet::protocol::bare
