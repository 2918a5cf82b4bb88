// Actor per entity: every document is an actor of its own, addressed by the compound key
// [organization, document id], so "roadmap" in one organization and "roadmap" in another never
// meet. The creator's input (title, owner, first body) becomes the initial state; invalid input
// is refused before the actor exists. Edits are checked against the version the editor started
// from, so two people editing the same document cannot silently overwrite each other, and the
// check needs no lock because one actor handles one document's calls one at a time.
#pragma once

#include <rivet/rivet.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace documents {

inline constexpr std::size_t kMaxTitle = 200;
inline constexpr std::size_t kMaxBody = 64 * 1024;
/// Older revisions are dropped: a document's state is read and written whole on every change.
inline constexpr std::size_t kKeptRevisions = 20;

/// What a client passes as the create input: getOrCreate([org, id], {createWithInput: {...}}).
struct NewDocument {
  std::string title;
  std::string owner;
  std::string body;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(NewDocument, title, owner, body)

struct Revision {
  std::int64_t version = 0;
  std::string author;
  std::int64_t at_ms = 0;
  std::int64_t bytes = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Revision, version, author, at_ms, bytes)

struct Document {
  std::string organization;
  std::string title;
  std::string owner;
  std::string body;
  std::int64_t version = 0;
  std::vector<Revision> revisions;  // newest last
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Document, organization, title, owner, body,
                                                version, revisions)

inline void check_title(const std::string& title) {
  if (title.empty() || title.size() > kMaxTitle) {
    throw rivet::UserError("a title has 1 to 200 characters", "invalid_title");
  }
}

inline void check_body(const std::string& body) {
  if (body.size() > kMaxBody) {
    throw rivet::UserError("a document holds at most 64 KiB", "body_too_large");
  }
}

/// The initial state. Throwing here fails the create call and leaves no actor behind, so a bad
/// request cannot squat on a document id.
inline Document create_document(const rivet::protocol::ActorKey& key, const rivet::Value& input) {
  if (key.size() != 2 || key[0].empty() || key[1].empty()) {
    throw rivet::UserError("a document's key is [organization, document id]", "invalid_key");
  }
  if (!input.is_object()) {
    throw rivet::UserError("creating a document needs {title, owner}", "invalid_input");
  }
  NewDocument in;
  try {
    in = rivet::from_value<NewDocument>(input);
  } catch (const std::exception&) {
    throw rivet::UserError("title, owner and body are strings", "invalid_input");
  }
  check_title(in.title);
  check_body(in.body);
  if (in.owner.empty()) {
    throw rivet::UserError("a document has an owner", "invalid_input");
  }
  Document d;
  d.organization = key[0];
  d.title = std::move(in.title);
  d.owner = std::move(in.owner);
  d.body = std::move(in.body);
  return d;
}

inline void record_revision(Document& d, std::string author, std::int64_t now_ms) {
  d.version += 1;
  d.revisions.push_back(
      {d.version, std::move(author), now_ms, static_cast<std::int64_t>(d.body.size())});
  if (d.revisions.size() > kKeptRevisions) {
    d.revisions.erase(d.revisions.begin());
  }
}

inline rivet::Registry make_registry() {
  auto document =
      rivet::actor<Document>("document")
          .create_state([](auto& c, const rivet::Value& input) {
            return create_document(c.key(), input);
          })
          .action("get",
                  [](auto& c) {
                    auto d = c.state();
                    d.revisions.clear();  // history() has them; a reader wants the text
                    return d;
                  })
          .action("edit",
                  [](auto& c, std::int64_t base_version, std::string body, std::string author) {
                    auto& d = c.state();
                    if (base_version != d.version) {
                      rivet::Value current{{"version", d.version}};
                      throw rivet::UserError("the document changed since version " +
                                                 std::to_string(base_version),
                                             "edit_conflict", current);
                    }
                    check_body(body);
                    d.body = std::move(body);
                    record_revision(d, author, c.now_ms());
                    c.broadcast("edited", d.version, author);
                    return d.version;
                  })
          .action("rename",
                  [](auto& c, std::string title, std::string author) {
                    check_title(title);
                    auto& d = c.state();
                    if (author != d.owner) {
                      throw rivet::UserError("only the owner renames a document", "forbidden");
                    }
                    d.title = std::move(title);
                    c.broadcast("renamed", d.title);
                  })
          .action("history", [](auto& c) { return c.state().revisions; });
  rivet::Registry registry;
  registry.use(document);
  return registry;
}

}  // namespace documents
