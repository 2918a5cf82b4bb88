#pragma once
// The envoy's bookkeeping of commands and events (engine protocol spec §7.1, §7.2), kept across
// reconnects of the engine socket. Pure data, no I/O.
//
// Thread-safety: none; the engine link touches it only on its strand.

#include <rivet/protocol/envoy/commands.hpp>
#include <rivet/protocol/envoy/events.hpp>

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace rivet::server::envoy {

namespace wire = rivet::protocol::envoy;

/// Which commands were seen, so that the engine's replays after a reconnect run once, and
/// which ones to acknowledge next.
class CommandLedger {
 public:
  /// True when `checkpoint` is newer than every command seen for its (actor, generation): the
  /// command must run. A replay (index at or below the highest seen) is false.
  [[nodiscard]] bool accept(const wire::ActorCheckpoint& checkpoint);
  /// The highest checkpoint per (actor, generation) accepted since the last call; what
  /// ToRivetAckCommands carries. Empty when there is nothing new.
  [[nodiscard]] std::vector<wire::ActorCheckpoint> take_acks();
  /// Forgets the generations of `actor_id` older than `generation` (they never come back).
  void retire_before(const std::string& actor_id, std::uint32_t generation);

 private:
  using Key = std::pair<std::string, std::uint32_t>;
  std::map<Key, std::int64_t> highest_;
  std::map<Key, std::int64_t> unacked_;
};

/// Numbers the envoy's events per (actor, generation) from 0 and keeps each one until the engine
/// acknowledges it, so that it can be sent again after a reconnect.
class EventLog {
 public:
  /// The next event of (actor, generation), kept until acknowledged.
  [[nodiscard]] wire::EventWrapper append(const std::string& actor_id, std::uint32_t generation,
                                          wire::Event event);
  /// Drops every kept event at or below its (actor, generation)'s checkpoint.
  void ack(const std::vector<wire::ActorCheckpoint>& checkpoints);
  /// The kept events in the order they were appended: what to send again after a reconnect.
  [[nodiscard]] std::vector<wire::EventWrapper> unacked() const;
  [[nodiscard]] std::size_t size() const noexcept { return kept_.size(); }

 private:
  using Key = std::pair<std::string, std::uint32_t>;
  std::map<Key, std::int64_t> next_;
  std::deque<wire::EventWrapper> kept_;
};

}  // namespace rivet::server::envoy
