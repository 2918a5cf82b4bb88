#include "storage/test_util.hpp"

namespace rivet::storage::testing {
namespace {

using ActorsTest = StoreTest;
INSTANTIATE_STORE_TESTS(ActorsTest);

WriteBatch insert(ActorRecord r) {
  return batch({WriteBatch::InsertActor{std::move(r)}});
}
WriteBatch destroy(std::string id, std::int64_t ts) {
  return batch({WriteBatch::DestroyActor{std::move(id), ts}});
}

std::vector<std::string> ids_of(const std::vector<ActorRecord>& actors) {
  std::vector<std::string> out;
  for (const auto& a : actors) {
    out.push_back(a.actor_id);
  }
  return out;
}

TEST_P(ActorsTest, RecordRoundTrips) {
  auto store = open();
  ActorRecord full = actor("id1", "counter", std::string("a/\0b", 4), 1700000000123);
  full.crash_policy = "restart";
  full.input = bytes({0xa1, 0x00, 0xff});
  full.generation = (std::uint64_t{1} << 62) + 5;
  ActorRecord empty_input = actor("id2", "counter", "/", 2);
  empty_input.input = Bytes{};  // present but empty differs from absent
  ActorRecord no_input = actor("id3", "counter", "x", 3);

  for (const auto& r : {full, empty_input, no_input}) {
    ASSERT_TRUE(store->commit_sync(insert(r)));
  }
  EXPECT_EQ(**store->find_actor("id1"), full);
  EXPECT_EQ(**store->find_actor("id2"), empty_input);
  EXPECT_EQ(**store->find_actor("id3"), no_input);
  EXPECT_EQ(**store->find_actor_by_key("counter", std::string("a/\0b", 4)), full);
  EXPECT_EQ(*store->find_actor("nope"), std::nullopt);
  EXPECT_EQ(*store->find_actor_by_key("counter", "a/"), std::nullopt);
  EXPECT_EQ(*store->find_actor_by_key("other", "x"), std::nullopt);
}

TEST_P(ActorsTest, DuplicateKeyFailsOnlyThatBatch) {
  auto store = open();
  ASSERT_TRUE(store->commit_sync(insert(actor("first", "room", "lobby", 1))));

  // Three batches queued back to back, so they usually share one transaction.
  std::promise<Result<void>> p1, p2, p3;
  store->commit(batch({put("x", bytes("k"), bytes("1"))}),
                [&](Result<void> r) { p1.set_value(std::move(r)); });
  WriteBatch dup = batch({put("second", bytes("k"), bytes("must vanish")),
                          WriteBatch::InsertActor{actor("second", "room", "lobby", 2)}});
  store->commit(std::move(dup), [&](Result<void> r) { p2.set_value(std::move(r)); });
  store->commit(batch({put("y", bytes("k"), bytes("3"))}),
                [&](Result<void> r) { p3.set_value(std::move(r)); });

  EXPECT_TRUE(p1.get_future().get());
  auto failed = p2.get_future().get();
  EXPECT_TRUE(p3.get_future().get());
  ASSERT_FALSE(failed);
  EXPECT_TRUE(failed.error().is("actor", "duplicate_key")) << failed.error().qualified();
  EXPECT_EQ(failed.error().metadata["key"], "lobby");
  EXPECT_EQ(failed.error().metadata["existing_actor_id"], "first");

  // The failed batch left nothing behind; its neighbours committed.
  EXPECT_EQ(*store->find_actor("second"), std::nullopt);
  EXPECT_EQ(*store->kv_get("second", bytes("k")), std::nullopt);
  EXPECT_EQ(*store->kv_get("x", bytes("k")), bytes("1"));
  EXPECT_EQ(*store->kv_get("y", bytes("k")), bytes("3"));
  // Same name, other key, and other name, same key, are fine.
  EXPECT_TRUE(store->commit_sync(insert(actor("third", "room", "hall", 3))));
  EXPECT_TRUE(store->commit_sync(insert(actor("fourth", "chat", "lobby", 4))));
}

TEST_P(ActorsTest, DuplicateActorIdIsAStorageError) {
  auto store = open();
  ASSERT_TRUE(store->commit_sync(insert(actor("same", "room", "a", 1))));
  auto r = store->commit_sync(insert(actor("same", "room", "b", 2)));
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is("storage", "failure"));
}

TEST_P(ActorsTest, BatchIsAllOrNothing) {
  auto store = open();
  ASSERT_TRUE(store->commit_sync(insert(actor("a1", "room", "k", 1))));
  auto r = store->commit_sync(batch({
      put("a2", bytes("state"), bytes("s")),
      WriteBatch::InsertActor{actor("a2", "room", "other", 2)},
      WriteBatch::InsertActor{actor("a3", "room", "k", 3)},  // conflicts with a1
  }));
  ASSERT_FALSE(r);
  EXPECT_EQ(*store->find_actor("a2"), std::nullopt);
  EXPECT_EQ(*store->kv_get("a2", bytes("state")), std::nullopt);
}

TEST_P(ActorsTest, FailedBatchRestoresEverythingItTouched) {
  auto store = open();
  ASSERT_TRUE(store->commit_sync(batch({
      WriteBatch::InsertActor{actor("a1", "room", "k", 1)},
      put("a1", bytes({0x01}), bytes("one")),
      put("a1", bytes({0x02}), bytes("two")),
  })));
  // Overwrites, deletes, destroys a1, reuses its key, then fails on an unknown actor.
  auto r = store->commit_sync(batch({
      put("a1", bytes({0x01}), bytes("changed")),
      put("a1", bytes({0x03}), bytes("new")),
      WriteBatch::DeleteRange{"a1", bytes({0x02}), {}},
      WriteBatch::DestroyActor{"a1", 5},
      WriteBatch::InsertActor{actor("a2", "room", "k", 6)},
      WriteBatch::DestroyActor{"ghost", 7},
  }));
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is("actor", "not_found"));

