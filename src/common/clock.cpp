#include <rivet/common/clock.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace asio = boost::asio;

namespace rivet {

// What a ManualClock holds of a Timer: the Timer clears `owner` when it is re-armed or destroyed,
// both on the Timer's strand, where the posted fire() also runs.
struct Clock::Hook {
  Timer* owner = nullptr;
  asio::any_io_executor executor;
};

namespace {

class SystemClock final : public Clock {
 public:
  [[nodiscard]] time_point now() const noexcept override {
    return std::chrono::steady_clock::now();
  }
  [[nodiscard]] std::int64_t wall_ms() const noexcept override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

}  // namespace

const std::shared_ptr<Clock>& Clock::system() {
  static const std::shared_ptr<Clock> instance = std::make_shared<SystemClock>();
  return instance;
}

// -- ManualClock ----------------------------------------------------------------------------

Clock::time_point ManualClock::now() const noexcept {
  return std::chrono::steady_clock::now() + offset();
}

std::int64_t ManualClock::wall_ms() const noexcept {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch() + offset())
      .count();
}

Clock::time_point ManualClock::real_deadline(time_point deadline) const noexcept {
  if (deadline == time_point::max()) {
    return deadline;
  }
  return deadline - offset();
}

void ManualClock::watch(std::shared_ptr<Hook> hook, time_point deadline) const {
  std::lock_guard lock(mutex_);
  // Forget hooks whose timer went away or was re-armed, so the list stays small.
  std::erase_if(watched_, [](const auto& entry) { return entry.second.expired(); });
  watched_.emplace_back(deadline, std::move(hook));
}

void ManualClock::advance(duration d) {
  offset_.fetch_add(d.count());
  const auto at = now();
  std::vector<std::shared_ptr<Hook>> due;
  {
    std::lock_guard lock(mutex_);
    std::erase_if(watched_, [&](const auto& entry) {
      if (entry.first > at) {
        return entry.second.expired();
      }
      if (auto hook = entry.second.lock()) {
        due.push_back(std::move(hook));
      }
      return true;
    });
  }
  for (auto& hook : due) {
    asio::post(hook->executor, [hook] {
      if (hook->owner != nullptr) {
        hook->owner->fire();
      }
    });
  }
}

// -- Timer ----------------------------------------------------------------------------------

Timer::Timer(const Clock& clock, const asio::any_io_executor& executor)
    : clock_(&clock), timer_(executor, std::chrono::steady_clock::time_point::max()) {}

Timer::Timer(const Clock& clock, const asio::any_io_executor& executor, Clock::duration after)
    : Timer(clock, executor) {
  expires_after(after);
}

Timer::~Timer() {
  if (hook_) {
    hook_->owner = nullptr;
  }
}

void Timer::expires_at(Clock::time_point deadline) {
  deadline_ = deadline;
  timer_.expires_at(clock_->real_deadline(deadline));
  if (!clock_->jumps()) {
    return;
  }
  if (hook_) {
    hook_->owner = nullptr;  // a firing of the old deadline is ignored
  }
  hook_ = std::make_shared<Clock::Hook>();
  hook_->owner = this;
  hook_->executor = timer_.get_executor();
  clock_->watch(hook_, deadline);
}

void Timer::expires_never() {
  if (hook_) {
    hook_->owner = nullptr;
    hook_.reset();
  }
  deadline_ = Clock::time_point::max();
  timer_.expires_at(std::chrono::steady_clock::time_point::max());
}

void Timer::fire() {
  // Completes a pending wait now; the waiter re-reads the clock and sees its deadline passed.
  timer_.expires_at(std::chrono::steady_clock::time_point::min());
}

Task<bool> Timer::wait() {
  auto [ec] = co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
  co_return !ec || clock_->now() >= deadline_;
}

}  // namespace rivet
