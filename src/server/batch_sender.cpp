#include "server/batch_sender.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <string_view>

#ifdef RIVET_HAVE_IO_URING
#include <liburing.h>
#endif

namespace rivet::server {

namespace {

constexpr int kFlags = MSG_DONTWAIT | MSG_NOSIGNAL;

bool io_uring_allowed() {
  const char* v = std::getenv("RIVET_IO_URING");
  return v == nullptr || std::string_view(v) != "0";
}


#ifdef RIVET_HAVE_IO_URING

constexpr unsigned kRingEntries = 64;

// MSG_DONTWAIT in a request makes io_uring complete it with -EAGAIN instead of waiting for the
// socket (REQ_F_NOWAIT), so every request completes during the submitting call.
class Ring {
 public:
  Ring() {
    initialized_ = io_uring_allowed() && io_uring_queue_init(kRingEntries, &ring_, 0) == 0;
    ok_ = initialized_;
  }
  ~Ring() {
    if (initialized_) {
      io_uring_queue_exit(&ring_);
    }
  }
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;

  [[nodiscard]] bool ok() const noexcept { return ok_; }

  void send(std::span<BatchSend> sends) {
    while (!sends.empty()) {
      const auto n = std::min<std::size_t>(sends.size(), kRingEntries);
      if (!send_batch(sends.first(n))) {
        send_one_by_one(sends.first(n));
      }
      sends = sends.subspan(n);
    }
  }

 private:
  // False when nothing was submitted (the caller falls back to plain sends).
  bool send_batch(std::span<BatchSend> sends) {
    for (std::size_t i = 0; i < sends.size(); ++i) {
      auto* sqe = io_uring_get_sqe(&ring_);
      io_uring_prep_sendmsg(sqe, sends[i].fd, sends[i].message, kFlags);
      io_uring_sqe_set_data64(sqe, i);
    }
    int submitted = 0;
    do {
      submitted = io_uring_submit_and_wait(&ring_, static_cast<unsigned>(sends.size()));
    } while (submitted == -EINTR);
    if (submitted < 0) {
      // Nothing was consumed. The prepared requests stay in the ring, so it is not used again.
      ok_ = false;
      return false;
    }
    std::size_t done = 0;
    while (done < static_cast<std::size_t>(submitted)) {
      io_uring_cqe* cqe = nullptr;
      const int rc = io_uring_wait_cqe(&ring_, &cqe);
      if (rc == -EINTR) {
        continue;
      }
      if (rc < 0) {
        break;
      }
      sends[io_uring_cqe_get_data64(cqe)].result = cqe->res;
      io_uring_cqe_seen(&ring_, cqe);
      ++done;
    }
    // Requests the kernel did not take are made the plain way; they stay in the ring, so it is
    // not used again.
    if (static_cast<std::size_t>(submitted) < sends.size()) {
      ok_ = false;
      send_one_by_one(sends.subspan(static_cast<std::size_t>(submitted)));
    }
    return true;
  }

  io_uring ring_{};
  bool initialized_ = false;
  bool ok_ = false;  // false after a failure: the ring may hold requests never submitted
};

Ring& thread_ring() {
  thread_local Ring ring;
  return ring;
}

#endif

}  // namespace

void send_one_by_one(std::span<BatchSend> sends) {
  for (auto& s : sends) {
    const auto n = ::sendmsg(s.fd, s.message, kFlags);
    s.result = n >= 0 ? n : -errno;
  }
}

void send_all(std::span<BatchSend> sends) {
#ifdef RIVET_HAVE_IO_URING
  if (auto& ring = thread_ring(); ring.ok()) {
    ring.send(sends);
    return;
  }
#endif
  send_one_by_one(sends);
}

bool batch_sends_use_io_uring() {
#ifdef RIVET_HAVE_IO_URING
  return thread_ring().ok();
#else
  return false;
#endif
}

}  // namespace rivet::server
