#include "protocol/bare.hpp"

#include <rivet/protocol/utf8.hpp>

namespace rivet::protocol::bare {
namespace {
constexpr int kMaxUintBytes = 10;
}  // namespace

void Writer::u16(std::uint16_t v) {
  little_endian(v);
}

void Writer::u32(std::uint32_t v) {
  little_endian(v);
}

void Writer::u64(std::uint64_t v) {
  little_endian(v);
}

void Writer::uint(std::uint64_t v) {
  while (v >= 0x80) {
    out_.push_back(static_cast<std::uint8_t>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out_.push_back(static_cast<std::uint8_t>(v));
}

void Writer::str(std::string_view s) {
  uint(s.size());
  out_.insert(out_.end(), s.begin(), s.end());
}

void Writer::data(ByteView d) {
  uint(d.size());
  out_.insert(out_.end(), d.begin(), d.end());
}

void Reader::fail(std::string_view what) {
  if (error_.empty()) {
    reason_ = std::string(what);
    error_offset_ = pos_;
    error_ = reason_ + " at byte " + std::to_string(pos_);
  }
}

bool Reader::need(std::size_t n) {
  if (!ok()) {
    return false;
  }
  if (in_.size() - pos_ < n) {
    fail("unexpected end of input");
    return false;
  }
  return true;
}

std::uint8_t Reader::u8() { return need(1) ? in_[pos_++] : 0; }

template <class T>
T Reader::little_endian() {
  if (!need(sizeof(T))) {
    return 0;
  }
  T v = 0;
  for (std::size_t i = sizeof(T); i-- > 0;) {
    v = static_cast<T>((v << 8U) | in_[pos_ + i]);
  }
  pos_ += sizeof(T);
  return v;
}

std::uint16_t Reader::u16() {
  return little_endian<std::uint16_t>();
}

std::uint32_t Reader::u32() {
  return little_endian<std::uint32_t>();
}

std::uint64_t Reader::u64() {
  return little_endian<std::uint64_t>();
}

std::uint64_t Reader::uint() {
  std::uint64_t v = 0;
  for (int i = 0; i < kMaxUintBytes; ++i) {
    if (!need(1)) {
      return 0;
    }
    std::uint8_t b = in_[pos_++];
    // The 10th byte holds only bit 63.
    if (i == kMaxUintBytes - 1 && b > 1) {
      fail("uint overflows 64 bits");
      return 0;
    }
    v |= static_cast<std::uint64_t>(b & 0x7F) << (7 * i);
    if ((b & 0x80) == 0) {
      if (i > 0 && b == 0) {
        fail("non-canonical uint");
        return 0;
      }
      return v;
    }
  }
  fail("uint longer than 10 bytes");
  return 0;
}

bool Reader::boolean() {
  std::uint8_t b = u8();
  if (b > 1) {
    fail("invalid bool");
    return false;
  }
  return b == 1;
}

ByteView Reader::data() {
  std::uint64_t len = uint();
  if (!ok()) {
    return {};
  }
  if (len > in_.size() - pos_) {
    fail("length exceeds input");
    return {};
  }
  ByteView out = in_.subspan(pos_, static_cast<std::size_t>(len));
  pos_ += static_cast<std::size_t>(len);
  return out;
}

std::string Reader::str() {
  ByteView bytes = data();
  std::string out(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  if (!is_valid_utf8(out)) {
    fail("invalid UTF-8 in string");
    return {};
  }
  return out;
}

bool Reader::optional() {
  std::uint8_t tag = u8();
  if (tag > 1) {
    fail("invalid optional tag");
    return false;
  }
  return tag == 1;
}

std::optional<Error> Reader::finish() const {
  if (!ok()) {
    return errors::invalid_request("invalid BARE message: " + error_);
  }
  if (pos_ != in_.size()) {
    return errors::invalid_request("invalid BARE message: remaining bytes");
  }
  return std::nullopt;
}

}  // namespace rivet::protocol::bare
