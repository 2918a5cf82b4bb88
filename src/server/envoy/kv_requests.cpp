#include "server/envoy/kv_requests.hpp"

#include <rivet/common/error_codes.hpp>

#include <algorithm>
#include <type_traits>
#include <variant>

namespace rivet::server::envoy {
namespace {

Error too_large(const codes::Code& code, const char* what, std::size_t size, std::size_t limit) {
  auto e = make_error(code, std::string(what) + " of " + std::to_string(size) +
                                " bytes is over the engine's limit of " + std::to_string(limit));
  e.metadata = {{"size", size}, {"limit", limit}, {"host", "engine"}};
  return e;
}

// Appends to `out` the request that `op` belongs to, opening a new one when the kind, the actor
// or a limit changes.
class Planner {
 public:
  Planner(const KvLimits& limits, std::vector<KvCall>& out) : limits_(limits), out_(out) {}

  Result<void> put(const storage::WriteBatch::Put& p) {
    if (p.key.size() > limits_.max_key_bytes) {
      return too_large(codes::kKvKeyTooLarge, "a key", p.key.size(), limits_.max_key_bytes);
    }
    if (p.value.size() > limits_.max_value_bytes) {
      return too_large(codes::kKvValueTooLarge, "a value", p.value.size(), limits_.max_value_bytes);
    }
    const auto bytes = p.key.size() + p.value.size();
    auto* open = last<wire::KvPutRequest>(p.actor_id);
    if (open == nullptr || open->keys.size() >= limits_.max_keys_per_request ||
        payload_ + bytes > limits_.max_put_payload_bytes) {
      out_.push_back(KvCall{p.actor_id, wire::KvPutRequest{}});
      open = &std::get<wire::KvPutRequest>(out_.back().data);
      payload_ = 0;
    }
    open->keys.push_back(p.key);
    open->values.push_back(p.value);
    payload_ += bytes;
    return {};
  }

  Result<void> del(const storage::WriteBatch::Delete& d) {
    if (d.key.size() > limits_.max_key_bytes) {
      return too_large(codes::kKvKeyTooLarge, "a key", d.key.size(), limits_.max_key_bytes);
    }
    auto* open = last<wire::KvDeleteRequest>(d.actor_id);
    if (open == nullptr || open->keys.size() >= limits_.max_keys_per_request) {
      out_.push_back(KvCall{d.actor_id, wire::KvDeleteRequest{}});
      open = &std::get<wire::KvDeleteRequest>(out_.back().data);
    }
    open->keys.push_back(d.key);
    return {};
  }

  void range(const storage::WriteBatch::DeleteRange& r) {
    // The engine's range delete excludes its end, as the store's does; "to the end" becomes a
    // key above every key the engine accepts.
    out_.push_back(KvCall{
        r.actor_id,
        wire::KvDeleteRangeRequest{r.start, r.end.empty() ? unbounded_end(limits_) : r.end}});
  }

  void drop(const std::string& actor_id) {
    out_.push_back(KvCall{actor_id, wire::KvDropRequest{}});
  }

 private:
  template <class T>
  T* last(const std::string& actor_id) {
    if (out_.empty() || out_.back().actor_id != actor_id) {
      return nullptr;
    }
    return std::get_if<T>(&out_.back().data);
  }

