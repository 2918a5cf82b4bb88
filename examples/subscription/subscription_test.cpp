// The subscription workflow under the test harness: weeks pass on the manual clock, the runtime
// restarts in the middle of the workflow, and the payment processor shows that completed charge
// steps never run again.
#include "subscription.hpp"

#include <rivet/harness/test_runtime.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <memory>

namespace {

using namespace std::chrono_literals;
using subscription::Days;
using subscription::Subscription;

rivet::Value pro_plan() {
  return rivet::Value{{"plan", "pro"}, {"priceCents", 1200}};
}

TEST(SubscriptionExample, BillsEachPeriodAcrossRestartsWithoutChargingTwice) {
  auto payments = std::make_shared<subscription::FakePayments>();
  const auto registry = subscription::make_registry(payments);
  rivet::testing::TestRuntime t(registry);
  auto id = t.create("subscription", {"cus_1"}, pro_plan());
  t.settle();
  EXPECT_EQ(t.call<Subscription>(id, "status").status, "trialing");

  t.advance(Days(15));  // the trial ends: first charge
  auto s = t.call<Subscription>(id, "status");
  EXPECT_EQ(s.status, "active");
  EXPECT_EQ(s.periods_paid, 1);
  EXPECT_EQ(payments->calls(), 1);

  // A restart while the workflow sleeps through the period: it replays from its history, and the
  // recorded charge is not sent to the processor again.
  t.restart();
  EXPECT_EQ(t.call<Subscription>(id, "status").periods_paid, 1);  // wakes it: the workflow replays
  t.settle();
  EXPECT_EQ(payments->calls(), 1);

  t.advance(Days(30));
  EXPECT_EQ(t.call<Subscription>(id, "status").periods_paid, 2);
  EXPECT_EQ(payments->calls(), 2);

  // A declined card: past due, retried a day later (after another restart), then paid.
  payments->decline_next(1);
  t.advance(Days(30));
  s = t.call<Subscription>(id, "status");
  EXPECT_EQ(s.status, "past_due");
  EXPECT_EQ(s.failed_attempts, 1);
  EXPECT_EQ(payments->calls(), 3);
  t.restart();
  t.advance(Days(1) + 1h);
  s = t.call<Subscription>(id, "status");
  EXPECT_EQ(s.status, "active");
  EXPECT_EQ(s.periods_paid, 3);
  EXPECT_EQ(payments->calls(), 4);

  // Cancelling takes effect at the end of the paid period; nothing is charged after that.
  t.call(id, "cancel");
  EXPECT_EQ(t.call<Subscription>(id, "status").status, "active");
  t.advance(Days(31));
  s = t.call<Subscription>(id, "status");
  EXPECT_EQ(s.status, "canceled");
  t.advance(Days(90));
  EXPECT_EQ(payments->calls(), 4);
  EXPECT_EQ(payments->charged_cents(), 3 * 1200);
  ASSERT_EQ(s.invoices.size(), 3U);
  EXPECT_EQ(s.invoices[2].period, 3);
  EXPECT_FALSE(t.try_call(id, "resume", rivet::Value::array()));
}

TEST(SubscriptionExample, EndsUnpaidAfterTheLastFailedAttempt) {
  auto payments = std::make_shared<subscription::FakePayments>();
  const auto registry = subscription::make_registry(payments);
  rivet::testing::TestRuntime t(registry);
  EXPECT_THROW(t.create("subscription", {"cus_2"}, rivet::Value{{"plan", "pro"}}),
               rivet::ErrorException);

  auto id = t.create("subscription", {"cus_2"}, pro_plan());
  auto conn = t.connect(id);
  conn->subscribe("paymentFailed");
  payments->decline_next(subscription::kMaxAttempts);
  t.advance(Days(14) + 1h);
  t.advance(Days(1) + 1h);
  t.advance(Days(1) + 1h);
  auto s = t.call<Subscription>(id, "status");
  EXPECT_EQ(s.status, "unpaid");
  EXPECT_EQ(s.failed_attempts, subscription::kMaxAttempts);
  EXPECT_TRUE(s.invoices.empty());
  EXPECT_EQ(payments->calls(), subscription::kMaxAttempts);
  const auto failures = conn->events();
  ASSERT_EQ(failures.size(), 3U);
  EXPECT_EQ(failures[2].args, rivet::Value::array({3}));
}

}  // namespace
