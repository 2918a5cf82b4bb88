#include "core/actor/activity_log.hpp"

#include <algorithm>
#include <chrono>

namespace rivet::detail {

namespace {

}  // namespace

std::string_view span_kind_name(SpanKind kind) noexcept {
  switch (kind) {
    case SpanKind::Action:
      return "action";
    case SpanKind::Hook:
      return "hook";
    case SpanKind::QueueMessage:
      return "queue";
    case SpanKind::WorkflowStep:
      return "workflow_step";
    case SpanKind::Schedule:
      return "schedule";
  }
  return "action";
}

Span finish_span(const Clock& clock, const SpanStart& start, SpanKind kind, std::string name,
                 std::optional<Error> error, std::string detail) {
  const auto elapsed =
      std::chrono::duration_cast<std::chrono::nanoseconds>(clock.now() - start.at).count();
  Span span;
  span.kind = kind;
  span.name = std::move(name);
  span.start_unix_ns = start.unix_ns;
  span.end_unix_ns = start.unix_ns + std::max<std::int64_t>(elapsed, 0);
  if (error || !detail.empty()) {
    span.extra = std::make_unique<SpanExtra>(SpanExtra{std::move(error), std::move(detail)});
  }
  return span;
}

ActivityLog::Rings& ActivityLog::rings() {
  if (!rings_) {
    rings_ = std::make_unique<Rings>();
  }
  return *rings_;
}

void ActivityLog::record(Span span, std::size_t capacity) {
  auto& r = rings();
  r.spans.bound(capacity);
  span.seq = r.next_seq++;
  r.spans.push(std::move(span));
}

void ActivityLog::record_event(std::shared_ptr<const SharedEvent> event, std::uint32_t receivers,
                               std::int64_t at_ms) {
  auto& r = rings();
  if (!r.events) {
    r.events = std::make_unique<Ring<EventRecord>>(kMaxEvents);
  }
  r.events->push(EventRecord{std::move(event), receivers, at_ms});
}

void ActivityLog::step_failed(const std::string& location, const Error& error,
                              std::int64_t at_ms) {
  auto& r = rings();
  if (!r.steps) {
    r.steps = std::make_unique<std::map<std::string, StepAttempts>>();
  }
  auto& steps = *r.steps;
  auto it = steps.find(location);
  if (it == steps.end()) {
    if (steps.size() >= kMaxSteps) {
      steps.erase(steps.begin());
    }
    it = steps.emplace(location, StepAttempts{}).first;
  }
  ++it->second.failures;
  it->second.last_error = error;
  it->second.last_attempt_ms = at_ms;
}

std::vector<const Span*> ActivityLog::spans() const {
  return rings_ ? rings_->spans.ordered() : std::vector<const Span*>();
}

std::vector<const EventRecord*> ActivityLog::events() const {
  return rings_ && rings_->events ? rings_->events->ordered() : std::vector<const EventRecord*>();
}

const std::map<std::string, StepAttempts>& ActivityLog::step_attempts() const noexcept {
  static const std::map<std::string, StepAttempts> kNone;
  return rings_ && rings_->steps ? *rings_->steps : kNone;
}

void ActivityArchive::keep(const std::string& actor_id, ActivityLog log) {
  if (log.empty()) {
    return;
  }
  std::lock_guard lock(mutex_);
  if (auto it = by_id_.find(actor_id); it != by_id_.end()) {
    order_.erase(it->second);
    by_id_.erase(it);
  }
  if (order_.size() >= kCapacity) {
    by_id_.erase(order_.front().first);
    order_.pop_front();
  }
  order_.emplace_back(actor_id, std::move(log));
  by_id_[actor_id] = std::prev(order_.end());
}

ActivityLog ActivityArchive::take(const std::string& actor_id) {
  std::lock_guard lock(mutex_);
  auto it = by_id_.find(actor_id);
  if (it == by_id_.end()) {
    return {};
  }
  ActivityLog log = std::move(it->second->second);
  order_.erase(it->second);
  by_id_.erase(it);
  return log;
}

void ActivityArchive::forget(const std::string& actor_id) {
  std::lock_guard lock(mutex_);
  if (auto it = by_id_.find(actor_id); it != by_id_.end()) {
    order_.erase(it->second);
    by_id_.erase(it);
  }
}

}  // namespace rivet::detail
