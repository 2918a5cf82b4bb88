// Fixtures of sections 3.1, 3.2, 3.9 and 3.11: counter, withInput, errors, payloads.

#include <rivet/core/actor.hpp>

#include "fixtures.hpp"

#include <stdexcept>
#include <string>

namespace rivet::fixtures {
namespace {

struct CounterState {
  std::int64_t count = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(CounterState, count)

auto counter() {
  return actor<CounterState>("counter")
      .action("increment",
              [](auto& c, std::int64_t amount) {
                c.state().count += amount;
                c.broadcast("newCount", c.state().count);
                return c.state().count;
              })
      .action("setCount",
              [](auto& c, std::int64_t value) {
                c.state().count = value;
                c.broadcast("newCount", c.state().count);
                return c.state().count;
              })
      .action("getCount", [](auto& c) { return c.state().count; })
      .action("getKey", [](auto& c) { return c.key(); })
      .action("getIdentity", [](auto& c) {
        return Value{{"name", c.name()}, {"key", to_value(c.key())}, {"actorId", c.actor_id()}};
      });
}

struct WithInputState {
  Value input;
  std::string label = "none";
  double count = 0;
  Value onCreateInput;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(WithInputState, input, label, count, onCreateInput)

auto with_input() {
  return actor<WithInputState>("withInput")
      .create_state([](const Value& input) {
        WithInputState s;
        s.input = input;
        if (input.is_object()) {
          if (auto it = input.find("label"); it != input.end() && it->is_string()) {
            s.label = it->template get<std::string>();
          }
          if (auto it = input.find("start"); it != input.end() && it->is_number()) {
            s.count = it->template get<double>();
          }
        }
        return s;
      })
      .on_create([](auto& c, const Value& input) { c.state().onCreateInput = input; })
      .action("getState", [](auto& c) { return c.state(); })
      .action("increment", [](auto& c, double amount) {
        c.state().count += amount;
        return c.state().count;
      });
}

struct ErrorsState {
  std::int64_t calls = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ErrorsState, calls)

auto errors_fixture() {
  return actor<ErrorsState>("errors")
      .action("throwSimple", [](auto&) -> Value { throw UserError("Something went wrong"); })
      .action("throwDetailed",
              [](auto&) -> Value {
                throw UserError("Out of stock", "out_of_stock",
                                Value{{"sku", "widget-7"}, {"available", 0}, {"tags", {"a", "b"}}});
              })
      .action("throwInternal",
              [](auto&) -> Value { throw std::runtime_error("database password is hunter2"); })
      .action("ok", [](auto& c) {
        c.state().calls += 1;
        return std::string("ok");
      });
}

struct Empty {};
inline void to_json(nlohmann::json& j, const Empty&) { j = nlohmann::json::object(); }
inline void from_json(const nlohmann::json&, Empty&) {}

/// Length in UTF-16 code units, as JavaScript's String.length counts.
std::size_t utf16_length(const std::string& text) {
  std::size_t units = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if ((byte & 0xC0) == 0x80) {
      continue;  // continuation byte
    }
    units += (byte >= 0xF0) ? 2 : 1;
  }
  return units;
}

auto payloads() {
  return actor<Empty>("payloads")
      .action("echo", [](auto&, Value value) { return value; })
      .action("echoArgs", [](auto&, ArgList args) { return args.values; })
      .action("size", [](auto&, std::string text) { return utf16_length(text); })
      .action("make", [](auto&, std::size_t length) { return std::string(length, 'x'); })
      .action("nothing", [](auto&) {});
}

}  // namespace

void add_core_fixtures(Registry& registry) {
  registry.use(counter());
  registry.use(with_input());
  registry.use(errors_fixture());
  registry.use(payloads());
}

}  // namespace rivet::fixtures
