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

bool ActorState::unchanged(const Bytes& snapshot) const noexcept {
  return snapshot.size() == last_submitted_.size() &&
         (snapshot.empty() ||
          std::memcmp(snapshot.data(), last_submitted_.data(), snapshot.size()) == 0);
}

Result<std::optional<ActorState::Commit>> ActorState::prepare(const storage::ActorRecord& record,
                                                              bool force) {
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
      last_submitted_.assign(bytes->begin(), bytes->end());
      commit.batch.ops.emplace_back(
          storage::WriteBatch::Put{record.actor_id, kStateKey, std::move(*bytes)});
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
