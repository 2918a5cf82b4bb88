// Raw HTTP (`onRequest`): the plain request/response values, and running the handler on the
// actor strand inside the connect sequence, with the action timeout, committing like an action.

#include <rivet/core/engine.hpp>
#include <rivet/core/raw_http.hpp>

#include "core/actor_runtime.hpp"
#include "core/engine_core.hpp"
#include "core/realtime.hpp"
#include "core/user_code.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
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

Task<Result<RawResponse>> run_on_request(const ActorDefinition& def, ActorContext& ctx,
                                         RawRequest request) {
  RawResponse response;
  asio::steady_timer timer(co_await asio::this_coro::executor, def.options.action_timeout);
  auto winner =
      co_await (run_user(call_on_request(def, ctx, std::move(request), response), "onRequest") ||
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

Task<Result<RawResponse>> request_on_strand(std::shared_ptr<ActorRuntime> rt, Value params,
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
  auto result = co_await rt->invoke_request(*conn, std::move(*request));
  co_await rt->close_conn(*conn);
  co_return result;
}

Task<void> pause(std::chrono::milliseconds d) {
  asio::steady_timer timer(co_await asio::this_coro::executor, d);
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

}  // namespace

Task<Result<RawResponse>> ActorRuntime::invoke_request(std::shared_ptr<ConnRecord> conn,
                                                       RawRequest request) {
  enter_call();
  CallFrame frame;
  frame.conn = std::move(conn);
  frame.conn_view.emplace(frame.conn.get(), &frame);
  ActorContext ctx(*this, &frame);
  auto out = co_await run_on_request(def_, ctx, std::move(request));
  auto finished = co_await finish_call(frame, true);
  leave_call();
  maybe_stop_after_call();
  if (!finished) {
    co_return finished.error();
  }
  co_return out;
}

}  // namespace detail

Task<Result<RawResponse>> Engine::handle_request(std::string actor_id, Value params,
                                                 RawRequest request) {
  auto core = impl_->core;
  // Shared so that a retry after actor.stopping (raised before the handler runs) still has it.
  auto shared = std::make_shared<RawRequest>(std::move(request));
  for (int attempt = 0; attempt < detail::kRealtimeStoppingRetries; ++attempt) {
    auto rt = core->runtime_for(actor_id);
    if (!rt) {
      co_return rt.error();
    }
    auto result = co_await asio::co_spawn(
        (*rt)->strand(), detail::request_on_strand(*rt, params, shared), asio::use_awaitable);
    if (!result && result.error().is(codes::kActorStopping)) {
      co_await detail::pause(detail::kRealtimeStoppingRetryDelay);
      continue;
    }
    co_return result;
  }
  co_return make_error(codes::kActorStopped, "The actor stopped while handling the request.");
}

}  // namespace rivet