  EXPECT_EQ((*store->find_actor("a1"))->destroy_ts, std::nullopt);
  EXPECT_EQ((*store->find_actor_by_key("room", "k"))->actor_id, "a1");
  EXPECT_EQ(*store->find_actor("a2"), std::nullopt);
  auto rows = *store->kv_prefix("a1", {}, 100);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], (KvEntry{bytes({0x01}), bytes("one")}));
  EXPECT_EQ(rows[1], (KvEntry{bytes({0x02}), bytes("two")}));
  EXPECT_EQ(store->kv_prefix_all_actors({})->size(), 2u);
}

TEST_P(ActorsTest, DestroyMarksActorAndDropsKv) {
  auto store = open();
  ASSERT_TRUE(store->commit_sync(batch({
      WriteBatch::InsertActor{actor("a1", "room", "k", 1)},
      put("a1", bytes({0x01}), bytes("state")),
      put("a1", bytes({0x02, 0x00}), bytes("x")),
      put("a2", bytes({0x01}), bytes("neighbour")),
  })));
  ASSERT_TRUE(store->commit_sync(destroy("a1", 99)));

  auto found = store->find_actor("a1");
  ASSERT_TRUE(found && found->has_value());
  EXPECT_EQ((*found)->destroy_ts, 99);
  EXPECT_EQ(*store->find_actor_by_key("room", "k"), std::nullopt);
  EXPECT_TRUE(store->kv_prefix("a1", {}, 100)->empty());
  EXPECT_EQ(*store->kv_get("a2", bytes({0x01})), bytes("neighbour"));

  // Destroying again is a no-op that keeps the first timestamp.
  ASSERT_TRUE(store->commit_sync(destroy("a1", 200)));
  EXPECT_EQ((*store->find_actor("a1"))->destroy_ts, 99);

  // The key is free for a new live actor.
  ASSERT_TRUE(store->commit_sync(insert(actor("a1b", "room", "k", 5))));
  EXPECT_EQ((*store->find_actor_by_key("room", "k"))->actor_id, "a1b");
}

TEST_P(ActorsTest, DestroyUnknownActorFails) {
  auto store = open();
  auto r = store->commit_sync(destroy("ghost", 1));
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is("actor", "not_found"));
}

