// Raw HTTP (`onRequest`): the plain request/response values, and running the handler on the
// actor strand inside the connect sequence, with the action timeout, committing like an action.

#include <rivet/core/runtime.hpp>
#include <rivet/core/raw_http.hpp>

#include "core/actor/actor_instance.hpp"
#include "core/runtime/client_work.hpp"
#include "core/runtime/runtime_core.hpp"
#include "core/realtime.hpp"
#include "core/actor/user_code.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cctype>

namespace rivet {

namespace asio = boost::asio;
using namespace boost::asio::experimental::awaitable_operators;

namespace {

bool iequals(std::string_view a, std::string_view b) noexcept {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& ch : out) {
    ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  }
  return out;
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

const std::string* find_header(const std::vector<RawHeader>& headers,
                               std::string_view name) noexcept {
  for (const auto& h : headers) {
    if (iequals(h.name, name)) {
      return &h.value;
    }
  }
  return nullptr;
}

}  // namespace

namespace detail {

std::string decode_query_component(std::string_view text, bool form) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+' && form) {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
               hex_value(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2])));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace detail

// -- RawRequest / RawResponse ------------------------------------------------------------------

const std::string* RawRequest::header(std::string_view name) const noexcept {
  return find_header(headers, name);
}

std::vector<std::pair<std::string, std::string>> RawRequest::query_params() const {
  std::vector<std::pair<std::string, std::string>> out;
  std::string_view rest = query;
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const auto part = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (part.empty()) {
      continue;
    }
    const auto eq = part.find('=');
    const auto name = part.substr(0, eq);
    const auto value = eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1);
    out.emplace_back(detail::decode_query_component(name, true),
                     detail::decode_query_component(value, true));
  }
  return out;
}

std::optional<std::string> RawRequest::query_param(std::string_view name) const {
  for (auto& [k, v] : query_params()) {
    if (k == name) {
      return std::move(v);
    }
  }
  return std::nullopt;
}

RawResponse& RawResponse::set(std::string_view name, std::string value) {
  auto key = lower(name);
  std::erase_if(headers, [&](const RawHeader& h) { return iequals(h.name, key); });
  headers.push_back(RawHeader{std::move(key), std::move(value)});
  return *this;
}

const std::string* RawResponse::header(std::string_view name) const noexcept {
  return find_header(headers, name);
}

RawResponse RawResponse::text(unsigned status, std::string body, std::string content_type) {
  RawResponse r;
  r.status = status;
  r.set("content-type", std::move(content_type));
  r.body = std::move(body);
  return r;
}

RawResponse RawResponse::json(unsigned status, std::string json_text) {
  return text(status, std::move(json_text), "application/json");
}

// -- the actor side ----------------------------------------------------------------------------

namespace detail {
namespace {

Task<void> call_on_request(const ActorDefinition& def, ActorContext& ctx, RawRequest request,
                           RawResponse& out) {
  out = co_await def.on_request(ctx, std::move(request));
}

Task<Result<RawResponse>> run_on_request(const ActorInstance& rt, ActorContext& ctx,
                                         RawRequest request) {
  const auto& def = rt.definition();
  RawResponse response;
  Timer timer(rt.clock(), co_await asio::this_coro::executor, def.options.action_timeout);
  auto winner =
      co_await (rt.run_user(call_on_request(def, ctx, std::move(request), response), "onRequest") ||
                timer.async_wait(asio::use_awaitable));
  if (winner.index() == 1) {
    co_return errors::action_timed_out();
  }
  auto ran = std::get<0>(std::move(winner));
  if (!ran) {
    co_return ran.error();
  }
  co_return response;
}

/// Runs on_request as `conn` (transient), with the action timeout; commits like an action.
Task<Result<RawResponse>> invoke_request(ActorInstance& rt, std::shared_ptr<ConnRecord> conn,
                                         RawRequest request) {
  rt.enter_call();
  CallFrame frame;
  frame.conn = std::move(conn);
  frame.conn_view.emplace(frame.conn.get(), &frame);
  ActorContext ctx(rt, &frame);
  auto out = co_await run_on_request(rt, ctx, std::move(request));
  auto finished = co_await rt.finish_call(frame, true);
  rt.leave_call();
  rt.maybe_stop_after_call();
  if (!finished) {
    co_return finished.error();
  }
  co_return out;
}

Task<Result<RawResponse>> request_on_strand(std::shared_ptr<ActorInstance> rt, Value params,
                                            std::shared_ptr<RawRequest> request) {
  if (!rt->definition().on_request) {
    RawResponse not_found;
    not_found.status = 404;
    co_return not_found;
  }
  auto conn = co_await rt->open_conn(std::move(params), nullptr, true);
  if (!conn) {
    co_return conn.error();
  }
  auto result = co_await invoke_request(*rt, *conn, std::move(*request));
  co_await rt->close_conn(*conn);
  co_return result;
}

}  // namespace

}  // namespace detail

namespace detail {

Task<Result<RawResponse>> handle_request(std::shared_ptr<RuntimeCore> core, std::string actor_id,
                                         Value params, RawRequest request) {
  // Shared so that a second attempt after actor.stopping (met before the handler runs) still
  // has it.
  auto shared = std::make_shared<RawRequest>(std::move(request));
  co_return co_await core->with_actor<RawResponse>(
      std::move(actor_id), [&](std::shared_ptr<detail::ActorInstance> rt) {
        return detail::request_on_strand(std::move(rt), params, shared);
      });
}

}  // namespace detail
}  // namespace rivet
