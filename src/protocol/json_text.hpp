#pragma once
// Small helpers to write JSON text with a fixed key order (the official client's order), with
// payload values dumped by nlohmann. Invalid UTF-8 in strings is replaced, never thrown.

#include <rivet/common/value.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace rivet::protocol::json_text {

void append_value(std::string& out, const Value& v);
void append_string(std::string& out, std::string_view s);
/// ["$BigInt","<n>"]: how ids travel in JSON so the client reads a bigint.
void append_bigint(std::string& out, std::uint64_t v);

/// Writes `{"k":v,...}` member by member; call key() before each value, then close().
class ObjectWriter {
 public:
  explicit ObjectWriter(std::string& out) : out_(out) { out_ += '{'; }
  std::string& key(std::string_view k) {
    if (!first_) {
      out_ += ',';
    }
    first_ = false;
    append_string(out_, k);
    out_ += ':';
    return out_;
  }
  void close() { out_ += '}'; }

 private:
  std::string& out_;
  bool first_ = true;
};

}  // namespace rivet::protocol::json_text
