// Documents under the test harness: one actor per [organization, id], created from its input,
// refused when the input or key is wrong, with conflicting edits caught and state kept across a
// restart.
#include "documents.hpp"

#include <rivet/harness/test_runtime.hpp>

#include <gtest/gtest.h>

#include <functional>
#include <string>

namespace {

rivet::Value input(const std::string& title, const std::string& owner) {
  return rivet::Value{{"title", title}, {"owner", owner}, {"body", ""}};
}

std::string error_code(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const rivet::ErrorException& e) {
    return e.error().code;
  }
  return "no error";
}

TEST(DocumentsExample, OneActorPerOrganizationAndDocumentCreatedFromItsInput) {
  const auto registry = documents::make_registry();
  rivet::testing::TestRuntime t(registry);
  auto acme = t.create("document", {"acme", "roadmap"}, input("Roadmap 2025", "ada"));
  auto globex = t.create("document", {"globex", "roadmap"}, input("Globex plans", "hank"));
  EXPECT_NE(acme, globex) << "the same document id in two organizations is two actors";

  auto doc = t.call<documents::Document>(acme, "get");
  EXPECT_EQ(doc.organization, "acme");
  EXPECT_EQ(doc.title, "Roadmap 2025");
  EXPECT_EQ(doc.owner, "ada");
  EXPECT_EQ(doc.version, 0);

  // Input counts only at creation: getOrCreate of an existing document finds it unchanged.
  EXPECT_EQ(t.create("document", {"acme", "roadmap"}, input("Something else", "eve")), acme);
  EXPECT_EQ(t.call<documents::Document>(acme, "get").title, "Roadmap 2025");
}

TEST(DocumentsExample, InvalidInputOrKeyCreatesNothing) {
  const auto registry = documents::make_registry();
  rivet::testing::TestRuntime t(registry);
  EXPECT_EQ(error_code([&] { t.create("document", {"acme", "notes"}, input("", "ada")); }),
            "invalid_title");
  EXPECT_EQ(error_code([&] { t.create("document", {"acme", "notes"}); }), "invalid_input");
  EXPECT_EQ(error_code([&] {
              t.create("document", {"acme", "notes"}, rivet::Value{{"title", 7}});
            }),
            "invalid_input");
  EXPECT_EQ(error_code([&] { t.create("document", {"acme"}, input("Notes", "ada")); }),
            "invalid_key");

  // The failed attempts left no actor behind: the id is still free for a valid create.
  auto notes = t.create("document", {"acme", "notes"}, input("Notes", "ada"));
  EXPECT_EQ(t.call<documents::Document>(notes, "get").title, "Notes");
}

TEST(DocumentsExample, ConflictingEditsAreRefusedAndTheDocumentIsDurable) {
  const auto registry = documents::make_registry();
  rivet::testing::TestRuntime t(registry);
  auto id = t.create("document", {"acme", "roadmap"}, input("Roadmap", "ada"));
  auto watcher = t.connect(id);
  watcher->subscribe("edited");

  EXPECT_EQ(t.call<std::int64_t>(id, "edit", 0, "Q1: ship it", "ada"), 1);
  // Bob started from version 0 too: his edit would overwrite Ada's.
  auto stale = t.try_call(id, "edit", rivet::Value::array({0, "Q1: rest", "bob"}));
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code, "edit_conflict");
  EXPECT_EQ(stale.error().metadata["version"], 1);
  EXPECT_EQ(t.call<std::int64_t>(id, "edit", 1, "Q1: ship it, then rest", "bob"), 2);
  ASSERT_EQ(watcher->events().size(), 2U);
  EXPECT_EQ(watcher->events()[1].args, rivet::Value::array({2, "bob"}));

  EXPECT_EQ(error_code([&] { t.call(id, "rename", "Mine now", "bob"); }), "forbidden");
  t.call(id, "rename", "Roadmap 2025", "ada");

  t.restart();
  auto doc = t.call<documents::Document>(id, "get");
  EXPECT_EQ(doc.body, "Q1: ship it, then rest");
  EXPECT_EQ(doc.title, "Roadmap 2025");
  EXPECT_EQ(doc.version, 2);
  auto history = t.call<std::vector<documents::Revision>>(id, "history");
  ASSERT_EQ(history.size(), 2U);
  EXPECT_EQ(history[0].author, "ada");
  EXPECT_EQ(history[1].author, "bob");
}

}  // namespace
