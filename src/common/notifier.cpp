#include <rivet/common/notifier.hpp>

#include <boost/asio/any_completion_executor.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/execution/blocking.hpp>
#include <boost/asio/execution/relationship.hpp>
#include <boost/asio/prefer.hpp>

#include <list>
#include <mutex>

namespace asio = boost::asio;

namespace rivet {

namespace {

struct Waiter {
  std::uint64_t id = 0;
  asio::any_completion_handler<Notifier::Signature> handler;
  // Counts as outstanding work, so the waiter's io_context does not run out of work (and return
  // from run()) while the coroutine is parked here.
  asio::any_completion_executor work;
};

void complete(Waiter& w, boost::system::error_code ec) {
  // As asio::post would: never run the handler inside notify_all() itself.
  asio::prefer(w.work, asio::execution::blocking.never, asio::execution::relationship.fork)
      .execute([h = std::move(w.handler), ec]() mutable { std::move(h)(ec); });
}

}  // namespace

struct Notifier::State {
  std::mutex mutex;
  std::list<Waiter> waiters;
  std::uint64_t next_id = 0;

  void cancel(std::uint64_t id) {
    std::list<Waiter> found;
    {
      std::lock_guard lock(mutex);
      for (auto it = waiters.begin(); it != waiters.end(); ++it) {
        if (it->id == id) {
          found.splice(found.end(), waiters, it);
          break;
        }
      }
    }
    for (auto& w : found) {
      complete(w, asio::error::operation_aborted);
    }
  }
};

Notifier::Notifier() : state_(std::make_shared<State>()) {}

Notifier::~Notifier() {
  std::list<Waiter> left;
  {
    std::lock_guard lock(state_->mutex);
    left.swap(state_->waiters);
  }
  for (auto& w : left) {
    complete(w, asio::error::operation_aborted);
  }
}

void Notifier::add(asio::any_completion_handler<Signature> handler,
                   const std::function<bool()>& ready) {
  auto slot = asio::get_associated_cancellation_slot(handler);
  auto work = asio::prefer(asio::get_associated_executor(handler),
                           asio::execution::outstanding_work.tracked);
  // Built by move construction: Asio 1.26's move assignment of any_completion_handler wraps the
  // handler in itself recursively.
  Waiter waiter{0, std::move(handler), std::move(work)};
  {
    std::lock_guard lock(state_->mutex);
    waiter.id = state_->next_id++;
  }
  if (slot.is_connected()) {
    // Assigned before the waiter is visible to notify_all(). Emitted on the waiter's own
    // executor; a no-op once the wait was notified.
    slot.assign([weak = std::weak_ptr<State>(state_), id = waiter.id](asio::cancellation_type) {
      if (auto state = weak.lock()) {
        state->cancel(id);
      }
    });
  }
  std::unique_lock lock(state_->mutex);
  if (ready()) {
    lock.unlock();
    complete(waiter, {});
    return;
  }
  state_->waiters.push_back(std::move(waiter));
}

void Notifier::notify_all() {
  std::list<Waiter> ready;
  {
    std::lock_guard lock(state_->mutex);
    ready.swap(state_->waiters);
  }
  for (auto& w : ready) {
    complete(w, {});
  }
}

}  // namespace rivet
