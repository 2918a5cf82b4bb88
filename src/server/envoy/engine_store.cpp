#include "server/envoy/engine_store.hpp"

#include <rivet/common/error_codes.hpp>

#include <algorithm>
#include <future>

namespace rivet::server::envoy {
namespace {

Error store_error(std::string message) {
  return make_error(codes::kStorageFailure, std::move(message));
}

// Both list answers carry keys and values side by side.
template <class Response>
std::vector<storage::KvEntry> entries_of(Response& r) {
  std::vector<storage::KvEntry> out;
  const auto n = std::min(r.keys.size(), r.values.size());
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(storage::KvEntry{std::move(r.keys[i]), std::move(r.values[i])});
  }
  return out;
}

}  // namespace

EngineStore::EngineStore(std::chrono::milliseconds read_timeout) : read_timeout_(read_timeout) {}

EngineStore::~EngineStore() {
  close();
}

void EngineStore::set_link(std::shared_ptr<EngineLink> link) {
  link_ = std::move(link);
}

void EngineStore::register_actor(storage::ActorRecord record) {
  std::lock_guard lock(mutex_);
  auto id = record.actor_id;
  actors_.insert_or_assign(std::move(id), std::move(record));
}

Result<std::optional<storage::ActorRecord>> EngineStore::find_actor(std::string_view actor_id) {
  std::lock_guard lock(mutex_);
  auto it = actors_.find(actor_id);
  if (it == actors_.end()) {
    return std::optional<storage::ActorRecord>{};
  }
  return std::optional<storage::ActorRecord>(it->second);
}

Result<std::optional<storage::ActorRecord>> EngineStore::find_actor_by_key(std::string_view name,
                                                                           std::string_view key) {
  std::lock_guard lock(mutex_);
  for (const auto& [id, record] : actors_) {
    if (record.name == name && record.key == key && !record.destroy_ts) {
      return std::optional<storage::ActorRecord>(record);
    }
  }
  return std::optional<storage::ActorRecord>{};
}

Result<std::vector<storage::ActorRecord>> EngineStore::list_actors(
    std::optional<std::string> name, std::size_t limit,
    std::optional<std::int64_t> after_create_ts) {
  std::vector<storage::ActorRecord> out;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, record] : actors_) {
      if (record.destroy_ts || (name && record.name != *name) ||
          (after_create_ts && record.create_ts <= *after_create_ts)) {
        continue;
      }
      out.push_back(record);
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(a.create_ts, a.actor_id) < std::tie(b.create_ts, b.actor_id);
  });
  if (out.size() > limit) {
    out.resize(limit);
  }
  return out;
}

Result<wire::KvResponseData> EngineStore::request(std::string actor_id, wire::KvRequestData data) {
  if (!link_) {
    return store_error("engine store used before the engine link was set");
  }
  auto promise = std::make_shared<std::promise<Result<wire::KvResponseData>>>();
  auto future = promise->get_future();
  link_->kv(std::move(actor_id), std::move(data),
            [promise](Result<wire::KvResponseData> r) { promise->set_value(std::move(r)); });
  if (future.wait_for(read_timeout_) != std::future_status::ready) {
    return store_error("the engine did not answer a KV read in time");
  }
  return future.get();
}

Result<std::optional<Bytes>> EngineStore::kv_get(std::string_view actor_id, const Bytes& key) {
  auto many = kv_get_many(actor_id, {key});
  if (!many) {
    return many.error();
  }
  return std::move(many->front());
}

Result<std::vector<std::optional<Bytes>>> EngineStore::kv_get_many(std::string_view actor_id,
                                                                   const std::vector<Bytes>& keys) {
  std::map<Bytes, Bytes> found;
  for (auto& get : plan_gets(keys)) {
    auto answer = request(std::string(actor_id), std::move(get));
    if (!answer) {
      return answer.error();
    }
    auto* response = std::get_if<wire::KvGetResponse>(&*answer);
    if (response == nullptr) {
      return store_error("unexpected answer to a KV get");
    }
    for (auto& entry : entries_of(*response)) {
      found.insert_or_assign(std::move(entry.key), std::move(entry.value));
    }
  }
  std::vector<std::optional<Bytes>> out;
  out.reserve(keys.size());
  for (const auto& key : keys) {
    auto it = found.find(key);
    out.push_back(it == found.end() ? std::nullopt : std::optional<Bytes>(it->second));
  }
  return out;
}

