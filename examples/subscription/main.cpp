// Serves subscriptions: subscription.getOrCreate(["cus_42"], {createWithInput: {plan: "pro",
// priceCents: 1200}}), then status() and cancel(). Payments go to an in-process fake processor.
#include "subscription.hpp"

int main(int argc, char** argv) {
  static const auto registry =
      subscription::make_registry(std::make_shared<subscription::FakePayments>());
  return rivet::serve(registry, argc, argv);
}
