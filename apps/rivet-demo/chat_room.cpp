#include "chat_room.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <string_view>

namespace rivet_demo {
namespace {

using rivet::UserError;
using rivet::Value;

// Given to a member who picks no color (by a hash of the name, so it stays the same).
constexpr std::array<std::string_view, 8> kPalette = {
    "#e5484d", "#f76b15", "#ffc53d", "#46a758", "#12a594", "#0090ff", "#6e56cf", "#d6409f",
};
constexpr std::size_t kHexColorLength = 7;  // #rrggbb
constexpr char kDel = 0x7f;

std::string trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n";
  auto first = s.find_first_not_of(kSpace);
  if (first == std::string_view::npos) {
    return {};
  }
  auto last = s.find_last_not_of(kSpace);
  return std::string(s.substr(first, last - first + 1));
}

bool has_control_chars(std::string_view s, bool allow_newlines) {
  return std::any_of(s.begin(), s.end(), [allow_newlines](char c) {
    auto u = static_cast<unsigned char>(c);
    if (allow_newlines && c == '\n') {
      return false;
    }
    return u < 0x20 || c == kDel;
  });
}

bool is_hex_color(std::string_view s) {
  if (s.size() != kHexColorLength || s[0] != '#') {
    return false;
  }
  return std::all_of(s.begin() + 1, s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
}

std::string palette_color(std::string_view name) {
  std::size_t h = 0;
  for (char c : name) {
    h = h * 31 + static_cast<unsigned char>(c);
  }
  return std::string(kPalette[h % kPalette.size()]);
}

// The string params[field]; nullopt when absent or null; invalid_params for another type.
std::optional<std::string> string_param(const Value& params, const char* field) {
  auto it = params.find(field);
  if (it == params.end() || it->is_null()) {
    return std::nullopt;
  }
  if (!it->is_string()) {
    throw UserError(std::string("Connection param '") + field + "' must be a string",
                    "invalid_params", Value{{"field", field}});
  }
  return it->get<std::string>();
}

Value user_entry(const std::string& id, const Member& m) {
  return Value{{"id", id}, {"name", m.name}, {"color", m.color}};
}

Value cursor_entry(const std::string& id, const Member& m) {
  return Value{{"id", id}, {"name", m.name}, {"color", m.color},
               {"x", m.x}, {"y", m.y},       {"visible", m.cursorVisible}};
}

// Everyone who joined with a name, sorted by name (then id, for a stable order).
template <class Ctx>
Value presence(Ctx& c) {
  std::vector<std::pair<std::string, const Member*>> members;
  for (auto& conn : c.conns()) {
    const auto& m = conn.template state_as<Member>();
    if (!m.name.empty()) {
      members.emplace_back(conn.id(), &m);
    }
  }
  std::sort(members.begin(), members.end(), [](const auto& a, const auto& b) {
    return a.second->name != b.second->name ? a.second->name < b.second->name : a.first < b.first;
  });
  Value users = Value::array();
  for (const auto& [id, m] : members) {
    users.push_back(user_entry(id, *m));
  }
  return users;
}

template <class Ctx>
Value visible_cursors(Ctx& c) {
  Value cursors = Value::array();
  for (auto& conn : c.conns()) {
    const auto& m = conn.template state_as<Member>();
    if (!m.name.empty() && m.cursorVisible) {
      cursors.push_back(cursor_entry(conn.id(), m));
    }
  }
  return cursors;
}

// The calling connection's member, which must have joined with a name.
template <class Ctx>
Member& joined_member(Ctx& c) {
  auto& m = c.template conn_state<Member>();
  if (m.name.empty()) {
    throw UserError("Join the room with a name (connection params {name}) to do this",
                    "not_joined");
  }
  return m;
}

double checked_fraction(double v, const char* axis) {
  if (!std::isfinite(v) || v < 0.0 || v > 1.0) {
    throw UserError(std::string("Cursor ") + axis + " must be a number from 0 to 1",
                    "invalid_cursor", Value{{"axis", axis}});
  }
  return v;
}

}  // namespace

Member member_from_params(const Value& params) {
  Member m;
  if (params.is_null()) {
    return m;  // watching only
  }
  if (!params.is_object()) {
    throw UserError("Connection params must be an object {name, color}", "invalid_params");
  }
  if (auto name = string_param(params, "name")) {
    m.name = trim(*name);
    if (m.name.empty() || m.name.size() > kMaxNameBytes || has_control_chars(m.name, false)) {
      throw UserError(
          "Names are 1 to " + std::to_string(kMaxNameBytes) + " bytes of printable text",
          "invalid_name", Value{{"maxBytes", kMaxNameBytes}});
    }
  }
  if (auto color = string_param(params, "color")) {
    if (!is_hex_color(*color)) {
      throw UserError("Colors are written #rrggbb", "invalid_color");
    }
    m.color = *color;
  } else if (!m.name.empty()) {
    m.color = palette_color(m.name);
  }
  return m;
}

std::string checked_message(const std::string& text) {
  auto trimmed = trim(text);
  if (trimmed.empty()) {
    throw UserError("A message needs some text", "empty_message");
  }
  if (trimmed.size() > kMaxMessageBytes || has_control_chars(trimmed, true)) {
    throw UserError(
        "Messages are at most " + std::to_string(kMaxMessageBytes) + " bytes of printable text",
        "message_too_long", Value{{"maxBytes", kMaxMessageBytes}});
  }
  return trimmed;
}

rivet::ActorBuilder<ChatRoomState> chat_room() {
  rivet::ActorOptions options;
  options.display_name = "Chat room";
  return rivet::actor<ChatRoomState>("chatRoom")
      .options(options)
      .on_before_connect([](auto&, const Value& params) { (void)member_from_params(params); })
      .create_conn_state([](const Value& params) { return member_from_params(params); })
      .on_connect([](auto& c, rivet::Conn& conn) {
        if (!conn.state_as<Member>().name.empty()) {
          c.broadcast("presence", presence(c));
        }
      })
      .on_disconnect([](auto& c, rivet::Conn& conn) {
        if (!conn.state_as<Member>().name.empty()) {
          c.broadcast("presence", presence(c));
        }
      })
      // Everything a page needs after it (re)connects: the history, who is here, where their
      // pointers are, and which connection is the caller's.
      .action("getRoom",
              [](auto& c) {
                auto* conn = c.conn();
                return Value{{"messages", rivet::to_value(c.state().messages)},
                             {"users", presence(c)},
                             {"cursors", visible_cursors(c)},
                             {"you", conn != nullptr ? Value(conn->id()) : Value(nullptr)}};
              })
      .action("getHistory", [](auto& c) { return c.state().messages; })
      .action(
          "sendMessage",
          [](auto& c, std::string text) {
            const auto& m = joined_member(c);
            auto checked = checked_message(text);  // before anything changes
            auto& state = c.state();
            ChatMessage message{state.nextId++, m.name, m.color, std::move(checked), c.now_ms()};
            state.messages.push_back(message);
            if (state.messages.size() > kMaxHistory) {
              const auto excess = static_cast<std::ptrdiff_t>(state.messages.size() - kMaxHistory);
              state.messages.erase(state.messages.begin(), state.messages.begin() + excess);
            }
            c.broadcast("message", message);
            return message;
          })
      // Cursors live in the connection state only: moving one writes nothing to disk.
      .action("moveCursor",
              [](auto& c, double x, double y) {
                auto& m = joined_member(c);
                m.x = checked_fraction(x, "x");
                m.y = checked_fraction(y, "y");
                m.cursorVisible = true;
                c.broadcast("cursor", cursor_entry(c.conn()->id(), m));
              })
      .action("hideCursor", [](auto& c) {
        auto& m = joined_member(c);
        if (m.cursorVisible) {
          m.cursorVisible = false;
          c.broadcast("cursor", cursor_entry(c.conn()->id(), m));
        }
      });
}

}  // namespace rivet_demo
