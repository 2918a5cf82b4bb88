#pragma once
// The envoy codec's machinery: an Encoder and a Decoder that walk a message by its C++ type, so
// the structs of rivet/protocol/envoy/ are the schema and no message has hand-written field code.
//   struct           its fields in declaration order (field_count.hpp gives the count)
//   std::variant     BARE union: the alternative's index as tag, then the alternative
//   empty struct     BARE void
//   std::optional    presence byte 0/1, then the value
//   std::vector<T>   BARE list: uint count, then the elements
//   Map<V>           BARE map<str><V>: uint count, then key/value pairs; keys unique
//   Bytes            BARE data; std::array<u8, N> is data[N]
//   enum class       BARE enum (one byte: every enum here has fewer than 128 values)
// Union tags are one byte as well, as in the official TypeScript codec.

#include "protocol/bare.hpp"

#include <rivet/protocol/envoy/ids.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace rivet::protocol::envoy::codec {

inline constexpr std::size_t kNotAStruct = std::numeric_limits<std::size_t>::max();
/// Number of fields of a message struct; specialised for each one in field_count.hpp.
template <class T>
inline constexpr std::size_t kFieldCount = kNotAStruct;
/// Number of values of a message enum; specialised in field_count.hpp.
template <class E>
inline constexpr std::uint8_t kEnumCount = 0;

template <class T>
concept MessageStruct = (kFieldCount<T> != kNotAStruct);
template <class T>
concept MessageEnum = (std::is_enum_v<T> && kEnumCount<T> > 0);

inline constexpr std::size_t kMaxFields = 8;

/// Calls f on each field of x in declaration order. A wrong kFieldCount does not compile: a
/// structured binding must name every field.
template <class T, class F>
void for_each_field(T& x, F&& f) {
  constexpr std::size_t n = kFieldCount<std::remove_const_t<T>>;
  static_assert(n <= kMaxFields, "for_each_field handles up to kMaxFields fields");
  if constexpr (n == 1) {
    auto& [a] = x;
    f(a);
  } else if constexpr (n == 2) {
    auto& [a, b] = x;
    f(a), f(b);
  } else if constexpr (n == 3) {
    auto& [a, b, c] = x;
    f(a), f(b), f(c);
  } else if constexpr (n == 4) {
    auto& [a, b, c, d] = x;
    f(a), f(b), f(c), f(d);
  } else if constexpr (n == 5) {
    auto& [a, b, c, d, e] = x;
    f(a), f(b), f(c), f(d), f(e);
  } else if constexpr (n == 6) {
    auto& [a, b, c, d, e, g] = x;
    f(a), f(b), f(c), f(d), f(e), f(g);
  } else if constexpr (n == 7) {
    auto& [a, b, c, d, e, g, h] = x;
    f(a), f(b), f(c), f(d), f(e), f(g), f(h);
  } else if constexpr (n == 8) {
    auto& [a, b, c, d, e, g, h, i] = x;
    f(a), f(b), f(c), f(d), f(e), f(g), f(h), f(i);
  }
}

class Encoder {
 public:
  explicit Encoder(Bytes& out) : w_(out) {}

  void put(bool v) { w_.boolean(v); }
  void put(std::uint16_t v) { w_.u16(v); }
  void put(std::uint32_t v) { w_.u32(v); }
  void put(std::uint64_t v) { w_.u64(v); }
  void put(std::int64_t v) { w_.u64(static_cast<std::uint64_t>(v)); }
  void put(const std::string& v) { w_.str(v); }
  void put(const Bytes& v) { w_.data(v); }

  template <std::size_t N>
  void put(const std::array<std::uint8_t, N>& v) {
    for (std::uint8_t b : v) {
      w_.u8(b);
    }
  }

  template <MessageEnum E>
  void put(E v) {
    w_.u8(static_cast<std::uint8_t>(v));
  }

  template <class T>
  void put(const std::optional<T>& v) {
    w_.optional(v.has_value());
    if (v) {
      put(*v);
    }
  }

  template <class T>
  void put(const std::vector<T>& list) {
    w_.uint(list.size());
    for (const T& e : list) {
      put(e);
    }
  }

  template <class V>
  void put(const Map<V>& map) {
    w_.uint(map.size());
    for (const auto& [key, value] : map) {
      put(key);
      put(value);
    }
  }

  template <class... A>
  void put(const std::variant<A...>& v) {
    w_.u8(static_cast<std::uint8_t>(v.index()));
    std::visit([this](const auto& alternative) { this->put(alternative); }, v);
  }

