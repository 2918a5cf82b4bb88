// Typed actions (rivet/common/action.hpp): registered with their declaration, called through an
// ActorRef with the declared arguments and result, and interchangeable with untyped calls.
#include <rivet/core/actor.hpp>

#include "core/test_runtime_fixture.hpp"

#include <concepts>

namespace {

using rivet::Value;

struct Tally {
  std::int64_t total = 0;
  std::vector<std::string> labels;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Tally, total, labels)

namespace tally {
inline constexpr rivet::Action<std::int64_t(std::int64_t, std::string)> add{"add"};
inline constexpr rivet::Action<Tally()> get{"get"};
inline constexpr rivet::Action<void()> reset{"reset"};
}  // namespace tally
inline constexpr rivet::Action<std::int64_t(std::int64_t)> add_through{"addThrough"};

// The builder refuses a handler that does not fit its declaration.
template <class F>
concept Registrable = requires(rivet::ActorBuilder<Tally> b, F f) { b.action(tally::add, f); };
using Ctx = rivet::ActionContext<Tally>;
static_assert(Registrable<std::int64_t (*)(Ctx&, std::int64_t, std::string)>);
static_assert(Registrable<rivet::Task<std::int64_t> (*)(Ctx&, std::int64_t, const std::string&)>);
static_assert(!Registrable<std::int64_t (*)(Ctx&, std::string)>);
static_assert(!Registrable<std::string (*)(Ctx&, std::int64_t, std::string)>);

// A caller passes exactly the declared arguments.
template <class... X>
concept Callable = requires(rivet::ActorRef r, X... x) { r.call(tally::add, x...); };
static_assert(Callable<int, const char*>);
static_assert(!Callable<const char*, int>);
static_assert(!Callable<int>);
static_assert(std::same_as<decltype(std::declval<rivet::ActorRef&>().call(tally::get)),
                           rivet::Task<Tally>>);

rivet::Registry typed_registry() {
  rivet::Registry r;
  r.use(rivet::actor<Tally>("tally")
            .action(tally::add,
                    [](auto& c, std::int64_t n, std::string label) {
                      c.state().total += n;
                      c.state().labels.push_back(std::move(label));
                      return c.state().total;
                    })
            .action(tally::get, [](auto& c) { return c.state(); })
            .action(tally::reset, [](auto& c) { c.state() = Tally{}; }));
  r.use(rivet::actor<Tally>("front").action(
      add_through, [](auto& c, std::int64_t n) -> rivet::Task<std::int64_t> {
        auto target = c.client().get_or_create("tally", {"shared"});
        const std::int64_t total = co_await target.call(tally::add, n, "via front");
        const Tally seen = co_await target.call(tally::get);
        co_return total + static_cast<std::int64_t>(seen.labels.size()) * 1000;
      }));
  return r;
}

class TypedActionTest : public rivet::testing::RuntimeFixture {
 protected:
  rivet::Registry make_registry() override { return typed_registry(); }
};

TEST_F(TypedActionTest, DeclaredActionsAnswerTypedAndUntypedCallers) {
  auto t = create("tally", {"shared"});
  // An untyped caller (as a client on the wire) reaches the typed registration.
  EXPECT_EQ(call(t, "add", Value::array({2, "plain"})), 2);
  auto front = create("front", {"f"});
  EXPECT_EQ(call(front, "addThrough", Value::array({3})), 5 + 2 * 1000);
  EXPECT_EQ(call(t, "get"), (Value{{"total", 5}, {"labels", Value::array({"plain", "via front"})}}));
  EXPECT_EQ(call(t, "reset"), Value());
  EXPECT_EQ(call(t, "get"), (Value{{"total", 0}, {"labels", Value::array()}}));
  // Arguments the handler's declared types reject are the usual invalid-argument error.
  auto bad = run(runtime_->call_action(t, nullptr, "add", Value::array({"x", 1})));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().group, "actor");
}

}  // namespace
