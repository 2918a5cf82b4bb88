#include <rivet/protocol/keys.hpp>

namespace rivet::protocol {
namespace {
constexpr char kSeparator = '/';
constexpr char kEscape = '\\';
constexpr std::string_view kEmptyKey = "/";
constexpr std::string_view kEmptyComponent = "\\0";
}  // namespace

std::string serialize_key(const ActorKey& key) {
  if (key.empty()) {
    return std::string(kEmptyKey);
  }
  std::string out;
  for (std::size_t i = 0; i < key.size(); ++i) {
    if (i > 0) {
      out += kSeparator;
    }
    const auto& part = key[i];
    if (part.empty()) {
      out += kEmptyComponent;
      continue;
    }
    for (char c : part) {
      if (c == kEscape || c == kSeparator) {
        out += kEscape;
      }
      out += c;
    }
  }
  return out;
}

ActorKey deserialize_key(std::string_view text) {
  ActorKey parts;
  if (text == kEmptyKey) {
    return parts;
  }
  std::string current;
  bool escaping = false;
  // "\0" anywhere in a component makes the whole component the empty string.
  bool empty_marker = false;
  auto end_component = [&] {
    parts.push_back(empty_marker ? std::string() : std::move(current));
    current.clear();
    empty_marker = false;
  };
  for (char c : text) {
    if (escaping) {
      if (c == '0') {
        empty_marker = true;
      } else {
        current += c;
      }
      escaping = false;
    } else if (c == kEscape) {
      escaping = true;
    } else if (c == kSeparator) {
      end_component();
    } else {
      current += c;
    }
  }
  if (escaping) {
    // A lone trailing backslash is kept literally.
    current += kEscape;
    parts.push_back(std::move(current));
  } else if (empty_marker || !current.empty() || !parts.empty()) {
    end_component();
  }
  return parts;
}

ActorKey split_query_key(std::string_view text) {
  ActorKey parts;
  if (text.empty()) {
    return parts;
  }
  std::size_t start = 0;
  while (true) {
    auto comma = text.find(',', start);
    if (comma == std::string_view::npos) {
      parts.emplace_back(text.substr(start));
      return parts;
    }
    parts.emplace_back(text.substr(start, comma - start));
    start = comma + 1;
  }
}

}  // namespace rivet::protocol
