#include "core/actor/user_code.hpp"

#include "core/actor/actor_instance.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <variant>

namespace rivet::detail {

namespace asio = boost::asio;
using namespace boost::asio::experimental::awaitable_operators;

namespace {

Error from_exception(const char* what, std::exception_ptr ep, const ActorInstance& rt) {
  try {
    std::rethrow_exception(ep);
  } catch (const ErrorException& e) {
    return e.error();
  } catch (const std::exception& e) {
    rt.log_failure(what, make_error(codes::kCoreInternalError, e.what()));
  } catch (...) {
    rt.log_failure(what, make_error(codes::kCoreInternalError, "unknown exception"));
  }
  return errors::internal();
}

}  // namespace

Task<Result<void>> run_user(Task<void> task, const char* what, const ActorInstance& rt) {
  std::exception_ptr failure;
  try {
    co_await std::move(task);
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) {
    co_return from_exception(what, failure, rt);
  }
  co_return Result<void>{};
}

Task<Result<Value>> run_user_value(Task<Value> task, const char* what, const ActorInstance& rt) {
  std::exception_ptr failure;
  Value out;
  try {
    out = co_await std::move(task);
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) {
    co_return from_exception(what, failure, rt);
  }
  co_return out;
}

Result<Value> run_sync_action(const ActorDefinition::SyncActionFn& fn, ActorContext& ctx,
                              const Value& args, const char* what, const ActorInstance& rt) {
  try {
    return fn(ctx, args);
  } catch (...) {
    return from_exception(what, std::current_exception(), rt);
  }
}

Task<Result<Value>> run_user_value_with_timeout(Task<Value> task, const char* what,
                                                std::chrono::milliseconds timeout,
                                                const ActorInstance& rt) {
  Timer timer(rt.clock(), co_await asio::this_coro::executor, timeout);
  // as_tuple: the cancelled timer of a call that finished in time completes without throwing
  // (an exception per call was a tenth of the action path's instructions).
  auto winner = co_await (run_user_value(std::move(task), what, rt) ||
                          timer.async_wait(asio::as_tuple(asio::use_awaitable)));
  if (winner.index() == 1) {
    co_return errors::action_timed_out();
  }
  co_return std::get<0>(std::move(winner));
}

}  // namespace rivet::detail

namespace rivet::detail {

Task<Result<void>> run_hook(Task<void> task, const char* what, std::chrono::milliseconds timeout,
                            const ActorInstance& rt) {
  Timer timer(rt.clock(), co_await asio::this_coro::executor, timeout);
  auto winner = co_await (run_user(std::move(task), what, rt) ||
                          timer.async_wait(asio::as_tuple(asio::use_awaitable)));
  if (winner.index() == 1) {
    co_return make_error(
        codes::kActorCallbackTimedOut,
        std::string(what) + " timed out after " + std::to_string(timeout.count()) + " ms");
  }
  co_return std::get<0>(std::move(winner));
}

}  // namespace rivet::detail
