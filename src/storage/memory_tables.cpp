#include "storage/memory_tables.hpp"

#include <algorithm>

namespace rivet::storage::detail {

namespace {

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

bool before_end(const Bytes& key, const Bytes& end) {
  return end.empty() || key < end;
}

}  // namespace

// -- reads -----------------------------------------------------------------------------------

std::optional<ActorRecord> MemoryTables::find_actor(std::string_view actor_id) const {
  auto it = actors_.find(actor_id);
  if (it == actors_.end()) {
    return std::nullopt;
  }
  return it->second;
}

std::optional<ActorRecord> MemoryTables::find_actor_by_key(std::string_view name,
                                                           std::string_view key) const {
  auto it = live_by_key_.find(LiveKey(name, key));
  if (it == live_by_key_.end()) {
    return std::nullopt;
  }
  return find_actor(it->second);
}

std::vector<ActorRecord> MemoryTables::list_actors(const std::optional<std::string>& name,
                                                   std::size_t limit,
                                                   std::optional<std::int64_t> after) const {
  // actors_ is in id order, so a stable sort by create_ts gives (create_ts, actor_id) order.
  std::vector<const ActorRecord*> live;
  for (const auto& [id, record] : actors_) {
    if (!record.destroy_ts && (!name || record.name == *name) &&
        (!after || record.create_ts > *after)) {
      live.push_back(&record);
    }
  }
  std::stable_sort(live.begin(), live.end(), [](const ActorRecord* a, const ActorRecord* b) {
    return a->create_ts < b->create_ts;
  });
  std::vector<ActorRecord> out;
  for (std::size_t i = 0; i < live.size() && i < limit; ++i) {
    out.push_back(*live[i]);
  }
  return out;
}

std::uint64_t MemoryTables::count_actors(const std::optional<std::string>& name) const {
  // live_by_key_ holds exactly the live actors, ordered by name first.
  if (!name) {
    return live_by_key_.size();
  }
  std::uint64_t n = 0;
  for (auto it = live_by_key_.lower_bound(LiveKey{*name, std::string()});
       it != live_by_key_.end() && it->first.first == *name; ++it) {
    ++n;
  }
  return n;
}

std::optional<Bytes> MemoryTables::kv_get(std::string_view actor_id, const Bytes& key) const {
  auto actor = rows_.find(actor_id);
  if (actor == rows_.end()) {
    return std::nullopt;
  }
  auto row = actor->second.find(key);
  if (row == actor->second.end()) {
    return std::nullopt;
  }
  return row->second;
}

std::vector<KvEntry> MemoryTables::kv_range(std::string_view actor_id, const Bytes& start,
                                            const Bytes& end, std::size_t limit) const {
  std::vector<KvEntry> out;
  auto actor = rows_.find(actor_id);
  if (actor == rows_.end()) {
    return out;
  }
  for (auto it = actor->second.lower_bound(start);
       it != actor->second.end() && before_end(it->first, end) && out.size() < limit; ++it) {
    out.push_back(KvEntry{it->first, it->second});
  }
  return out;
}

std::vector<Store::ActorKvEntry> MemoryTables::kv_range_all_actors(const Bytes& start,
                                                                   const Bytes& end) const {
  std::vector<Store::ActorKvEntry> out;
  for (const auto& [actor_id, rows] : rows_) {
    // Rows of an id with no live actor row (never inserted, or destroyed) are not listed.
    if (!is_live(actor_id)) {
      continue;
    }
    for (auto it = rows.lower_bound(start); it != rows.end() && before_end(it->first, end); ++it) {
      out.push_back(Store::ActorKvEntry{actor_id, KvEntry{it->first, it->second}});
    }
  }
  return out;
}

bool MemoryTables::is_live(std::string_view actor_id) const {
  auto it = actors_.find(actor_id);
  return it != actors_.end() && !it->second.destroy_ts;
}

// -- writes ----------------------------------------------------------------------------------

Result<void> MemoryTables::apply(const WriteBatch& batch) {
  undo_.clear();
  for (const auto& op : batch.ops) {
    if (auto r = apply_op(op); !r) {
      undo_batch();
      return r;
    }
  }
  undo_.clear();
  return {};
}

Result<void> MemoryTables::apply_op(const WriteBatch::Op& op) {
  return std::visit(
      Overloaded{
          [this](const WriteBatch::Put& o) -> Result<void> {
            set_row(o.actor_id, o.key, o.value);
            return {};
          },
          [this](const WriteBatch::Delete& o) -> Result<void> {
            set_row(o.actor_id, o.key, std::nullopt);  // a missing key is no error
            return {};
          },
          [this](const WriteBatch::DeleteRange& o) -> Result<void> {
            erase_rows(o.actor_id, o.start, o.end);
            return {};
          },
          [this](const WriteBatch::InsertActor& o) { return insert_actor(o.record); },
          [this](const WriteBatch::DestroyActor& o) { return destroy_actor(o); },
      },
      op);
}

Result<void> MemoryTables::insert_actor(const ActorRecord& record) {
  // The same precedence as the SQLite store: a live (name, key) holder is reported as such, even
  // when the id is taken too.
  if (!record.destroy_ts) {
    auto holder = live_by_key_.find(LiveKey(record.name, record.key));
    if (holder != live_by_key_.end()) {
      return errors::duplicate_key(record.key, holder->second);
    }
  }
  if (actors_.contains(record.actor_id)) {
    return errors::storage("actor id '" + record.actor_id + "' already exists");
  }
  set_actor(record.actor_id, record);
  return {};
}

Result<void> MemoryTables::destroy_actor(const WriteBatch::DestroyActor& op) {
  auto it = actors_.find(op.actor_id);
  if (it == actors_.end()) {
    return errors::actor_not_found();
  }
  // Destroying twice keeps the first destroy_ts; the rows go either way.
  if (!it->second.destroy_ts) {
    ActorRecord destroyed = it->second;
    destroyed.destroy_ts = op.destroy_ts;
    set_actor(op.actor_id, std::move(destroyed));
  }
  erase_rows(op.actor_id, {}, {});
  return {};
}

void MemoryTables::erase_rows(const std::string& actor_id, const Bytes& start, const Bytes& end) {
  std::vector<Bytes> keys;
  if (auto actor = rows_.find(actor_id); actor != rows_.end()) {
    for (auto it = actor->second.lower_bound(start);
         it != actor->second.end() && before_end(it->first, end); ++it) {
      keys.push_back(it->first);
    }
  }
  for (const auto& key : keys) {
    set_row(actor_id, key, std::nullopt);
  }
}

void MemoryTables::set_row(const std::string& actor_id, const Bytes& key,
                           std::optional<Bytes> value) {
  auto previous = write_row(actor_id, key, std::move(value));
  undo_.push_back(RowUndo{actor_id, key, std::move(previous)});
}

void MemoryTables::set_actor(const std::string& actor_id, std::optional<ActorRecord> record) {
  auto previous = write_actor(actor_id, std::move(record));
  undo_.push_back(ActorUndo{actor_id, std::move(previous)});
}

std::optional<Bytes> MemoryTables::write_row(const std::string& actor_id, const Bytes& key,
                                             std::optional<Bytes> value) {
  std::optional<Bytes> previous;
  auto actor = rows_.find(actor_id);
  if (actor != rows_.end()) {
    if (auto row = actor->second.find(key); row != actor->second.end()) {
      previous = std::move(row->second);
      actor->second.erase(row);
    }
  }
  if (value) {
    if (actor == rows_.end()) {
      actor = rows_.emplace(actor_id, Rows{}).first;
    }
    actor->second.emplace(key, std::move(*value));
  } else if (actor != rows_.end() && actor->second.empty()) {
    rows_.erase(actor);
  }
  return previous;
}

std::optional<ActorRecord> MemoryTables::write_actor(const std::string& actor_id,
                                                     std::optional<ActorRecord> record) {
  std::optional<ActorRecord> previous;
  if (auto it = actors_.find(actor_id); it != actors_.end()) {
    previous = std::move(it->second);
    actors_.erase(it);
    if (!previous->destroy_ts) {
      live_by_key_.erase(LiveKey(previous->name, previous->key));
    }
  }
  if (record) {
    if (!record->destroy_ts) {
      live_by_key_.emplace(LiveKey(record->name, record->key), actor_id);
    }
    actors_.emplace(actor_id, std::move(*record));
  }
  return previous;
}

void MemoryTables::undo_batch() {
  for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) {
    std::visit(Overloaded{
                   [this](RowUndo& u) { write_row(u.actor_id, u.key, std::move(u.previous)); },
                   [this](ActorUndo& u) { write_actor(u.actor_id, std::move(u.previous)); },
               },
               *it);
  }
  undo_.clear();
}

}  // namespace rivet::storage::detail