Result<std::vector<storage::KvEntry>> EngineStore::kv_range(std::string_view actor_id,
                                                            const Bytes& start, const Bytes& end,
                                                            std::size_t limit) {
  const KvLimits limits;
  std::vector<storage::KvEntry> out;
  Bytes from = start;
  // Pages of at most the engine's list limit, each starting just after the previous one's last key.
  while (out.size() < limit) {
    const auto want = std::min(limit - out.size(), limits.max_list_entries);
    wire::KvListRequest list{
        wire::KvListRangeQuery{from, end.empty() ? unbounded_end(limits) : end, !end.empty()},
        std::nullopt, static_cast<std::uint64_t>(want)};
    auto answer = request(std::string(actor_id), std::move(list));
    if (!answer) {
      return answer.error();
    }
    auto* response = std::get_if<wire::KvListResponse>(&*answer);
    if (response == nullptr) {
      return store_error("unexpected answer to a KV list");
    }
    auto page = entries_of(*response);
    const bool full = page.size() >= want;
    for (auto& entry : page) {
      out.push_back(std::move(entry));
    }
    if (!full || out.empty()) {
      break;
    }
    from = out.back().key;
    from.push_back(0);
  }
  return out;
}

Result<std::vector<storage::KvEntry>> EngineStore::kv_prefix(std::string_view actor_id,
                                                             const Bytes& prefix,
                                                             std::size_t limit) {
  return kv_range(actor_id, prefix, prefix_end(prefix), limit);
}

Result<std::vector<storage::Store::ActorKvEntry>> EngineStore::kv_prefix_all_actors(
    const Bytes& /*prefix*/) {
  return std::vector<ActorKvEntry>{};
}

void EngineStore::commit(storage::WriteBatch batch, Callback done) {
  auto calls = plan_writes(batch);
  if (!calls) {
    // Refused before anything was sent: the batch leaves no trace and poisons no fence.
    done(calls.error());
    return;
  }
  Queued q;
  q.calls = std::move(*calls);
  for (const auto& call : q.calls) {
    if (std::find(q.actors.begin(), q.actors.end(), call.actor_id) == q.actors.end()) {
      q.actors.push_back(call.actor_id);
    }
  }
  for (const auto& op : batch.ops) {
    if (const auto* d = std::get_if<storage::WriteBatch::DestroyActor>(&op)) {
      q.destroyed.push_back(d->actor_id);
    }
  }
  q.fence = batch.fence;
  q.release_fence = batch.release_fence;
  q.rows = batch.ops.size();
  q.done.push_back(std::move(done));
  Completions completions;
  {
    std::lock_guard lock(mutex_);
    if (closed_) {
      completions.emplace_back(std::move(q.done.front()),
                               store_error("the engine store is closed"));
    } else {
      queue_.push_back(std::move(q));
      advance(completions);
    }
  }
  run(completions);
}

void EngineStore::run(Completions& completions) {
  for (auto& [done, outcome] : completions) {
    done(std::move(outcome));
  }
}

