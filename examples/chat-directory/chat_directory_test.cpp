// The chat directory under the test harness: the coordinator creates and lists rooms, rooms
// report their activity back to it, and both survive a restart.
#include "chat_directory.hpp"

#include <rivet/harness/test_runtime.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace {

using namespace std::chrono_literals;
using chat_directory::RoomEntry;

TEST(ChatDirectoryExample, TheDirectoryCreatesRoomsAndRefusesBadOnes) {
  const auto registry = chat_directory::make_registry();
  rivet::testing::TestRuntime t(registry);
  auto acme = t.create("roomDirectory", {"acme"});

  auto general = t.call<RoomEntry>(acme, "createRoom", "general", "Anything goes");
  EXPECT_EQ(general.topic, "Anything goes");
  // The room is an actor of its own, reachable by its key.
  auto room = t.create("chatRoom", {"acme", "general"});
  EXPECT_EQ(t.call<std::string>(room, "topic"), "Anything goes");

  auto again = t.try_call(acme, "createRoom", rivet::Value::array({"general", "x"}));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, "room_exists");
  auto bad = t.try_call(acme, "createRoom", rivet::Value::array({"Bad Name!", "x"}));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "invalid_room_name");
  // A room cannot be created around the directory.
  try {
    t.create("chatRoom", {"acme", "rogue"});
    ADD_FAILURE() << "created a room without the directory";
  } catch (const rivet::ErrorException& e) {
    EXPECT_EQ(e.error().code, "not_through_directory");
  }
  // A room that exists but is not listed (createRoom created it, then failed before its own
  // commit) is adopted when createRoom is retried.
  auto orphan = t.create("chatRoom", {"acme", "orphan"}, rivet::Value{{"topic", "Lost"}});
  EXPECT_EQ(t.call<RoomEntry>(acme, "createRoom", "orphan", "Lost").name, "orphan");
  EXPECT_EQ(t.create("chatRoom", {"acme", "orphan"}), orphan);
  EXPECT_EQ(t.call<std::vector<RoomEntry>>(acme, "listRooms").size(), 2U);

  // Each organization has its own directory and rooms.
  auto globex = t.create("roomDirectory", {"globex"});
  EXPECT_TRUE(t.call<std::vector<RoomEntry>>(globex, "listRooms").empty());
  t.call(globex, "createRoom", "general", "Globex talk");
  EXPECT_EQ(t.call<std::string>(room, "topic"), "Anything goes");
}

TEST(ChatDirectoryExample, RoomsReportActivityBackAndTheIndexIsDurable) {
  const auto registry = chat_directory::make_registry();
  rivet::testing::TestRuntime t(registry);
  auto acme = t.create("roomDirectory", {"acme"});
  auto lobby = t.connect(acme);
  lobby->subscribe("roomUpdated");
  t.call(acme, "createRoom", "general", "Anything goes");
  t.call(acme, "createRoom", "random", "Off topic");
  auto general = t.create("chatRoom", {"acme", "general"});
  auto random = t.create("chatRoom", {"acme", "random"});

  t.call(random, "post", "bob", "first!");
  t.advance(1s);
  for (const auto* text : {"hello", "anyone here?", "yes"}) {
    t.call(general, "post", "ada", text);
  }
  t.settle();  // the directory's run loop takes the reports off its queue

  auto rooms = t.call<std::vector<RoomEntry>>(acme, "listRooms");
  ASSERT_EQ(rooms.size(), 2U);
  EXPECT_EQ(rooms[0].name, "general") << "most recently active first";
  EXPECT_EQ(rooms[0].posted, 3);
  EXPECT_EQ(rooms[0].last_author, "ada");
  EXPECT_EQ(rooms[1].posted, 1);
  EXPECT_EQ(lobby->events().back().name, "roomUpdated");

  t.restart();
  rooms = t.call<std::vector<RoomEntry>>(acme, "listRooms");
  ASSERT_EQ(rooms.size(), 2U);
  EXPECT_EQ(rooms[0].posted, 3);
  EXPECT_EQ(t.call<std::vector<chat_directory::Message>>(general, "messages").size(), 3U);

  // Closing a room destroys its actor and unlists it; the name can be used again.
  EXPECT_TRUE(t.call<bool>(acme, "closeRoom", "random"));
  t.settle();
  rooms = t.call<std::vector<RoomEntry>>(acme, "listRooms");
  ASSERT_EQ(rooms.size(), 1U);
  EXPECT_EQ(rooms[0].name, "general");
  EXPECT_FALSE(t.try_call(random, "messages", rivet::Value::array()));
  t.call(acme, "createRoom", "random", "Off topic, again");
  auto reborn = t.create("chatRoom", {"acme", "random"});
  EXPECT_NE(reborn, random);
  EXPECT_TRUE(t.call<std::vector<chat_directory::Message>>(reborn, "messages").empty());
}

}  // namespace
