// A workflow loop: a subscription's whole life as one durable workflow. It starts a trial, sleeps
// until the trial ends, then loops once per billing period: charge the card, sleep a month. A
// declined card makes the subscription past due and retries daily; after the last failed attempt,
// or once the customer asked to cancel, the loop ends and the subscription closes. The workflow
// may sleep for weeks: the actor sleeps too, a restart loses nothing, and a step that completed
// (a charge) is never run again when the workflow replays.
#pragma once

#include <rivet/rivet.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace subscription {

using Days = std::chrono::duration<std::int64_t, std::ratio<86400>>;

inline constexpr Days kTrial{14};
inline constexpr Days kPeriod{30};
inline constexpr Days kRetryAfter{1};
inline constexpr std::int64_t kMaxAttempts = 3;

/// Stands in for the card processor (a real one is an HTTP API). Like real ones it is idempotent
/// per key: a charge step may run a second time if the server dies after the charge but before
/// the step's commit, and the key turns that second charge into a lookup.
class FakePayments {
 public:
  /// Returns the charge id; throws card_declined when a decline is pending.
  std::string charge(const std::string& idempotency_key, std::int64_t cents) {
    std::lock_guard lock(mutex_);
    calls_ += 1;
    if (auto done = charges_.find(idempotency_key); done != charges_.end()) {
      return done->second;
    }
    if (declines_ > 0) {
      declines_ -= 1;
      throw rivet::UserError("card declined", "card_declined");
    }
    auto id = "ch_" + std::to_string(charges_.size() + 1);
    charges_[idempotency_key] = id;
    charged_cents_ += cents;
    return id;
  }
  void decline_next(int n) {
    std::lock_guard lock(mutex_);
    declines_ = n;
  }
  /// Every request the processor received, declined or repeated ones included.
  [[nodiscard]] int calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  [[nodiscard]] std::int64_t charged_cents() const {
    std::lock_guard lock(mutex_);
    return charged_cents_;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::string> charges_;
  int declines_ = 0;
  int calls_ = 0;
  std::int64_t charged_cents_ = 0;
};

struct Invoice {
  std::int64_t period = 0;
  std::int64_t cents = 0;
  std::string charge_id;
  std::int64_t paid_at_ms = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Invoice, period, cents, charge_id, paid_at_ms)

struct Subscription {
  std::string plan;
  std::int64_t price_cents = 0;
  std::string status;  // trialing, active, past_due, then canceled or unpaid
  bool cancel_at_period_end = false;
  std::int64_t periods_paid = 0;
  std::int64_t failed_attempts = 0;
  std::int64_t renews_at_ms = 0;
  std::vector<Invoice> invoices;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Subscription, plan, price_cents, status,
                                                cancel_at_period_end, periods_paid,
                                                failed_attempts, renews_at_ms, invoices)

using Ctx = rivet::ActionContext<Subscription>;

inline std::int64_t ms(Days d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

/// One billing attempt: an iteration of the loop. Finished iterations are compacted out of the
/// history, so a subscription that runs for years keeps a short one.
inline rivet::Task<rivet::LoopControl> billing_cycle(Ctx& c, rivet::Workflow& it,
                                                     std::shared_ptr<FakePayments> payments) {
  // The flag is read inside a step: an action may flip it at any time, and a replay must take
  // the branch this iteration took the first time.
  const bool cancel =
      co_await it.step("check-cancel", [&] { return c.state().cancel_at_period_end; });
  if (cancel) {
    co_return rivet::LoopControl::Break;
  }
  // try_step: a decline is an outcome to act on, not a failure that restarts the workflow.
  auto charged = co_await it.try_step("charge", [&] {
    auto& s = c.state();
    const auto period = s.periods_paid + 1;
    const auto key = c.key().at(0) + "/" + std::to_string(period);
    auto id = payments->charge(key, s.price_cents);  // throws before any state change
    s.periods_paid = period;
    s.status = "active";
    s.failed_attempts = 0;
    s.renews_at_ms = c.now_ms() + ms(kPeriod);
    s.invoices.push_back({period, s.price_cents, id, c.now_ms()});
    return id;
  });
  if (charged) {
    co_await it.sleep("paid-period", kPeriod);
    co_return rivet::LoopControl::Continue;
  }
  const auto attempts = co_await it.step("past-due", [&] {
    auto& s = c.state();
    s.status = "past_due";
    s.failed_attempts += 1;
    c.broadcast("paymentFailed", s.failed_attempts);
    return s.failed_attempts;
  });
  if (attempts >= kMaxAttempts) {
    co_return rivet::LoopControl::Break;
  }
  co_await it.sleep("retry-wait", kRetryAfter);
  co_return rivet::LoopControl::Continue;
}

inline rivet::Task<void> lifecycle(Ctx& c, rivet::Workflow& w,
                                   std::shared_ptr<FakePayments> payments) {
  co_await w.step("start-trial", [&] {
    c.state().status = "trialing";
    c.state().renews_at_ms = c.now_ms() + ms(kTrial);
  });
  co_await w.sleep("trial", kTrial);
  std::function<rivet::Task<rivet::LoopControl>(rivet::Workflow&)> cycle =
      [&c, payments](rivet::Workflow& it) { return billing_cycle(c, it, payments); };
  co_await w.loop("billing", cycle);
  co_await w.step("close", [&] {
    auto& s = c.state();
    s.status = s.cancel_at_period_end ? "canceled" : "unpaid";
    s.renews_at_ms = 0;
    c.broadcast("closed", s.status);
  });
}

inline Subscription create_subscription(const rivet::Value& input) {
  const auto plan = input.is_object() ? input.value("plan", std::string()) : std::string();
  const auto price = input.is_object() ? input.value("priceCents", std::int64_t{0}) : 0;
  if (plan.empty() || price <= 0) {
    throw rivet::UserError("a subscription needs {plan, priceCents > 0}", "invalid_input");
  }
  Subscription s;
  s.plan = plan;
  s.price_cents = price;
  return s;
}

inline void check_not_ended(const Subscription& s) {
  if (s.status == "canceled" || s.status == "unpaid") {
    throw rivet::UserError("the subscription has ended", "ended");
  }
}

inline rivet::Registry make_registry(std::shared_ptr<FakePayments> payments) {
  auto subscription =
      rivet::actor<Subscription>("subscription")
          .create_state([](const rivet::Value& input) { return create_subscription(input); })
          .workflow([payments](auto& c, rivet::Workflow& w) { return lifecycle(c, w, payments); })
          .action("status", [](auto& c) { return c.state(); })
          // Takes effect when the paid period ends, as customers expect; the workflow reads it
          // at the top of its next cycle.
          .action("cancel",
                  [](auto& c) {
                    check_not_ended(c.state());
                    c.state().cancel_at_period_end = true;
                    return c.state().renews_at_ms;
                  })
          .action("resume", [](auto& c) {
            check_not_ended(c.state());
            c.state().cancel_at_period_end = false;
          });
  rivet::Registry registry;
  registry.use(subscription);
  return registry;
}

}  // namespace subscription
