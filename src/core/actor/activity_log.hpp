#pragma once
// What an actor did lately, for the inspector: a span per action, hook, queue message, workflow
// step and schedule run (traces), the events it broadcast, and the failed attempts of workflow
// steps not recorded yet. Each kind is a bounded ring, allocated on first use so that an actor
// that is never looked at pays one pointer. The rings outlive a sleep: the runtime keeps the
// logs of recently stopped actors (ActivityArchive) and hands them back on wake.
//
// Strand-affine: an ActivityLog is used on its actor's strand. ActivityArchive is thread-safe.

#include <rivet/common/clock.hpp>
#include <rivet/common/error.hpp>
#include <rivet/core/shared_event.hpp>

#include <cstddef>
#include <cstdint>
#include <vector>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace rivet::detail {

enum class SpanKind : std::uint8_t { Action, Hook, QueueMessage, WorkflowStep, Schedule };

[[nodiscard]] std::string_view span_kind_name(SpanKind kind) noexcept;

/// What a failed or annotated span carries besides its timing (most spans have none).
struct SpanExtra {
  std::optional<Error> error;
  std::string detail;
};

struct Span {
  std::string name;
  std::int64_t start_unix_ns = 0;
  std::int64_t end_unix_ns = 0;
  /// Numbers the actor's spans from 1 (their ids derive from it).
  std::uint64_t seq = 0;
  /// Set when the work failed or there is something to say (connection id, message id).
  std::unique_ptr<SpanExtra> extra;
  SpanKind kind = SpanKind::Action;

  [[nodiscard]] const Error* error() const noexcept {
    return extra && extra->error ? &*extra->error : nullptr;
  }
  [[nodiscard]] std::string_view detail() const noexcept {
    return extra ? std::string_view(extra->detail) : std::string_view();
  }
};

/// A bounded ring that grows as it fills (an actor that did little holds little).
template <class T>
class Ring {
 public:
  explicit Ring(std::size_t capacity = 0) : capacity_(capacity) {}
  /// Sets the capacity of a ring that has none yet.
  void bound(std::size_t capacity) noexcept {
    if (capacity_ == 0) {
      capacity_ = capacity;
    }
  }
  void push(T item) {
    if (capacity_ == 0) {
      return;
    }
    if (items_.size() < capacity_) {
      items_.push_back(std::move(item));
      return;
    }
    items_[head_] = std::move(item);
    head_ = (head_ + 1) % capacity_;
  }
  [[nodiscard]] std::size_t size() const noexcept { return items_.size(); }
  /// The items, oldest first.
  [[nodiscard]] std::vector<const T*> ordered() const {
    std::vector<const T*> out;
    out.reserve(items_.size());
    for (std::size_t i = 0; i < items_.size(); ++i) {
      out.push_back(&items_[(head_ + i) % items_.size()]);
    }
    return out;
  }

 private:
  std::vector<T> items_;
  std::size_t head_ = 0;
  std::size_t capacity_;
};

/// When a span began: the wall clock for its timestamp, the monotonic one for its duration.
struct SpanStart {
  std::int64_t unix_ns = 0;
  Clock::time_point at;
  [[nodiscard]] static SpanStart now(const Clock& clock) noexcept {
    return SpanStart{clock.wall_ms() * 1'000'000, clock.now()};
  }
};

/// The span of work that began at `start` and ends now.
[[nodiscard]] Span finish_span(const Clock& clock, const SpanStart& start, SpanKind kind,
                               std::string name, std::optional<Error> error,
                               std::string detail = {});

struct EventRecord {
  std::shared_ptr<const SharedEvent> event;
  std::uint32_t receivers = 0;
  std::int64_t at_ms = 0;
};

struct StepAttempts {
  std::uint32_t failures = 0;
  std::optional<Error> last_error;
  std::int64_t last_attempt_ms = 0;
};

class ActivityLog {
 public:
  static constexpr std::size_t kMaxEvents = 128;
  static constexpr std::size_t kMaxSteps = 256;

  /// Keeps the latest `capacity` spans (the capacity given first).
  void record(Span span, std::size_t capacity);
  void record_event(std::shared_ptr<const SharedEvent> event, std::uint32_t receivers,
                    std::int64_t at_ms);
  /// A workflow step ran and failed without being recorded (it runs again on the next replay).
  void step_failed(const std::string& location, const Error& error, std::int64_t at_ms);

  /// Oldest first. Empty when nothing was recorded.
  [[nodiscard]] std::vector<const Span*> spans() const;
  [[nodiscard]] std::vector<const EventRecord*> events() const;
  [[nodiscard]] const std::map<std::string, StepAttempts>& step_attempts() const noexcept;

  [[nodiscard]] bool empty() const noexcept { return rings_ == nullptr; }

 private:
  // Each part is allocated on first use: most actors never fail a step, many broadcast nothing.
  struct Rings {
    Ring<Span> spans;  // bounded by the first record()
    std::unique_ptr<Ring<EventRecord>> events;
    std::unique_ptr<std::map<std::string, StepAttempts>> steps;
    std::uint64_t next_seq = 1;
  };
  Rings& rings();

  std::unique_ptr<Rings> rings_;
};

/// The activity logs of recently stopped actors, so a wake does not start from nothing. Keeps
/// the most recent kCapacity logs.
class ActivityArchive {
 public:
  static constexpr std::size_t kCapacity = 1024;

  void keep(const std::string& actor_id, ActivityLog log);
  /// The kept log of `actor_id` (removed from the archive), or an empty one.
  [[nodiscard]] ActivityLog take(const std::string& actor_id);
  void forget(const std::string& actor_id);

 private:
  std::mutex mutex_;
  std::list<std::pair<std::string, ActivityLog>> order_;  // oldest first
  std::unordered_map<std::string, std::list<std::pair<std::string, ActivityLog>>::iterator> by_id_;
};

}  // namespace rivet::detail