void EngineStore::advance(Completions& completions) {
  // Actors and fences of the unfinished batches seen so far: a batch that shares one with an
  // earlier batch waits for it, whether that one runs or waits itself.
  std::set<std::string_view> busy_actors;
  std::set<std::uint64_t> busy_fences;
  for (auto it = queue_.begin(); it != queue_.end() && running_ < kMaxRunning;) {
    auto& q = *it;
    if (!q.running) {
      const bool barrier = q.calls.empty() && q.fence == 0;
      bool blocked =
          (barrier && it != queue_.begin()) || (q.fence != 0 && busy_fences.contains(q.fence));
      for (const auto& actor : q.actors) {
        blocked = blocked || busy_actors.contains(actor);
      }
      if (!blocked) {
        if (q.release_fence) {
          poisoned_.erase(q.fence);
        }
        if (q.fence != 0 && poisoned_.contains(q.fence)) {
          auto next = std::next(it);
          finish(it, store_error("an earlier commit of this actor failed"), completions);
          it = next;
          continue;
        }
        if (q.calls.empty()) {
          auto next = std::next(it);
          finish(it, Result<void>{}, completions);
          it = next;
          continue;
        }
        join_followers(it);
        q.running = true;
        ++running_;
        issue(it, 0);
      }
    }
    for (const auto& actor : q.actors) {
      busy_actors.insert(actor);
    }
    if (q.fence != 0) {
      busy_fences.insert(q.fence);
    }
    ++it;
  }
}

void EngineStore::join_followers(Entry entry) {
  if (entry->actors.size() != 1 || entry->release_fence) {
    return;
  }
  const std::string& actor = entry->actors.front();
  for (auto it = std::next(entry); it != queue_.end() && entry->batches < kMaxJoined;) {
    auto& next = *it;
    const bool touches =
        std::find(next.actors.begin(), next.actors.end(), actor) != next.actors.end() ||
        (entry->fence != 0 && next.fence == entry->fence);
    if (!touches) {
      ++it;
      continue;
    }
    if (next.running || next.actors.size() != 1 || next.fence != entry->fence ||
        next.release_fence) {
      break;  // it must wait for this batch to finish
    }
    append_calls(entry->calls, std::move(next.calls));
    for (auto& id : next.destroyed) {
      entry->destroyed.push_back(std::move(id));
    }
    entry->batches += next.batches;
    entry->rows += next.rows;
    for (auto& done : next.done) {
      entry->done.push_back(std::move(done));
    }
    it = queue_.erase(it);
  }
}

void EngineStore::issue(Entry entry, std::size_t index) {
  auto call = std::move(entry->calls[index]);
  // The callback runs on the link's strand, never inline: the caller may hold mutex_.
  link_->kv(std::move(call.actor_id), std::move(call.data),
            [this, entry, index](Result<wire::KvResponseData> r) {
              Completions completions;
              {
                std::lock_guard lock(mutex_);
                if (r && index + 1 < entry->calls.size()) {
                  issue(entry, index + 1);
                } else {
                  finish(entry, r ? Result<void>{} : Result<void>(r.error()), completions);
                  advance(completions);
                }
              }
              run(completions);
            });
}

void EngineStore::finish(Entry entry, Result<void> outcome, Completions& completions) {
  if (entry->running) {
    --running_;
  }
  if (outcome) {
    ++stats_.transactions;
    stats_.batches += entry->batches;
    stats_.rows += entry->rows;
    for (const auto& id : entry->destroyed) {
      if (auto it = actors_.find(id); it != actors_.end()) {
        it->second.destroy_ts = 1;
      }
    }
  } else if (entry->fence != 0) {
    poisoned_.insert(entry->fence);
  }
  for (auto& done : entry->done) {
    completions.emplace_back(std::move(done), outcome);
  }
  queue_.erase(entry);
}

Result<void> EngineStore::commit_sync(storage::WriteBatch batch) {
  auto promise = std::make_shared<std::promise<Result<void>>>();
  auto future = promise->get_future();
  commit(std::move(batch), [promise](Result<void> r) { promise->set_value(std::move(r)); });
  return future.get();
}

storage::StoreStats EngineStore::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void EngineStore::close() {
  std::list<Queued> pending;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    if (running_ > 0) {
      return;  // their callbacks finish them; the link fails them when it stops
    }
    pending = std::move(queue_);
    queue_.clear();
  }
  for (auto& q : pending) {
    for (auto& done : q.done) {
      done(store_error("the engine store is closed"));
    }
  }
}

}  // namespace rivet::server::envoy
