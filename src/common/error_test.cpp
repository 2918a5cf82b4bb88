#include <rivet/common/error.hpp>

#include <gtest/gtest.h>

namespace rivet {
namespace {

TEST(Error, ConstructorsUseWireGroupsAndMessages) {
  auto e = errors::actor_not_found();
  EXPECT_EQ(e.qualified(), "actor.not_found");
  EXPECT_EQ(e.message, "The actor does not exist or was destroyed.");
  EXPECT_EQ(errors::action_not_found("x").message, "Action `x` was not found.");
  EXPECT_EQ(errors::action_timed_out().qualified(), "actor.action_timed_out");
  EXPECT_EQ(errors::action_timed_out().message, "Action timed out");
  EXPECT_EQ(errors::incoming_too_long().qualified(), "message.incoming_too_long");
  EXPECT_EQ(errors::incoming_too_long().message, "Incoming message too long");
  EXPECT_EQ(errors::outgoing_too_long().message, "Outgoing message too long");
  EXPECT_EQ(errors::internal().qualified(), "core.internal_error");
  EXPECT_EQ(errors::internal().message, "An internal error occurred");
  EXPECT_EQ(errors::invalid_request("bad").qualified(), "actor.invalid_request");
  EXPECT_EQ(errors::invalid_input("bad").qualified(), "validation.invalid_input");
  EXPECT_EQ(errors::storage("disk").qualified(), "storage.failure");
  EXPECT_TRUE(errors::internal().metadata.is_null());
}

TEST(Error, DuplicateKeyCarriesMetadata) {
  auto e = errors::duplicate_key("a/b", "id1");
  EXPECT_EQ(e.qualified(), "actor.duplicate_key");
  EXPECT_EQ(e.message, "Actor key 'a/b' already in use for actor 'id1'");
  EXPECT_EQ(e.metadata, (Value{{"key", "a/b"}, {"existing_actor_id", "id1"}}));
}

TEST(Error, PublicErrorList) {
  auto pub = [](const char* g, const char* c) { return is_public_error(make_error(g, c, "m")); };
  EXPECT_TRUE(pub("user", "anything"));
  EXPECT_TRUE(pub("auth", "forbidden"));
  EXPECT_FALSE(pub("auth", "unauthorized"));
  EXPECT_TRUE(pub("actor", "not_found"));
  EXPECT_TRUE(pub("actor", "action_not_found"));
  EXPECT_TRUE(pub("actor", "aborted"));
  EXPECT_TRUE(pub("actor", "invalid_argument"));
  EXPECT_TRUE(pub("actor", "invalid_request"));
  EXPECT_TRUE(pub("actor", "duplicate_key"));
  EXPECT_TRUE(pub("actor", "method_not_allowed"));
  EXPECT_FALSE(pub("actor", "internal_error"));
  EXPECT_TRUE(pub("message", "outgoing_too_long"));
  EXPECT_TRUE(pub("schedule", "x"));
  EXPECT_TRUE(pub("kv", "x"));
  EXPECT_TRUE(pub("queue", "full"));
  EXPECT_TRUE(pub("queue", "timed_out"));
  EXPECT_FALSE(pub("queue", "other"));
  EXPECT_TRUE(pub("actor_runtime_socket", "closed"));
  EXPECT_TRUE(pub("validation", "invalid_input"));
  EXPECT_TRUE(pub("guard", "actor_ready_timeout"));
  EXPECT_FALSE(pub("core", "internal_error"));
  EXPECT_FALSE(pub("storage", "failure"));
  EXPECT_FALSE(pub("", ""));
}

TEST(Error, MaskKeepsGroupAndCodeOnly) {
  auto masked = mask_for_client(make_error("storage", "failure", "disk on fire", {{"a", 1}}));
  EXPECT_EQ(masked.qualified(), "storage.failure");
  EXPECT_EQ(masked.message, "An internal error occurred");
  EXPECT_TRUE(masked.metadata.is_null());
  auto kept = mask_for_client(make_error("user", "x", "shown", {{"a", 1}}));
  EXPECT_EQ(kept.message, "shown");
  EXPECT_EQ(kept.metadata, (Value{{"a", 1}}));
}

TEST(Error, ResultValueThrowsOurException) {
  Result<int> r = errors::actor_not_found();
  try {
    (void)r.value();
    FAIL() << "expected throw";
  } catch (const ErrorException& ex) {
    EXPECT_TRUE(ex.error().is("actor", "not_found"));
  }
}

}  // namespace
}  // namespace rivet
