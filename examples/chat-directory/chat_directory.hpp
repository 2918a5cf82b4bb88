// Coordinator and data actors: each chat room is a data actor (`chatRoom[org, room]`) holding its
// own messages, and one coordinator per organization (`roomDirectory[org]`) creates the rooms and
// keeps an index of them for a lobby to list. Rooms report their activity back to the directory
// through its durable queue, so posting never waits for the directory's bookkeeping and no report
// is lost if the directory is asleep or the server restarts.
#pragma once

#include <rivet/rivet.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace chat_directory {

inline constexpr std::size_t kMaxRoomName = 40;
inline constexpr std::size_t kMaxMessage = 2000;
/// A room keeps its latest messages; older ones belong in an archive, not in actor state.
inline constexpr std::size_t kKeptMessages = 100;

// -- the data actor ----------------------------------------------------------------------------

struct Message {
  std::string author;
  std::string text;
  std::int64_t at_ms = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Message, author, text, at_ms)

struct Room {
  std::string topic;
  std::int64_t posted = 0;  // all time, not only the kept messages
  std::vector<Message> messages;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Room, topic, posted, messages)

/// What a room tells its directory after each message.
struct Activity {
  std::string room;
  std::int64_t posted = 0;
  std::string last_author;
  std::int64_t at_ms = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Activity, room, posted, last_author, at_ms)

// -- the coordinator ---------------------------------------------------------------------------

struct RoomEntry {
  std::string name;
  std::string topic;
  std::int64_t created_at_ms = 0;
  std::int64_t posted = 0;
  std::string last_author;
  std::int64_t last_activity_ms = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RoomEntry, name, topic, created_at_ms, posted,
                                                last_author, last_activity_ms)

struct Directory {
  std::map<std::string, RoomEntry> rooms;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Directory, rooms)

inline void check_room_name(const std::string& name) {
  const bool ok = !name.empty() && name.size() <= kMaxRoomName &&
                  std::all_of(name.begin(), name.end(), [](char ch) {
                    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-';
                  });
  if (!ok) {
    throw rivet::UserError("a room name has 1 to 40 of a-z, 0-9 and -", "invalid_room_name");
  }
}

inline rivet::protocol::ActorKey room_key(const rivet::protocol::ActorKey& directory,
                                          const std::string& room) {
  return {directory.at(0), room};
}

/// The directory's rooms, most recently active first: what a lobby shows.
inline std::vector<RoomEntry> by_activity(const Directory& d) {
  std::vector<RoomEntry> out;
  for (const auto& [name, entry] : d.rooms) {
    out.push_back(entry);
  }
  std::stable_sort(out.begin(), out.end(), [](const RoomEntry& a, const RoomEntry& b) {
    return std::max(a.last_activity_ms, a.created_at_ms) >
           std::max(b.last_activity_ms, b.created_at_ms);
  });
  return out;
}

inline auto room_actor() {
  return rivet::actor<Room>("chatRoom")
      .create_state([](const rivet::Value& input) {
        // The directory always passes a topic, so a client's plain getOrCreate of an unknown
        // room fails instead of creating a room the directory does not list.
        if (!input.is_object() || !input.contains("topic")) {
          throw rivet::UserError("rooms are created through the room directory",
                                 "not_through_directory");
        }
        Room r;
        r.topic = input.value("topic", std::string());
        return r;
      })
      .action("post",
              [](auto& c, std::string author, std::string text) -> rivet::Task<std::int64_t> {
                if (author.empty() || text.empty() || text.size() > kMaxMessage) {
                  throw rivet::UserError("a message has an author and 1 to 2000 bytes of text",
                                         "invalid_message");
                }
                auto& room = c.state();
                const Message m{author, text, c.now_ms()};
                room.messages.push_back(m);
                if (room.messages.size() > kKeptMessages) {
                  room.messages.erase(room.messages.begin());
                }
                room.posted += 1;
                c.broadcast("message", m);
                // Commit the message before reporting it, so that the directory never counts a
                // message that a failed commit lost.
                co_await c.save();
                const Activity report{c.key().at(1), room.posted, author, m.at_ms};
                const rivet::protocol::ActorKey directory_key{c.key().at(0)};
                auto directory = c.client().get("roomDirectory", directory_key);
                co_await directory.send("activity", report);
                co_return room.posted;
              })
      .action("messages", [](auto& c) { return c.state().messages; })
      .action("topic", [](auto& c) { return c.state().topic; })
      // Called by the directory only; a room's history goes with it.
      .action("close", [](auto& c) { c.destroy(); });
}

inline auto directory_actor() {
  return rivet::actor<Directory>("roomDirectory")
      .queues({"activity"})
      .run([](auto& c) -> rivet::Task<void> {
        rivet::QueueReceive reports;
        reports.names = {"activity"};
        for (;;) {
          auto msg = co_await c.queue().next(reports);
          if (!msg) {
            continue;
          }
          const auto report = rivet::from_value<Activity>(msg->body());
          auto entry = c.state().rooms.find(report.room);
          // A report from a room closed in the meantime must not bring it back.
          if (entry != c.state().rooms.end() && report.posted > entry->second.posted) {
            entry->second.posted = report.posted;
            entry->second.last_author = report.last_author;
            entry->second.last_activity_ms = report.at_ms;
            c.broadcast("roomUpdated", entry->second);
          }
          co_await msg->complete();
        }
      })
      .action("createRoom",
              [](auto& c, std::string name, std::string topic) -> rivet::Task<RoomEntry> {
                check_room_name(name);
                if (c.state().rooms.contains(name)) {
                  throw rivet::UserError("room " + name + " exists", "room_exists");
                }
                const std::string type = "chatRoom";
                const auto key = room_key(c.key(), name);
                const rivet::Value input{{"topic", topic}};
                try {
                  co_await c.client().create(type, key, input);
                } catch (const rivet::ErrorException& e) {
                  // The room exists but is not listed: an earlier createRoom created it and then
                  // failed before its own commit. Adopting it makes createRoom safe to retry.
                  if (!e.error().is(rivet::codes::kActorDuplicateKey)) {
                    throw;
                  }
                }
                RoomEntry entry;
                entry.name = name;
                entry.topic = topic;
                entry.created_at_ms = c.now_ms();
                c.state().rooms[name] = entry;
                c.broadcast("roomUpdated", entry);
                co_return entry;
              })
      .action("listRooms", [](auto& c) { return by_activity(c.state()); })
      .action("closeRoom", [](auto& c, std::string name) -> rivet::Task<bool> {
        if (!c.state().rooms.contains(name)) {
          co_return false;
        }
        const auto key = room_key(c.key(), name);
        auto room = c.client().get("chatRoom", key);
        try {
          co_await room.call("close");
        } catch (const rivet::ErrorException& e) {
          if (!e.error().is(rivet::codes::kActorNotFound)) {
            throw;  // still listed: closing can be retried
          }
        }
        c.state().rooms.erase(name);
        c.broadcast("roomClosed", name);
        co_return true;
      });
}

inline rivet::Registry make_registry() {
  rivet::Registry registry;
  registry.use(directory_actor());
  registry.use(room_actor());
  return registry;
}

}  // namespace chat_directory
