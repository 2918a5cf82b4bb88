#pragma once
// Helpers shared by the storage tests: a temp directory per test and small op builders.

#include <rivet/storage/store.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <future>
#include <initializer_list>
#include <string>

namespace rivet::storage::testing {

inline Bytes bytes(std::initializer_list<int> values) {
  Bytes out;
  for (int v : values) {
    out.push_back(static_cast<std::uint8_t>(v));
  }
  return out;
}

inline Bytes bytes(std::string_view text) {
  return Bytes(text.begin(), text.end());
}

inline WriteBatch::Op put(std::string actor, Bytes key, Bytes value) {
  return WriteBatch::Put{std::move(actor), std::move(key), std::move(value)};
}

inline WriteBatch::Op del(std::string actor, Bytes key) {
  return WriteBatch::Delete{std::move(actor), std::move(key)};
}

inline ActorRecord actor(std::string id, std::string name, std::string key, std::int64_t ts) {
  ActorRecord r;
  r.actor_id = std::move(id);
  r.name = std::move(name);
  r.key = std::move(key);
  r.create_ts = ts;
  return r;
}

inline WriteBatch batch(std::initializer_list<WriteBatch::Op> ops) {
  WriteBatch b;
  b.ops.assign(ops.begin(), ops.end());
  return b;
}

/// A fresh directory per test, removed afterwards.
class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "rivet-storage-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  [[nodiscard]] StoreOptions options() const {
    StoreOptions o;
    o.path = (dir_ / "node.db").string();
    return o;
  }

  [[nodiscard]] std::unique_ptr<Store> open(StoreOptions o) {
    auto store = Store::open(o);
    EXPECT_TRUE(store.has_value()) << (store ? "" : store.error().message);
    return store ? std::move(*store) : nullptr;
  }
  [[nodiscard]] std::unique_ptr<Store> open() { return open(options()); }

  std::filesystem::path dir_;
};

}  // namespace rivet::storage::testing
