#include "core/actor/actor_state.hpp"

#include <rivet/protocol/encoding.hpp>

#include "core/state_keys.hpp"

#include <cstring>

namespace rivet::detail {

void ActorState::drop() noexcept {
  state_.reset();
  vars_.reset();
}

Result<Value> ActorState::value() const {
  if (!state_) {
    return Value();
  }
  try {
    return state_->to_value();
  } catch (const std::exception& e) {
    return make_error(codes::kCoreInternalError, e.what());
  }
}

Result<Bytes> ActorState::snapshot() const {
  try {
    return protocol::encode_compat_cbor(state_->to_value());
  } catch (const std::exception& e) {
    return make_error(codes::kCoreInternalError, e.what());
  }
}

void ActorState::loaded_from(const Bytes& stored, std::optional<ChunkLayout> layout) {
  last_submitted_.assign(stored.begin(), stored.end());
  chunks_ = layout ? std::make_unique<ChunkLayout>(std::move(*layout)) : nullptr;
}

void ActorState::stage_state(const std::string& actor_id, Bytes bytes, std::size_t chunk_threshold,
                             storage::WriteBatch& batch) {
  const std::span<const std::uint8_t> before(
      reinterpret_cast<const std::uint8_t*>(last_submitted_.data()), last_submitted_.size());
  if (chunk_threshold == 0 || bytes.size() < chunk_threshold) {
    last_submitted_.assign(bytes.begin(), bytes.end());
    batch.ops.emplace_back(storage::WriteBatch::Put{actor_id, kStateKey, std::move(bytes)});
    if (chunks_) {
      // Back to one row: every chunk goes, in the same batch as the row that replaces them.
      batch.ops.emplace_back(storage::WriteBatch::DeleteRange{actor_id, Bytes{kStateChunkPrefix},
                                                              Bytes{kStateChunkPrefix + 1}});
      chunks_.reset();
    }
    return;
  }
  const ChunkLayout none;
  auto plan = plan_chunks(bytes, before, chunks_ ? *chunks_ : none);
  // Order matters where a batch is applied in several requests (the engine's KV): new chunks
  // first, then the manifest that names them, then the deletes of chunks it no longer names.
  // Cut short at any point, the stored manifest still finds all of its chunks.
  for (auto index : plan.written) {
    const auto& c = plan.layout.chunks[index];
    const auto first = bytes.begin() + static_cast<std::ptrdiff_t>(c.offset);
    batch.ops.emplace_back(
        storage::WriteBatch::Put{actor_id, chunk_key(c.id), Bytes(first, first + c.length)});
  }
  batch.ops.emplace_back(
      storage::WriteBatch::Put{actor_id, kStateKey, encode_manifest(plan.layout)});
  for (auto id : plan.deleted) {
    batch.ops.emplace_back(storage::WriteBatch::Delete{actor_id, chunk_key(id)});
  }
  chunks_ = std::make_unique<ChunkLayout>(std::move(plan.layout));
  last_submitted_.assign(bytes.begin(), bytes.end());
}

bool ActorState::unchanged(const Bytes& snapshot) const noexcept {
  return snapshot.size() == last_submitted_.size() &&
         (snapshot.empty() ||
          std::memcmp(snapshot.data(), last_submitted_.data(), snapshot.size()) == 0);
}

Result<std::optional<ActorState::Commit>> ActorState::prepare(const storage::ActorRecord& record,
                                                              bool force,
                                                              std::size_t chunk_threshold) {
  Commit commit;
  commit.inserts_record = unborn_;
  if (unborn_) {
    commit.batch.ops.emplace_back(storage::WriteBatch::InsertActor{record});
  }
  if (state_) {
    auto bytes = snapshot();
    if (!bytes) {
      return bytes.error();
    }
    if (force || !unchanged(*bytes)) {
      stage_state(record.actor_id, std::move(*bytes), chunk_threshold, commit.batch);
    }
  }
  for (auto& op : pending_writes_.ops) {
    commit.batch.ops.push_back(std::move(op));
  }
  // Release the buffer, not just its elements: an Op is a few hundred bytes, and an idle actor
  // would otherwise keep the capacity of its last staged write for as long as it stays awake.
  std::vector<storage::WriteBatch::Op>().swap(pending_writes_.ops);
  commit.alarms = std::move(pending_alarms_);
  pending_alarms_.clear();
  // Nothing new and nothing in flight: the caller's view is already durable.
  if (commit.batch.empty() && durable_seq_ == submitted_seq_) {
    return std::optional<Commit>{};
  }
  commit.seq = ++submitted_seq_;
  return std::optional<Commit>(std::move(commit));
}

void ActorState::fail(const Error& error) {
  if (!failure_) {
    failure_ = std::make_unique<Error>(error);
  }
}

void ActorState::committed(const Commit& commit) noexcept {
  if (commit.seq > durable_seq_) {
    durable_seq_ = commit.seq;
  }
  if (commit.inserts_record) {
    unborn_ = false;
  }
}

}  // namespace rivet::detail
