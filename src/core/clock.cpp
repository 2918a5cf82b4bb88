#include "core/clock.hpp"

namespace rivet::detail {
namespace {

// Process-wide on purpose: timers need a static clock. Only tests change these.
std::atomic<bool> g_manual{false};
std::atomic<RuntimeClock::rep> g_offset{0};

}  // namespace

std::int64_t RuntimeClock::wall_ms() noexcept {
  const auto real = std::chrono::system_clock::now().time_since_epoch();
  return std::chrono::duration_cast<std::chrono::milliseconds>(real + offset()).count();
}

void RuntimeClock::enable_manual() noexcept { g_manual.store(true); }

void RuntimeClock::advance(duration d) noexcept { g_offset.fetch_add(d.count()); }

bool RuntimeClock::manual() noexcept { return g_manual.load(std::memory_order_relaxed); }

RuntimeClock::duration RuntimeClock::offset() noexcept {
  return duration(g_offset.load(std::memory_order_relaxed));
}

}  // namespace rivet::detail