  template <MessageStruct T>
  void put(const T& v) {
    if constexpr (kFieldCount < T >> 0) {
      for_each_field(v, [this](const auto& field) { this->put(field); });
    }
  }

 private:
  bare::Writer w_;
};

/// Reads with the sticky-error bare::Reader: after the first failure every read yields a default
/// and loops stop, so a decode reads on and the caller checks once.
class Decoder {
 public:
  Decoder(ByteView in, std::size_t max_element_bytes)
      : r_(in), element_bytes_left_(max_element_bytes) {}

  [[nodiscard]] bare::Reader& reader() { return r_; }

  void get(bool& v) { v = r_.boolean(); }
  void get(std::uint16_t& v) { v = r_.u16(); }
  void get(std::uint32_t& v) { v = r_.u32(); }
  void get(std::uint64_t& v) { v = r_.u64(); }
  void get(std::int64_t& v) { v = static_cast<std::int64_t>(r_.u64()); }
  void get(std::string& v) { v = r_.str(); }
  void get(Bytes& v) {
    ByteView d = r_.data();
    v.assign(d.begin(), d.end());
  }

  template <std::size_t N>
  void get(std::array<std::uint8_t, N>& v) {
    for (std::uint8_t& b : v) {
      b = r_.u8();
    }
  }

  template <MessageEnum E>
  void get(E& v) {
    std::uint8_t raw = r_.u8();
    if (r_.ok() && raw >= kEnumCount<E>) {
      r_.fail("unknown enum value " + std::to_string(raw));
      return;
    }
    v = static_cast<E>(raw);
  }

  template <class T>
  void get(std::optional<T>& v) {
    v.reset();
    if (r_.optional()) {
      get(v.emplace());
    }
  }

  template <class T>
  void get(std::vector<T>& list) {
    std::size_t n = count(sizeof(T));
    list.clear();
    list.reserve(n);
    for (std::size_t i = 0; i < n && r_.ok(); ++i) {
      get(list.emplace_back());
    }
  }

  template <class V>
  void get(Map<V>& map) {
    std::size_t n = count(sizeof(typename Map<V>::value_type));
    map.clear();
    map.reserve(n);
    for (std::size_t i = 0; i < n && r_.ok(); ++i) {
      auto& [key, value] = map.emplace_back();
      get(key);
      get(value);
    }
    if (r_.ok() && has_duplicate_key(map)) {
      r_.fail("duplicate map key");
    }
  }

  template <class... A>
  void get(std::variant<A...>& v) {
    std::uint8_t tag = r_.u8();
    if (!r_.ok()) {
      return;
    }
    if (tag >= sizeof...(A)) {
      r_.fail("unknown union tag " + std::to_string(tag));
      return;
    }
    get_alternative(v, tag, std::index_sequence_for<A...>{});
  }

  template <MessageStruct T>
  void get(T& v) {
    if constexpr (kFieldCount < T >> 0) {
      for_each_field(v, [this](auto& field) { this->get(field); });
    }
  }

 private:
  /// A list or map count: at most one element per remaining byte (no element encodes in zero
  /// bytes), and within what is left of the element memory budget.
  std::size_t count(std::size_t element_size) {
    std::uint64_t n = r_.uint();
    if (!r_.ok()) {
      return 0;
    }
    if (n > r_.remaining()) {
      r_.fail("count " + std::to_string(n) + " exceeds the input");
      return 0;
    }
    auto bytes = static_cast<std::size_t>(n) * element_size;
    if (bytes > element_bytes_left_) {
      r_.fail("lists exceed the element memory limit");
      return 0;
    }
    element_bytes_left_ -= bytes;
    return static_cast<std::size_t>(n);
  }

  template <class... A, std::size_t... I>
  void get_alternative(std::variant<A...>& v, std::size_t tag,
                       std::index_sequence<I...> /*unused*/) {
    ((tag == I ? get(v.template emplace<I>()) : void()), ...);
  }

  template <class V>
  static bool has_duplicate_key(const Map<V>& map) {
    std::vector<std::string_view> keys;
    keys.reserve(map.size());
    for (const auto& entry : map) {
      keys.emplace_back(entry.first);
    }
    std::sort(keys.begin(), keys.end());
    return std::adjacent_find(keys.begin(), keys.end()) != keys.end();
  }

  bare::Reader r_;
  std::size_t element_bytes_left_;
};

}  // namespace rivet::protocol::envoy::codec