  const KvLimits& limits_;
  std::vector<KvCall>& out_;
  std::size_t payload_ = 0;
};

}  // namespace

Result<std::vector<KvCall>> plan_writes(const storage::WriteBatch& batch, const KvLimits& limits) {
  std::vector<KvCall> out;
  Planner planner(limits, out);
  for (const auto& op : batch.ops) {
    Result<void> step = std::visit(
        [&](const auto& o) -> Result<void> {
          using Op = std::decay_t<decltype(o)>;
          if constexpr (std::is_same_v<Op, storage::WriteBatch::Put>) {
            return planner.put(o);
          } else if constexpr (std::is_same_v<Op, storage::WriteBatch::Delete>) {
            return planner.del(o);
          } else if constexpr (std::is_same_v<Op, storage::WriteBatch::DeleteRange>) {
            planner.range(o);
            return {};
          } else if constexpr (std::is_same_v<Op, storage::WriteBatch::DestroyActor>) {
            planner.drop(o.actor_id);
            return {};
          } else {
            return make_error(codes::kCoreInternalError,
                              "actors are created by the engine in engine mode");
          }
        },
        op);
    if (!step) {
      return step.error();
    }
  }
  return out;
}

namespace {

std::size_t put_payload(const wire::KvPutRequest& put) {
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < put.keys.size(); ++i) {
    bytes += put.keys[i].size() + put.values[i].size();
  }
  return bytes;
}

// Joins `more` into `into` when the result stays within the limits; false leaves both as they
// were.
bool join(wire::KvPutRequest& into, wire::KvPutRequest& more, const KvLimits& limits) {
  std::size_t keys = into.keys.size();
  std::size_t bytes = put_payload(into);
  for (std::size_t i = 0; i < more.keys.size(); ++i) {
    auto it = std::find(into.keys.begin(), into.keys.end(), more.keys[i]);
    if (it == into.keys.end()) {
      ++keys;
      bytes += more.keys[i].size() + more.values[i].size();
    } else {
      const auto& old = into.values[static_cast<std::size_t>(it - into.keys.begin())];
      bytes = bytes - old.size() + more.values[i].size();
    }
  }
  if (keys > limits.max_keys_per_request || bytes > limits.max_put_payload_bytes) {
    return false;
  }
  for (std::size_t i = 0; i < more.keys.size(); ++i) {
    auto it = std::find(into.keys.begin(), into.keys.end(), more.keys[i]);
    if (it == into.keys.end()) {
      into.keys.push_back(std::move(more.keys[i]));
      into.values.push_back(std::move(more.values[i]));
    } else {
      into.values[static_cast<std::size_t>(it - into.keys.begin())] = std::move(more.values[i]);
    }
  }
  return true;
}

bool join(wire::KvDeleteRequest& into, wire::KvDeleteRequest& more, const KvLimits& limits) {
  std::vector<Bytes> added;
  for (auto& key : more.keys) {
    if (std::find(into.keys.begin(), into.keys.end(), key) == into.keys.end() &&
        std::find(added.begin(), added.end(), key) == added.end()) {
      added.push_back(std::move(key));
    }
  }
  if (into.keys.size() + added.size() > limits.max_keys_per_request) {
    // Put the moved keys back: the caller sends `more` on its own.
    more.keys = std::move(added);
    return false;
  }
  for (auto& key : added) {
    into.keys.push_back(std::move(key));
  }
  return true;
}

}  // namespace

void append_calls(std::vector<KvCall>& into, std::vector<KvCall> more, const KvLimits& limits) {
  for (auto& call : more) {
    bool joined = false;
    if (!into.empty() && into.back().actor_id == call.actor_id) {
      auto& last = into.back().data;
      if (auto* put = std::get_if<wire::KvPutRequest>(&call.data)) {
        if (auto* open = std::get_if<wire::KvPutRequest>(&last)) {
          joined = join(*open, *put, limits);
        }
      } else if (auto* del = std::get_if<wire::KvDeleteRequest>(&call.data)) {
        if (auto* open = std::get_if<wire::KvDeleteRequest>(&last)) {
          joined = join(*open, *del, limits);
        }
      }
    }
    if (!joined) {
      into.push_back(std::move(call));
    }
  }
}

std::vector<wire::KvGetRequest> plan_gets(const std::vector<Bytes>& keys, const KvLimits& limits) {
  std::vector<wire::KvGetRequest> out;
  for (const auto& key : keys) {
    if (out.empty() || out.back().keys.size() >= limits.max_keys_per_request) {
      out.emplace_back();
    }
    out.back().keys.push_back(key);
  }
  return out;
}

Bytes prefix_end(const Bytes& prefix) {
  Bytes end = prefix;
  while (!end.empty()) {
    if (end.back() != 0xff) {
      ++end.back();
      return end;
    }
    end.pop_back();
  }
  return end;
}

Bytes unbounded_end(const KvLimits& limits) {
  return Bytes(limits.max_key_bytes, 0xff);
}

}  // namespace rivet::server::envoy