TEST_P(ActorsTest, ListActorsPagesInCreateOrder) {
  auto store = open();
  WriteBatch b;
  // Out-of-order insertion; ties on create_ts break by id.
  b.ops.push_back(WriteBatch::InsertActor{actor("e", "room", "5", 30)});
  b.ops.push_back(WriteBatch::InsertActor{actor("c", "chat", "3", 20)});
  b.ops.push_back(WriteBatch::InsertActor{actor("a", "room", "1", 10)});
  b.ops.push_back(WriteBatch::InsertActor{actor("d", "room", "4", 20)});
  b.ops.push_back(WriteBatch::InsertActor{actor("b", "chat", "2", 15)});
  b.ops.push_back(WriteBatch::InsertActor{actor("f", "room", "6", 40)});
  ASSERT_TRUE(store->commit_sync(std::move(b)));
  ASSERT_TRUE(store->commit_sync(destroy("f", 50)));

  EXPECT_EQ(ids_of(*store->list_actors(std::nullopt, 100, std::nullopt)),
            (std::vector<std::string>{"a", "b", "c", "d", "e"}));
  EXPECT_EQ(ids_of(*store->list_actors("room", 100, std::nullopt)),
            (std::vector<std::string>{"a", "d", "e"}));

  // Paging: a page of 2, then everything after the last create_ts seen.
  auto page1 = *store->list_actors(std::nullopt, 2, std::nullopt);
  EXPECT_EQ(ids_of(page1), (std::vector<std::string>{"a", "b"}));
  auto page2 = *store->list_actors(std::nullopt, 2, page1.back().create_ts);
  EXPECT_EQ(ids_of(page2), (std::vector<std::string>{"c", "d"}));
  auto page3 = *store->list_actors(std::nullopt, 2, page2.back().create_ts);
  EXPECT_EQ(ids_of(page3), (std::vector<std::string>{"e"}));
  EXPECT_TRUE(store->list_actors(std::nullopt, 2, 30)->empty());
  EXPECT_TRUE(store->list_actors(std::nullopt, 2, INT64_MAX)->empty());
  EXPECT_EQ(ids_of(*store->list_actors("room", 1, 10)), (std::vector<std::string>{"d"}));
  EXPECT_TRUE(store->list_actors("nobody", 10, std::nullopt)->empty());
  EXPECT_TRUE(store->list_actors(std::nullopt, 0, std::nullopt)->empty());
}

TEST_P(ActorsTest, PrefixScanAcrossLiveActors) {
  auto store = open();
  WriteBatch b;
  // Same create_ts for all: a scan must not depend on create_ts paging.
  for (const char* id : {"c", "a", "b", "gone"}) {
    b.ops.push_back(WriteBatch::InsertActor{actor(id, "room", id, 5)});
    b.ops.push_back(put(id, bytes({0x02, 0x01}), bytes(id)));
    b.ops.push_back(put(id, bytes({0x02}), bytes("bare prefix")));
    b.ops.push_back(put(id, bytes({0x01}), bytes("state")));
  }
  b.ops.push_back(put("orphan", bytes({0x02}), bytes("no actor row")));
  ASSERT_TRUE(store->commit_sync(std::move(b)));
  ASSERT_TRUE(store->commit_sync(destroy("gone", 6)));

  auto rows = store->kv_prefix_all_actors(bytes({0x02}));
  ASSERT_TRUE(rows);
  std::vector<std::pair<std::string, Bytes>> got;
  for (const auto& r : *rows) {
    got.emplace_back(r.actor_id, r.entry.key);
  }
  EXPECT_EQ(got, (std::vector<std::pair<std::string, Bytes>>{
                     {"a", bytes({0x02})},
                     {"a", bytes({0x02, 0x01})},
                     {"b", bytes({0x02})},
                     {"b", bytes({0x02, 0x01})},
                     {"c", bytes({0x02})},
                     {"c", bytes({0x02, 0x01})},
                 }));
  EXPECT_EQ((*rows)[1].entry.value, bytes("a"));
  EXPECT_EQ(store->kv_prefix_all_actors({})->size(), 9u);
}

TEST_P(ActorsTest, CountActorsCountsLiveOnes) {
  auto store = open();
  EXPECT_EQ(*store->count_actors(std::nullopt), 0u);
  WriteBatch b;
  for (const char* id : {"c1", "c2", "c3"}) {
    b.ops.push_back(WriteBatch::InsertActor{actor(id, "counter", id, 1)});
  }
  for (const char* id : {"r1", "r2"}) {
    b.ops.push_back(WriteBatch::InsertActor{actor(id, "room", id, 2)});
  }
  // A name that sorts between the others, so a count by name must stop at its own rows.
  b.ops.push_back(WriteBatch::InsertActor{actor("p1", "counter2", "p1", 3)});
  ASSERT_TRUE(store->commit_sync(std::move(b)));
  ASSERT_TRUE(store->commit_sync(destroy("c2", 9)));

  EXPECT_EQ(*store->count_actors(std::nullopt), 5u);
  EXPECT_EQ(*store->count_actors("counter"), 2u);
  EXPECT_EQ(*store->count_actors("counter2"), 1u);
  EXPECT_EQ(*store->count_actors("room"), 2u);
  EXPECT_EQ(*store->count_actors("nobody"), 0u);
  store->close();
  EXPECT_FALSE(store->count_actors(std::nullopt));
}

TEST_P(ActorsTest, NegativeCreateTsIsListed) {
  auto store = open();
  ASSERT_TRUE(store->commit_sync(insert(actor("old", "room", "k", INT64_MIN))));
  EXPECT_EQ(ids_of(*store->list_actors(std::nullopt, 10, std::nullopt)),
            (std::vector<std::string>{"old"}));
}

}  // namespace
}  // namespace rivet::storage::testing
