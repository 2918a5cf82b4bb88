#include <rivet/common/error_codes.hpp>

#include <rivet/common/error.hpp>

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <utility>

namespace rivet::codes {
namespace {

struct DocRow {
  std::string http;
  std::string retry;
};

// docs/errors.md is for people, so the test reads what people read: the `group.code` rows of its
// markdown tables.
std::map<std::string, DocRow> doc_rows(std::set<std::string>* duplicates) {
  std::ifstream in(std::string(RIVET_DOCS_DIR) + "/errors.md");
  EXPECT_TRUE(in.good()) << "cannot read docs/errors.md";
  const std::regex row(R"(^\| `([a-z0-9_]+\.[a-z0-9_]+)` \| ([^|]+?) \| ([^|]+?) \|)");
  std::map<std::string, DocRow> rows;
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_search(line, m, row)) {
      if (!rows.emplace(m[1], DocRow{m[2], m[3]}).second) {
        duplicates->insert(m[1]);
      }
    }
  }
  return rows;
}

std::string qualified(const Code& c) { return std::string(c.group) + "." + std::string(c.code); }

std::string retry_words(Retry r) {
  switch (r) {
    case Retry::Never:
      return "never";
    case Retry::AfterFix:
      return "after fix";
    case Retry::AfterBackoff:
      return "after backoff";
    case Retry::IfIdempotent:
      return "if idempotent";
  }
  return "?";
}

TEST(ErrorCodes, DocsListTheSameCodes) {
  std::set<std::string> duplicates;
  const auto rows = doc_rows(&duplicates);
  EXPECT_TRUE(duplicates.empty()) << "listed twice in docs/errors.md: " << *duplicates.begin();
  std::set<std::string> in_code;
  for (const auto& c : all()) {
    const std::string name = qualified(c);
    in_code.insert(name);
    auto it = rows.find(name);
    if (it == rows.end()) {
      ADD_FAILURE() << name << " is in error_codes.hpp but not in docs/errors.md";
      continue;
    }
    const std::string http =
        c.http_status == kNoHttpStatus ? "—" : std::to_string(c.http_status);
    EXPECT_EQ(it->second.http, http) << "HTTP status of " << name;
    EXPECT_EQ(it->second.retry, retry_words(c.retry)) << "retry class of " << name;
  }
  for (const auto& [name, row] : rows) {
    EXPECT_TRUE(in_code.contains(name)) << name << " is in docs/errors.md but not in the catalogue";
  }
}

TEST(ErrorCodes, EachCodeOnce) {
  std::set<std::pair<std::string_view, std::string_view>> seen;
  for (const auto& c : all()) {
    EXPECT_TRUE(seen.emplace(c.group, c.code).second) << qualified(c) << " twice";
  }
}

// A surface can only answer with a code's own status if the code has one.
TEST(ErrorCodes, SurfacesHaveAStatus) {
  for (const auto& c : all()) {
    if (c.surfaces != kNoSurface) {
      EXPECT_NE(c.http_status, kNoHttpStatus) << qualified(c);
    }
  }
}

TEST(ErrorCodes, FindAndBuild) {
  const Code* found = find("actor", "not_found");
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->http_status, kActorNotFound.http_status);
  EXPECT_EQ(find("user", "user_error"), nullptr);
  EXPECT_EQ(find("actor", "no_such_code"), nullptr);

  auto e = make_error(kQueueFull, "full", Value{{"limit", 3}});
  EXPECT_EQ(e.qualified(), "queue.full");
  EXPECT_EQ(e.message, "full");
  EXPECT_EQ(e.metadata["limit"], 3);
  EXPECT_TRUE(e.is(kQueueFull));
  EXPECT_FALSE(e.is(kActorNotFound));
  EXPECT_TRUE(make_error("actor", "stopping", "m").is(kActorStopping));
}

TEST(ErrorCodes, PublicOrMasked) {
  EXPECT_TRUE(is_public_error(make_error(kActorDuplicateKey, "m")));
  EXPECT_TRUE(is_public_error(make_error(kRuntimeSocketClosed, "m")));
  EXPECT_FALSE(is_public_error(make_error(kActorStopping, "m")));
  EXPECT_FALSE(is_public_error(make_error(kWorkflowHistoryDiverged, "m")));
  // Whole public groups cover codes the catalogue does not know (user-defined ones).
  EXPECT_TRUE(is_public_error(make_error("user", "anything", "m")));
  EXPECT_TRUE(is_public_error(make_error("schedule", "anything", "m")));
  EXPECT_FALSE(is_public_error(make_error("custom", "anything", "m")));
}

}  // namespace
}  // namespace rivet::codes
