#pragma once
// The demo's chat room (docs/demo.md): `chatRoom[<room>]` keeps the last messages durably; each
// WebSocket connection joins with params {name, color} and carries its cursor in its connection
// state, which is never persisted. Events: "message" (one new message), "presence" (everyone
// connected, on every connect and disconnect) and "cursor" (one person's pointer moved).

#include <rivet/rivet.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace rivet_demo {

/// Messages the room keeps; older ones are dropped.
inline constexpr std::size_t kMaxHistory = 200;
/// Limits on what a client may send, in UTF-8 bytes.
inline constexpr std::size_t kMaxNameBytes = 32;
inline constexpr std::size_t kMaxMessageBytes = 500;

struct ChatMessage {
  std::int64_t id = 0;
  std::string name;
  std::string color;
  std::string text;
  /// Wall-clock milliseconds since the Unix epoch.
  std::int64_t ts = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ChatMessage, id, name, color, text, ts)

struct ChatRoomState {
  std::vector<ChatMessage> messages;
  std::int64_t nextId = 1;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ChatRoomState, messages, nextId)

/// One connection's state. A connection without a name (no params) only watches: it is not in
/// the presence list and may not send.
struct Member {
  std::string name;
  std::string color;
  bool cursorVisible = false;
  /// The pointer over the shared area, as fractions of its width and height (0..1).
  double x = 0;
  double y = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Member, name, color, cursorVisible, x, y)

/// The checked params of a joining connection; throws rivet::UserError (invalid_name,
/// invalid_color, invalid_params) when they are unusable.
[[nodiscard]] Member member_from_params(const rivet::Value& params);

/// Trims `text` and checks it against kMaxMessageBytes; throws rivet::UserError
/// (empty_message, message_too_long).
[[nodiscard]] std::string checked_message(const std::string& text);

/// The chatRoom actor definition.
[[nodiscard]] rivet::ActorBuilder<ChatRoomState> chat_room();

}  // namespace rivet_demo
