#pragma once
// Test support: waits for a condition another thread makes true. Header-only; tests only.

#include <chrono>
#include <thread>

namespace rivet::testing {

/// Polls `check` every `step` until it is true or `limit` has passed; its last answer.
template <class Check>
bool eventually(Check check, std::chrono::milliseconds limit = std::chrono::seconds(3),
                std::chrono::milliseconds step = std::chrono::milliseconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (check()) {
      return true;
    }
    std::this_thread::sleep_for(step);
  }
  return check();
}

}  // namespace rivet::testing
