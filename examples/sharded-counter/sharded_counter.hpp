// Sharding and fan-out/fan-in: a hot counter split over shard actors. `hits` (the coordinator,
// one per page) sends each increment to one of its shards (`hitShard[page, i]`) so that writes
// spread over several actors, and `total` asks every shard and adds up the answers. Shards are
// ordinary actors: durable, asleep when idle, addressed by a compound key.
#pragma once

#include <rivet/rivet.hpp>

#include <cstdint>
#include <string>

namespace sharded_counter {

inline constexpr std::int64_t kShards = 4;

struct Shard {
  std::int64_t count = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Shard, count)

struct Coordinator {
  std::int64_t next_shard = 0;  // round robin
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Coordinator, next_shard)

inline rivet::protocol::ActorKey shard_key(const rivet::protocol::ActorKey& page, std::int64_t i) {
  auto key = page;
  key.push_back(std::to_string(i));
  return key;
}

inline rivet::Registry make_registry() {
  auto shard = rivet::actor<Shard>("hitShard")
                   .action("add", [](auto& c, std::int64_t n) { return c.state().count += n; })
                   .action("count", [](auto& c) { return c.state().count; });
  auto hits =
      rivet::actor<Coordinator>("hits")
          .action("hit",
                  [](auto& c, std::int64_t n) -> rivet::Task<std::int64_t> {
                    const auto i = c.state().next_shard;
                    c.state().next_shard = (i + 1) % kShards;
                    auto target = c.client().get_or_create("hitShard", shard_key(c.key(), i));
                    co_return co_await target.template call<std::int64_t>("add", n);
                  })
          .action("total", [](auto& c) -> rivet::Task<std::int64_t> {
            std::int64_t sum = 0;
            for (std::int64_t i = 0; i < kShards; ++i) {
              auto target = c.client().get_or_create("hitShard", shard_key(c.key(), i));
              sum += co_await target.template call<std::int64_t>("count");
            }
            co_return sum;
          });
  rivet::Registry registry;
  registry.use(shard);
  registry.use(hits);
  return registry;
}

}  // namespace sharded_counter
