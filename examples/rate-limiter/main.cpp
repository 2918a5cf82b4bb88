// Serves the rate limiter: rateLimiter["user-42"].consume(1) from any client.
#include "rate_limiter.hpp"

int main(int argc, char** argv) {
  static const auto registry = rate_limiter::make_registry();
  return rivet::serve(registry, argc, argv);
}
