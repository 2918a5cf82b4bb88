// Per-tenant SQLite: every tenant of a SaaS (an organization that signed up) is one actor with a
// SQLite database of its own, so one tenant's data never shares a file, a lock or a query plan
// with another's, a tenant can be exported or deleted by its file, and queries stay fast however
// many tenants there are. The schema is versioned: migrations run when the actor starts, so a
// tenant's database is brought up to date on its first request after a deploy. Every value
// reaches SQL as a bound parameter, never spliced into the statement.
#pragma once

#include <rivet/rivet.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace tenant_db {

struct Tenant {
  std::string plan = "free";
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Tenant, plan)

inline constexpr std::int64_t kFreeCustomers = 100;
inline constexpr std::int64_t kMaxSearchResults = 50;

/// Schema versions, oldest first. A step once released never changes: tenants that already ran
/// it will not run it again (PRAGMA user_version counts the steps applied); changes go in a new
/// step at the end.
inline std::vector<std::function<void(rivet::Database&)>> migrations() {
  return {
      [](rivet::Database& db) {
        db.execute(
            "CREATE TABLE customers ("
            "  id INTEGER PRIMARY KEY,"
            "  name TEXT NOT NULL,"
            "  email TEXT NOT NULL UNIQUE COLLATE NOCASE,"
            "  created_at INTEGER NOT NULL)");
      },
      [](rivet::Database& db) {
        db.execute(
            "CREATE TABLE invoices ("
            "  id INTEGER PRIMARY KEY,"
            "  customer_id INTEGER NOT NULL REFERENCES customers(id),"
            "  cents INTEGER NOT NULL CHECK (cents > 0),"
            "  status TEXT NOT NULL DEFAULT 'open',"
            "  issued_at INTEGER NOT NULL)");
        db.execute("CREATE INDEX invoices_by_customer ON invoices(customer_id, status)");
      },
  };
}

/// `text` as a LIKE pattern that matches it literally, anywhere: a search for "50%" must not
/// match everything starting with "50".
inline std::string contains_pattern(const std::string& text) {
  std::string out = "%";
  for (char ch : text) {
    if (ch == '%' || ch == '_' || ch == '\\') {
      out += '\\';
    }
    out += ch;
  }
  return out + "%";
}

struct NewCustomer {
  std::string name;
  std::string email;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(NewCustomer, name, email)

/// Inserts one customer; throws a UserError the client can act on instead of SQLite's message.
inline std::int64_t add_customer(rivet::Database& db, const Tenant& tenant, const NewCustomer& c,
                                 std::int64_t now_ms) {
  if (c.name.empty() || c.email.find('@') == std::string::npos) {
    throw rivet::UserError("a customer has a name and an email address", "invalid_customer");
  }
  if (tenant.plan == "free") {
    const auto count = db.execute("SELECT COUNT(*) AS n FROM customers")[0]["n"];
    if (count.get<std::int64_t>() >= kFreeCustomers) {
      throw rivet::UserError("the free plan holds 100 customers", "plan_limit");
    }
  }
  db.execute(
      "INSERT INTO customers (name, email, created_at) VALUES (?, ?, ?) "
      "ON CONFLICT (email) DO NOTHING",
      c.name, c.email, now_ms);
  if (db.changes() == 0) {
    rivet::Value which{{"email", c.email}};
    throw rivet::UserError("a customer with this email exists", "email_taken", which);
  }
  return db.last_insert_rowid();
}

inline rivet::Registry make_registry() {
  auto tenant =
      rivet::actor<Tenant>("tenant")
          .create_state([](const rivet::Value& input) {
            Tenant t;
            if (input.is_object()) {
              t.plan = input.value("plan", t.plan);
            }
            if (t.plan != "free" && t.plan != "pro") {
              throw rivet::UserError("plan is free or pro", "invalid_plan");
            }
            return t;
          })
          .database([](auto&, rivet::Database& db) { db.migrate(migrations()); })
          .action("addCustomer",
                  [](auto& c, std::string name, std::string email) {
                    auto db = c.db();
                    return add_customer(db, c.state(), {name, email}, c.now_ms());
                  })
          // All or nothing: an import with one bad row adds none, so it can be fixed and re-run.
          .action("importCustomers",
                  [](auto& c, std::vector<NewCustomer> customers) {
                    auto db = c.db();
                    db.transaction([&] {
                      for (const auto& customer : customers) {
                        add_customer(db, c.state(), customer, c.now_ms());
                      }
                    });
                    return customers.size();
                  })
          .action("findCustomers",
                  [](auto& c, std::string query) {
                    rivet::Value params{{"pattern", contains_pattern(query)},
                                        {"limit", kMaxSearchResults}};
                    return c.db().execute_values(
                        "SELECT id, name, email FROM customers "
                        "WHERE name LIKE :pattern ESCAPE '\\' OR email LIKE :pattern ESCAPE '\\' "
                        "ORDER BY name LIMIT :limit",
                        params);
                  })
          .action("issueInvoice",
                  [](auto& c, std::int64_t customer_id, std::int64_t cents) {
                    auto db = c.db();
                    if (db.execute("SELECT 1 FROM customers WHERE id = ?", customer_id).empty()) {
                      throw rivet::UserError("no such customer", "unknown_customer");
                    }
                    if (cents <= 0) {
                      throw rivet::UserError("an invoice is for a positive amount",
                                             "invalid_amount");
                    }
                    db.execute(
                        "INSERT INTO invoices (customer_id, cents, issued_at) VALUES (?, ?, ?)",
                        customer_id, cents, c.now_ms());
                    return db.last_insert_rowid();
                  })
          .action("payInvoice",
                  [](auto& c, std::int64_t invoice_id) {
                    auto db = c.db();
                    db.execute("UPDATE invoices SET status = 'paid' WHERE id = ? AND status = 'open'",
                               invoice_id);
                    return db.changes() == 1;
                  })
          // What each customer owes, largest first: one query, served from the tenant's index.
          .action("balances",
                  [](auto& c) {
                    return c.db().execute(
                        "SELECT c.id, c.name, COUNT(i.id) AS open_invoices,"
                        "       COALESCE(SUM(i.cents), 0) AS open_cents "
                        "FROM customers c "
                        "LEFT JOIN invoices i ON i.customer_id = c.id AND i.status = 'open' "
                        "GROUP BY c.id ORDER BY open_cents DESC, c.name");
                  })
          .action("schemaVersion", [](auto& c) { return c.db().user_version(); })
          // Offboarding: the actor and its database file are deleted.
          .action("deleteTenant", [](auto& c) { c.destroy(); });
  rivet::Registry registry;
  registry.use(tenant);
  return registry;
}

}  // namespace tenant_db
