// Fixtures of sections 3.4, 6.1 and 6.2: chatRoom (connections, connection state, connect hooks,
// events), rawHttp (onRequest) and rawSocket (onWebSocket).

#include <rivet/core/actor.hpp>

#include "fixtures.hpp"

#include <algorithm>
#include <charconv>
#include <string>
#include <vector>

namespace rivet::fixtures {
namespace {

/// params[field] when it is a string.
std::optional<std::string> string_field(const Value& params, const char* field) {
  if (!params.is_object()) {
    return std::nullopt;
  }
  auto it = params.find(field);
  if (it == params.end() || !it->is_string()) {
    return std::nullopt;
  }
  return it->get<std::string>();
}

// -- chatRoom (3.4) ---------------------------------------------------------------------------
struct ChatState {
  std::vector<std::string> log;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ChatState, log)

struct ChatMember {
  std::string name = "anonymous";
  std::string role = "member";
  std::int64_t counter = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ChatMember, name, role, counter)

Value chat_message(const std::string& from, const std::string& text) {
  return Value{{"from", from}, {"text", text}};
}

auto chat_room() {
  return actor<ChatState>("chatRoom")
      .on_before_connect([](auto&, const Value& params) {
        if (string_field(params, "secret") == "wrong") {
          throw UserError("Invalid secret", "invalid_secret",
                          Value{{"hint", "ask the room owner"}});
        }
      })
      .create_conn_state([](const Value& params) {
        ChatMember member;
        member.name = string_field(params, "name").value_or("anonymous");
        member.role = string_field(params, "role").value_or("member");
        return member;
      })
      .on_connect([](auto& c, Conn& conn) {
        const auto& name = conn.state_as<ChatMember>().name;
        c.state().log.push_back("connect:" + name);
        c.broadcast("joined", name);
      })
      .on_disconnect([](auto& c, Conn& conn) {
        const auto& name = conn.state_as<ChatMember>().name;
        c.state().log.push_back("disconnect:" + name);
        c.broadcast("left", name);
      })
      .action("whoAmI", [](auto& c) { return c.template conn_state<ChatMember>(); })
      .action("bump", [](auto& c) { return ++c.template conn_state<ChatMember>().counter; })
      .action("listNames",
              [](auto& c) {
                std::vector<std::string> names;
                for (auto& conn : c.conns()) {
                  names.push_back(conn.template state_as<ChatMember>().name);
                }
                std::sort(names.begin(), names.end());
                return names;
              })
      .action("say",
              [](auto& c, std::string text) {
                c.broadcast("message",
                            chat_message(c.template conn_state<ChatMember>().name, text));
                return true;
              })
      .action("whisper",
              [](auto& c, std::string to, std::string text) {
                const auto from = c.template conn_state<ChatMember>().name;
                std::int64_t reached = 0;
                for (auto& conn : c.conns()) {
                  if (conn.template state_as<ChatMember>().name == to) {
                    conn.send("whisper", chat_message(from, text));
                    ++reached;
                  }
                }
                return reached;
              })
      .action("announce",
              [](auto& c, Value first, Value second) {
                c.broadcast("announce", first, second);
                return true;
              })
      .action("getLog", [](auto& c) { return c.state().log; });
}

// -- rawHttp (6.1) ----------------------------------------------------------------------------
struct RawHttpState {
  std::int64_t requestCount = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RawHttpState, requestCount)

RawResponse echo(RawRequest& req) {
  const auto* type = req.header("content-type");
  RawResponse r;
  r.set("content-type", type != nullptr ? *type : "application/octet-stream");
  r.set("x-echo-method", req.method);
  r.set("x-echo-length", std::to_string(req.body.size()));
  r.body = std::move(req.body);
  return r;
}

RawResponse inspect(const RawRequest& req) {
  Value query = Value::object();
  for (auto& [name, value] : req.query_params()) {
    query[name] = value;  // the last value wins, as Object.fromEntries(searchParams)
  }
  const auto* custom = req.header("x-custom-header");
  Value body{{"method", req.method},
             {"path", "/inspect"},
             {"query", std::move(query)},
             {"custom", custom != nullptr ? Value(*custom) : Value(nullptr)}};
  return RawResponse::json(200, body.dump());
}

RawResponse status_page(std::string_view code_text) {
  unsigned code = 0;
  auto [end, ec] = std::from_chars(code_text.data(), code_text.data() + code_text.size(), code);
  if (ec != std::errc() || end != code_text.data() + code_text.size() || code < 200 || code > 599) {
    return RawResponse::text(404, "not found");
  }
  RawResponse r;
  r.status = code;
  if (code != 204 && code != 304) {
    r.set("content-type", "text/plain; charset=utf-8");
    r.body = "status " + std::string(code_text);
  }
  return r;
}

auto raw_http() {
  return actor<RawHttpState>("rawHttp")
      .on_request([](auto& c, RawRequest req) {
        c.state().requestCount += 1;
        const auto& path = req.path;
        if (path == "/hello" && req.method == "GET") {
          return RawResponse::text(200, "hello from rawHttp");
        }
        if (path == "/echo") {
          return echo(req);
        }
        if (path == "/inspect") {
          return inspect(req);
        }
        if (path == "/count") {
          return RawResponse::json(200, Value{{"requestCount", c.state().requestCount}}.dump());
        }
        constexpr std::string_view kStatus = "/status/";
        if (path.starts_with(kStatus)) {
          return status_page(std::string_view(path).substr(kStatus.size()));
        }
        return RawResponse::text(404, "not found");
      })
      .action("getRequestCount", [](auto& c) { return c.state().requestCount; });
}

// -- rawSocket (6.2) --------------------------------------------------------------------------
struct RawSocketStats {
  std::int64_t opened = 0;
  std::int64_t closed = 0;
  std::int64_t messages = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RawSocketStats, opened, closed, messages)

// Built outside the coroutine (GCC 12 and braced lists in coroutine bodies, invariant 8).
std::string welcome_text(const RawRequest& request, std::int64_t opened) {
  Value query = Value::object();
  for (auto& [name, value] : request.query_params()) {
    query[name] = value;
  }
  return Value{
      {"type", "welcome"}, {"path", request.path}, {"query", std::move(query)}, {"opened", opened}}
      .dump();
}

std::string stats_text(const RawSocketStats& s) {
  return Value{
      {"type", "stats"}, {"opened", s.opened}, {"closed", s.closed}, {"messages", s.messages}}
      .dump();
}

auto raw_socket() {
  return actor<RawSocketStats>("rawSocket")
      .on_websocket([](auto& c, WebSocket& ws) -> Task<void> {
        c.state().opened += 1;
        ws.send_text(welcome_text(ws.request(), c.state().opened));
        while (auto message = co_await ws.receive()) {
          c.state().messages += 1;
          const auto& data = message->data;
          if (message->binary) {
            ws.send_binary(std::string(data.rbegin(), data.rend()));
          } else if (data == "ping") {
            ws.send_text("pong");
          } else if (data == "stats") {
            ws.send_text(stats_text(c.state()));
          } else if (data == "bye") {
            ws.close(4001, "requested");
          } else {
            ws.send_text("echo:" + data);
          }
        }
        c.state().closed += 1;
      })
      .action("getStats", [](auto& c) { return c.state(); });
}

}  // namespace

void add_realtime_fixtures(Registry& registry) {
  registry.use(chat_room());
  registry.use(raw_http());
  registry.use(raw_socket());
}

}  // namespace rivet::fixtures
