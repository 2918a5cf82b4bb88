#pragma once
// An actor's state and vars, and the writes that ride with its next durable commit. It decides
// what a commit carries (the state only when it changed since the last one handed to storage)
// and tracks which commits are durable, so a call that only read state still waits for the
// commits before it.
//
// Strand-affine: used only on the actor's strand.

#include <rivet/core/definition.hpp>
#include <rivet/storage/store.hpp>

#include "core/actor/state_chunks.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rivet::detail {

class ActorState {
 public:
  /// What one commit carries and what to do once it is durable.
  struct Commit {
    storage::WriteBatch batch;
    std::vector<std::int64_t> alarms;  // arm once durable
    std::uint64_t seq = 0;
    bool inserts_record = false;
  };

  [[nodiscard]] bool has_state() const noexcept { return state_ != nullptr; }
  [[nodiscard]] void* state_ptr() noexcept { return state_ ? state_->get() : nullptr; }
  /// An actor without a createVars hook has NoVars: one shared empty object, no box per actor.
  [[nodiscard]] void* vars_ptr() noexcept {
    static NoVars none;
    return vars_ ? vars_->get() : &none;
  }
  void set_state(std::unique_ptr<AnyBox> state) noexcept { state_ = std::move(state); }
  void set_vars(std::unique_ptr<AnyBox> vars) noexcept { vars_ = std::move(vars); }
  /// The state as loaded from storage (so an unchanged state is not written back), and its
  /// chunks when it was stored chunked.
  void loaded_from(const Bytes& stored, std::optional<ChunkLayout> layout = {});
  /// Drops state and vars (the actor stopped).
  void drop() noexcept;

  /// The record is not stored yet; the next commit inserts it.
  void mark_unborn() noexcept { unborn_ = true; }
  /// Adds a write to the next commit (schedules, queue rows, workflow history).
  void stage_write(storage::WriteBatch::Op op) { pending_writes_.ops.push_back(std::move(op)); }
  /// Arms the alarm at `due_ms` once the next commit is durable.
  void stage_alarm(std::int64_t due_ms) { pending_alarms_.push_back(due_ms); }

  /// The state as a compat value (null without state); core.internal_error when the user type
  /// fails to convert.
  [[nodiscard]] Result<Value> value() const;
  /// The serialized state; core.internal_error when the user type fails to serialize.
  [[nodiscard]] Result<Bytes> snapshot() const;
  /// Whether `snapshot` is the state last handed to storage.
  [[nodiscard]] bool unchanged(const Bytes& snapshot) const noexcept;
  /// The next commit for `record` (the state when changed, or always with `force`), or nullopt
  /// when there is nothing to write and nothing in flight to wait for. A state of at least
  /// `chunk_threshold` bytes (0: none) goes out as its changed chunks plus a manifest.
  [[nodiscard]] Result<std::optional<Commit>> prepare(const storage::ActorRecord& record,
                                                      bool force, std::size_t chunk_threshold = 0);
  /// `commit` is durable.
  void committed(const Commit& commit) noexcept;

  // -- commit failures ---------------------------------------------------------------------
  /// The fence every commit of this instance carries (storage::WriteBatch::fence): once one of
  /// them fails, the store fails the ones queued after it too.
  [[nodiscard]] std::uint64_t fence() const noexcept { return fence_; }
  void set_fence(std::uint64_t fence) noexcept { fence_ = fence; }
  /// A commit failed: the state in memory is ahead of storage for good, and this instance
  /// commits nothing more (the actor reloads from storage). The first failure is kept.
  void fail(const Error& error);
  /// The commit failure this instance met, or null.
  [[nodiscard]] const Error* failure() const noexcept { return failure_.get(); }

 private:
  /// Adds the writes that store `bytes` as the state to `batch`: one row, or the changed chunks
  /// and a manifest.
  void stage_state(const std::string& actor_id, Bytes bytes, std::size_t chunk_threshold,
                   storage::WriteBatch& batch);

  std::unique_ptr<AnyBox> state_;
  std::unique_ptr<AnyBox> vars_;
  // The state bytes last handed to storage, to skip unchanged states. A string, not Bytes: its
  // small buffer keeps a small state (most of them) inside the actor, with no allocation.
  std::string last_submitted_;
  // The chunks of last_submitted_ when it went out chunked; null for a one-row state (most
  // actors), which then pays 8 bytes for it.
  std::unique_ptr<ChunkLayout> chunks_;
  std::uint64_t submitted_seq_ = 0;
  std::uint64_t durable_seq_ = 0;
  storage::WriteBatch pending_writes_;
  std::vector<std::int64_t> pending_alarms_;
  bool unborn_ = false;
  std::uint64_t fence_ = 0;
  std::unique_ptr<Error> failure_;  // a pointer: an actor that never fails pays 8 bytes
};

}  // namespace rivet::detail
