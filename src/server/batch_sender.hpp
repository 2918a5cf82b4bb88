#pragma once
// Many non-blocking sends to different sockets in one system call. A broadcast writes the same
// small frame to hundreds of sockets; one sendmsg each costs a system call each, which on a
// virtual machine is a large part of the work. With io_uring the calling thread submits a whole
// batch and the kernel issues every send inline before the call returns.
//
// Thread-safety: one ring per thread (created on first use), so any thread may call send_all.
// Where io_uring is unavailable (not built in, refused by the kernel or a sandbox) the same
// sends are made one sendmsg at a time; the results are the same.

#include <cstddef>
#include <span>

#include <sys/socket.h>
#include <sys/types.h>

namespace rivet::server {

struct BatchSend {
  int fd = -1;
  const msghdr* message = nullptr;  // kept alive by the caller until send_all returns
  ssize_t result = 0;               // bytes written, or -errno (-EAGAIN: the socket was full)
};

/// Sends every message with MSG_DONTWAIT | MSG_NOSIGNAL, each exactly as one sendmsg would,
/// and stores each outcome in `result`. Never blocks on a full socket.
void send_all(std::span<BatchSend> sends);

/// The same, always one sendmsg per message (what send_all falls back to).
void send_one_by_one(std::span<BatchSend> sends);

/// True when send_all uses io_uring on this thread. RIVET_IO_URING=0 in the environment (read
/// when a thread first sends) turns it off.
[[nodiscard]] bool batch_sends_use_io_uring();

}  // namespace rivet::server
