// Per-tenant databases under the test harness: each tenant's SQLite file is its own, migrations
// run once, values travel as bound parameters, and the data survives a restart (the harness
// keeps actors' databases in its data_dir() across restarts).
#include "tenant_db.hpp"

#include <rivet/harness/test_runtime.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace {

std::filesystem::path database_of(const rivet::testing::TestRuntime& t, const std::string& id) {
  return std::filesystem::path(t.data_dir()) / "actors" / (id + ".sqlite");
}

std::string code_of(const rivet::Result<rivet::Value>& r) {
  return r ? "ok" : r.error().code;
}

TEST(TenantDbExample, EachTenantHasItsOwnMigratedDatabase) {
  const auto registry = tenant_db::make_registry();
  rivet::testing::TestRuntime t(registry);
  auto acme = t.create("tenant", {"acme"}, rivet::Value{{"plan", "pro"}});
  auto globex = t.create("tenant", {"globex"});
  EXPECT_EQ(t.call<std::int64_t>(acme, "schemaVersion"), 2);
  EXPECT_TRUE(std::filesystem::exists(database_of(t, acme)));
  EXPECT_TRUE(std::filesystem::exists(database_of(t, globex)));

  t.call(acme, "addCustomer", "Ada", "ada@example.com");
  // The same email in another tenant is another customer: nothing is shared.
  t.call(globex, "addCustomer", "Ada G.", "ada@example.com");
  auto taken = t.try_call(acme, "addCustomer", rivet::Value::array({"Ada 2", "ADA@example.com"}));
  EXPECT_EQ(code_of(taken), "email_taken");
  EXPECT_EQ(taken.error().metadata["email"], "ADA@example.com");
  EXPECT_EQ(t.call(acme, "findCustomers", "").size(), 1U);
  EXPECT_EQ(t.call(globex, "findCustomers", "")[0]["name"], "Ada G.");

  EXPECT_THROW(t.create("tenant", {"initech"}, rivet::Value{{"plan", "gold"}}),
               rivet::ErrorException);
}

TEST(TenantDbExample, QueriesBindTheirValuesAndTheDataIsDurable) {
  const auto registry = tenant_db::make_registry();
  rivet::testing::TestRuntime t(registry);
  auto acme = t.create("tenant", {"acme"}, rivet::Value{{"plan", "pro"}});

  // Text that would break a statement built by concatenation is just data here.
  const std::string tricky = "Robert'); DROP TABLE customers; --";
  auto bobby = t.call<std::int64_t>(acme, "addCustomer", tricky, "bobby@example.com");
  auto ada = t.call<std::int64_t>(acme, "addCustomer", "Ada", "ada@example.com");
  t.call(acme, "addCustomer", "50% Off Ltd", "deals@example.com");
  t.call(acme, "addCustomer", "500 Club", "club@example.com");
  auto found = t.call(acme, "findCustomers", "Robert');");
  ASSERT_EQ(found.size(), 1U);
  EXPECT_EQ(found[0]["name"], tricky);
  found = t.call(acme, "findCustomers", "50%");
  ASSERT_EQ(found.size(), 1U) << "% in a search is a character, not a wildcard";
  EXPECT_EQ(found[0]["name"], "50% Off Ltd");

  t.call(acme, "issueInvoice", ada, 1500);
  auto paid = t.call<std::int64_t>(acme, "issueInvoice", ada, 700);
  t.call(acme, "issueInvoice", bobby, 900);
  EXPECT_TRUE(t.call<bool>(acme, "payInvoice", paid));
  EXPECT_FALSE(t.call<bool>(acme, "payInvoice", paid)) << "paying twice changes nothing";
  EXPECT_EQ(code_of(t.try_call(acme, "issueInvoice", rivet::Value::array({999, 100}))),
            "unknown_customer");

  // An import with one bad row adds none of its rows.
  rivet::Value batch = rivet::Value::array({rivet::Value{{"name", "Cy"}, {"email", "cy@x.io"}},
                                            rivet::Value{{"name", "Di"}, {"email", "nope"}}});
  EXPECT_EQ(code_of(t.try_call(acme, "importCustomers", rivet::Value::array({batch}))),
            "invalid_customer");
  EXPECT_TRUE(t.call(acme, "findCustomers", "cy@x.io").empty());

  t.restart();  // the database file outlives the runtime; migrations do not run twice
  EXPECT_EQ(t.call<std::int64_t>(acme, "schemaVersion"), 2);
  auto balances = t.call(acme, "balances");
  ASSERT_EQ(balances.size(), 4U);
  EXPECT_EQ(balances[0]["name"], "Ada");
  EXPECT_EQ(balances[0]["open_cents"], 1500);
  EXPECT_EQ(balances[1]["open_cents"], 900);
  EXPECT_EQ(balances[3]["open_invoices"], 0);
}

TEST(TenantDbExample, TheFreePlanIsCappedAndDeletingATenantDeletesItsDatabase) {
  const auto registry = tenant_db::make_registry();
  rivet::testing::TestRuntime t(registry);
  auto tiny = t.create("tenant", {"tiny"});
  rivet::Value batch = rivet::Value::array();
  for (std::int64_t i = 0; i < tenant_db::kFreeCustomers; ++i) {
    const auto n = std::to_string(i);
    batch.push_back(rivet::Value{{"name", "c" + n}, {"email", n + "@tiny.io"}});
  }
  t.call(tiny, "importCustomers", batch);
  EXPECT_EQ(code_of(t.try_call(tiny, "addCustomer", rivet::Value::array({"one", "more@tiny.io"}))),
            "plan_limit");

  const auto file = database_of(t, tiny);
  ASSERT_TRUE(std::filesystem::exists(file));
  t.call(tiny, "deleteTenant");
  t.settle();
  EXPECT_FALSE(std::filesystem::exists(file));
  EXPECT_FALSE(t.try_call(tiny, "schemaVersion", rivet::Value::array()));
}

}  // namespace
