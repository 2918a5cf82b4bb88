// Serves the tenants: tenant.getOrCreate(["acme"], {createWithInput: {plan: "pro"}}), then
// addCustomer("Ada", "ada@example.com") and balances(). Databases go to <data-dir>/actors/.
#include "tenant_db.hpp"

int main(int argc, char** argv) {
  static const auto registry = tenant_db::make_registry();
  return rivet::serve(registry, argc, argv);
}
