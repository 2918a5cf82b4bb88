#pragma once
// Helpers shared by the storage tests: fixtures opening each store kind in a temp directory,
// and small op builders.

#include <rivet/storage/memory_store.hpp>
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

/// A fresh directory per test, removed afterwards; opens SQLite stores in it.
class SqliteStoreTest : public ::testing::Test {
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

  [[nodiscard]] virtual std::unique_ptr<Store> open(StoreOptions o) {
    auto store = Store::open(o);
    EXPECT_TRUE(store.has_value()) << (store ? "" : store.error().message);
    return store ? std::move(*store) : nullptr;
  }
  [[nodiscard]] std::unique_ptr<Store> open() { return open(options()); }

  std::filesystem::path dir_;
};

enum class StoreKind { Sqlite, Memory };

inline void PrintTo(StoreKind kind, std::ostream* os) {
  *os << (kind == StoreKind::Sqlite ? "Sqlite" : "Memory");
}

inline std::string kind_name(const ::testing::TestParamInfo<StoreKind>& info) {
  return ::testing::PrintToString(info.param);
}

/// The same test against each Store implementation (INSTANTIATE_STORE_TESTS below).
class StoreTest : public SqliteStoreTest, public ::testing::WithParamInterface<StoreKind> {
 protected:
  [[nodiscard]] std::unique_ptr<Store> open(StoreOptions o) override {
    if (GetParam() == StoreKind::Memory) {
      return open_memory_store(o);
    }
    return SqliteStoreTest::open(std::move(o));
  }
  using SqliteStoreTest::open;

  /// Whether data outlives the Store object (reopening `options()` finds it again).
  [[nodiscard]] bool persistent() const { return GetParam() == StoreKind::Sqlite; }
};

#define INSTANTIATE_STORE_TESTS(Suite)                                                  \
  INSTANTIATE_TEST_SUITE_P(Stores, Suite,                                               \
                           ::testing::Values(::rivet::storage::testing::StoreKind::Sqlite, \
                                             ::rivet::storage::testing::StoreKind::Memory), \
                           ::rivet::storage::testing::kind_name)

}  // namespace rivet::storage::testing
