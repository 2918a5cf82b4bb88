// rivet-bench-fanout: broadcast fan-out latency. One actor, N subscribed WebSocket connections
// (opened with Beast, then read by raw receiver threads; bare encoding, all on 127.0.0.1); the
// actor's `tick(seq)` action broadcasts `tick(seq)`; we time, per event, how long each
// connection takes to receive it from just before the action request is written.
//
// The server runs in a child process (forked before any thread exists) so that each process has
// its own file-descriptor table (10 000 connections are 20 000 descriptors in one process).
// RLIMIT_NOFILE is raised to the hard limit first (both processes inherit it).
//
//   rivet-bench-fanout                       1 000 and 10 000 clients
//   rivet-bench-fanout --clients 1000 --events 200
//   rivet-bench-fanout --client-threads 2   receiver threads in the client (default 2)
//   rivet-bench-fanout --client-io uring    how they read (default epoll; uring: multishot
//                                            recv, epoll where io_uring is unavailable)
//   rivet-bench-fanout --smoke               a few seconds; exit 1 if any event went missing
//
// Output: per run, the per-delivery latency (each connection's receive time) p50/p99/max, and
// the time until every connection had the event ("all") p50/p99, and the CPU time the server and
// the client spent per event (from /proc, so it holds up better than latency on a busy machine).

#include <rivet/rivet.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <limits>
#include <mutex>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#ifdef RIVET_HAVE_IO_URING
#include <liburing.h>
#endif

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kConnectBatch = 256;
constexpr auto kEventTimeout = std::chrono::seconds(20);
constexpr int kWarmupEvents = 3;

// -- the server (child process) ---------------------------------------------------------------

struct TickState {
  std::int64_t ticks = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(TickState, ticks)

[[noreturn]] void run_server(int port_pipe, int parent_pipe, unsigned threads) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  rivet::Registry registry;
  registry.use(rivet::actor<TickState>("fanout").action("tick", [](auto& c, std::int64_t seq) {
    // No state change: the broadcast leaves without waiting for a commit.
    c.broadcast("tick", seq);
    return seq;
  }));
  const auto dir =
      std::filesystem::temp_directory_path() / ("rivet-bench-fanout-" + std::to_string(::getpid()));
  rivet::ServerOptions options;
  options.port = 0;
  options.data_dir = dir.string();
  options.threads = threads;
  options.reconnect_drain = std::chrono::milliseconds(0);
  auto server = rivet::Server::start(registry, options);
  if (!server) {
    std::fprintf(stderr, "fanout server: %s\n", server.error().message.c_str());
    std::_Exit(2);
  }
  const std::uint16_t port = (*server)->port();
  (void)!::write(port_pipe, &port, sizeof port);
  ::close(port_pipe);
  char byte = 0;
  while (::read(parent_pipe, &byte, 1) > 0) {
  }
  (*server)->stop();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  std::_Exit(0);
}

// -- bare encoding (client-protocol.md §11) ---------------------------------------------------

void put_uint(std::vector<std::uint8_t>& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<std::uint8_t>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<std::uint8_t>(v));
}

void put_str(std::vector<std::uint8_t>& out, std::string_view s) {
  put_uint(out, s.size());
  out.insert(out.end(), s.begin(), s.end());
}

void put_cbor_uint(std::vector<std::uint8_t>& out, std::uint64_t v) {
  if (v < 24) {
    out.push_back(static_cast<std::uint8_t>(v));
  } else if (v <= 0xFF) {
    out.push_back(0x18);
    out.push_back(static_cast<std::uint8_t>(v));
  } else if (v <= 0xFFFF) {
    out.push_back(0x19);
    out.push_back(static_cast<std::uint8_t>(v >> 8));
    out.push_back(static_cast<std::uint8_t>(v));
  } else {
    out.push_back(0x1a);
    for (int shift = 24; shift >= 0; shift -= 8) {
      out.push_back(static_cast<std::uint8_t>(v >> shift));
    }
  }
}

std::vector<std::uint8_t> subscribe_message(std::string_view event) {
  std::vector<std::uint8_t> out{0x04, 0x00, 0x01};
  put_str(out, event);
  out.push_back(0x01);
  return out;
}

std::vector<std::uint8_t> tick_request(std::uint64_t id, std::uint64_t seq) {
  std::vector<std::uint8_t> out{0x04, 0x00, 0x00};
  put_uint(out, id);
  put_str(out, "tick");
  std::vector<std::uint8_t> args{0x81};
  put_cbor_uint(args, seq);
  put_uint(out, args.size());
  out.insert(out.end(), args.begin(), args.end());
  return out;
}

struct Reader {
  const std::uint8_t* p;
  const std::uint8_t* end;
  std::optional<std::uint64_t> uint() {
    std::uint64_t v = 0;
    for (int shift = 0; p < end && shift < 64; shift += 7) {
      const auto b = *p++;
      v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        return v;
      }
    }
    return std::nullopt;
  }
  std::optional<std::string_view> str() {
    auto n = uint();
    if (!n || static_cast<std::size_t>(end - p) < *n) {
      return std::nullopt;
    }
    std::string_view s(reinterpret_cast<const char*>(p), *n);
    p += *n;
    return s;
  }
};

/// Init -> actor id.
std::optional<std::string> parse_init(const std::uint8_t* data, std::size_t size) {
  if (size < 3 || data[0] != 0x04 || data[2] != 0x00) {
    return std::nullopt;
  }
  Reader r{data + 3, data + size};
  auto id = r.str();
  return id ? std::optional<std::string>(std::string(*id)) : std::nullopt;
}

/// Event "tick" -> seq.
std::optional<std::uint64_t> parse_tick(const std::uint8_t* data, std::size_t size) {
  if (size < 3 || data[0] != 0x04 || data[2] != 0x03) {
    return std::nullopt;
  }
  Reader r{data + 3, data + size};
  auto name = r.str();
  auto args = r.str();
  if (!name || !args || *name != "tick" || args->size() < 2 ||
      static_cast<std::uint8_t>((*args)[0]) != 0x81) {
    return std::nullopt;
  }
  const auto* c = reinterpret_cast<const std::uint8_t*>(args->data()) + 1;
  const auto* e = reinterpret_cast<const std::uint8_t*>(args->data()) + args->size();
  const std::uint8_t head = *c++;
  if (head < 24) {
    return head;
  }
  int bytes = head == 0x18 ? 1 : head == 0x19 ? 2 : head == 0x1a ? 4 : head == 0x1b ? 8 : 0;
  if (bytes == 0 || e - c < bytes) {
    return std::nullopt;
  }
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) {
    v = (v << 8) | *c++;
  }
  return v;
}

// -- the clients --------------------------------------------------------------------------------
//
// Connections are opened with Beast (handshake, Init, subscribe). For the measured part their
// sockets are taken out of Asio and read by `--client-threads` receiver threads, each with its own
// epoll set, decoding the (unmasked) server frames by hand: one recv and a few comparisons per
// event, so the client takes as little of the shared 2 cores as possible and the figure is the
// server's. The clock stops when a receiver has decoded the event.

using Ws = websocket::stream<beast::tcp_stream>;

struct Opening {
  std::size_t clients = 0;
  std::uint16_t port = 0;
  std::string actor_id;
  std::vector<std::unique_ptr<Ws>> sockets;
  std::size_t failed = 0;
};

asio::awaitable<bool> open_one(Opening& run, std::size_t index, std::string path) {
  auto ex = co_await asio::this_coro::executor;
  auto ws = std::make_unique<Ws>(ex);
  auto [cec] = co_await beast::get_lowest_layer(*ws).async_connect(
      tcp::endpoint(asio::ip::make_address("127.0.0.1"), run.port), kUseTuple);
  if (cec) {
    co_return false;
  }
  beast::get_lowest_layer(*ws).socket().set_option(tcp::no_delay(true));
  ws->set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
    req.set(beast::http::field::sec_websocket_protocol, "rivet, rivet_encoding.bare");
  }));
  ws->binary(true);
  auto [hec] =
      co_await ws->async_handshake("127.0.0.1:" + std::to_string(run.port), path, kUseTuple);
  if (hec) {
    co_return false;
  }
  beast::flat_buffer buffer;
  auto [rec, n] = co_await ws->async_read(buffer, kUseTuple);
  if (rec) {
    co_return false;
  }
  auto id = parse_init(static_cast<const std::uint8_t*>(buffer.data().data()), buffer.size());
  if (!id) {
    co_return false;
  }
  if (run.actor_id.empty()) {
    run.actor_id = *id;
  }
  auto sub = subscribe_message("tick");
  auto [wec, w] = co_await ws->async_write(asio::buffer(sub), kUseTuple);
  if (wec) {
    co_return false;
  }
  run.sockets[index] = std::move(ws);
  co_return true;
}

asio::awaitable<void> open_all(Opening& run, bool& ok) {
  run.sockets.resize(run.clients);
  // The first connection resolves the actor (getOrCreate); the rest address it by id.
  const std::string key =
      "fanout-" + std::to_string(::getpid()) + "-" + std::to_string(run.clients);
  const std::string query_path =
      "/gateway/fanout/connect?rvt-namespace=default&rvt-method=getOrCreate"
      "&rvt-runner=default&rvt-key=" +
      key;
  if (!co_await open_one(run, 0, query_path)) {
    ok = false;
    co_return;
  }
  const std::string path = "/gateway/" + run.actor_id + "/connect";
  for (std::size_t start = 1; start < run.clients; start += kConnectBatch) {
    const auto stop = std::min(run.clients, start + kConnectBatch);
    std::size_t pending = stop - start;
    asio::steady_timer batch_done(co_await asio::this_coro::executor, Clock::time_point::max());
    for (std::size_t i = start; i < stop; ++i) {
      asio::co_spawn(co_await asio::this_coro::executor, open_one(run, i, path),
                     [&](std::exception_ptr, bool opened) {
                       if (!opened) {
                         ++run.failed;
                       }
                       if (--pending == 0) {
                         batch_done.cancel();
                       }
                     });
    }
    co_await batch_done.async_wait(kUseTuple);
  }
  ok = run.failed == 0;
}

/// Opens `clients` subscribed connections; returns their descriptors (blocking mode off).
std::optional<std::vector<int>> open_connections(std::uint16_t port, std::size_t clients) {
  asio::io_context io(1);  // declared first: the sockets die before it
  Opening run;
  run.clients = clients;
  run.port = port;
  bool ok = true;
  asio::co_spawn(io, open_all(run, ok), asio::detached);
  io.run();
  if (!ok) {
    std::fprintf(stderr, "fanout: %zu of %zu connections failed to open\n", run.failed, clients);
    return std::nullopt;
  }
  std::vector<int> fds;
  fds.reserve(clients);
  for (auto& ws : run.sockets) {
    const int fd = beast::get_lowest_layer(*ws).socket().release();
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    fds.push_back(fd);
  }
  return fds;
}

// How the receivers read: epoll + recv (default), or io_uring multishot recv where it works.
enum class ClientIo { uring, epoll };
ClientIo g_client_io = ClientIo::epoll;

std::mutex g_write_mutex;  // client frames (the trigger's requests, pongs) on any descriptor

/// Writes one masked client frame (all of it; waits for room).
bool write_frame(int fd, std::uint8_t opcode, const std::uint8_t* data, std::size_t size) {
  std::vector<std::uint8_t> frame;
  frame.reserve(size + 14);
  frame.push_back(static_cast<std::uint8_t>(0x80 | opcode));
  if (size < 126) {
    frame.push_back(static_cast<std::uint8_t>(0x80 | size));
  } else if (size <= 0xFFFF) {
    frame.push_back(0x80 | 126);
    frame.push_back(static_cast<std::uint8_t>(size >> 8));
    frame.push_back(static_cast<std::uint8_t>(size));
  } else {
    frame.push_back(0x80 | 127);
    for (int shift = 56; shift >= 0; shift -= 8) {
      frame.push_back(static_cast<std::uint8_t>(static_cast<std::uint64_t>(size) >> shift));
    }
  }
  const std::uint8_t mask[4] = {0x5a, 0x17, 0xc3, 0x8e};
  frame.insert(frame.end(), mask, mask + 4);
  for (std::size_t i = 0; i < size; ++i) {
    frame.push_back(data[i] ^ mask[i % 4]);
  }
  std::lock_guard lock(g_write_mutex);
  std::size_t done = 0;
  while (done < frame.size()) {
    const auto n = ::send(fd, frame.data() + done, frame.size() - done, MSG_NOSIGNAL);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      pollfd p{fd, POLLOUT, 0};
      (void)::poll(&p, 1, 100);
    } else {
      return false;
    }
  }
  return true;
}

struct Measure {
  std::size_t clients = 0;
  int total = 0;
  std::unique_ptr<std::atomic<std::int64_t>[]> sent_ns;    // per event: clock start
  std::unique_ptr<std::atomic<std::size_t>[]> received;    // per event: connections that have it
  std::unique_ptr<std::atomic<std::int64_t>[]> last_ns;    // per event: time until the last had it
  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::condition_variable all_in;
};

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

struct RawConn {
  int fd = -1;
  std::vector<std::uint8_t> buf;  // the start of a frame not yet complete (rare)
  std::size_t len = 0;
  std::vector<std::uint8_t> message;  // a fragmented message being assembled
};

/// Records each tick's latency as a receiver decodes it.
struct Recorder {
  Measure& m;
  std::vector<double>& latencies_us;

  void operator()(RawConn&, const std::uint8_t* data, std::size_t size) {
    auto seq = parse_tick(data, size);
    const auto now = now_ns();
    if (!seq || *seq >= static_cast<std::uint64_t>(m.total)) {
      return;  // the trigger's ActionResponse
    }
    const auto latency = now - m.sent_ns[*seq].load(std::memory_order_acquire);
    if (*seq >= static_cast<std::uint64_t>(kWarmupEvents)) {
      latencies_us.push_back(static_cast<double>(latency) / 1000.0);
    }
    if (m.received[*seq].fetch_add(1, std::memory_order_acq_rel) + 1 == m.clients) {
      m.last_ns[*seq].store(latency);
      std::lock_guard lock(m.mutex);
      m.all_in.notify_all();
    }
  }
};

/// Decodes every complete frame at the start of `data`, answers pings, passes each complete
/// message to `on_message(conn, data, size)`; returns the bytes used (a partial frame is left).
template <class OnMessage>
std::size_t decode_frames(RawConn& c, const std::uint8_t* data, std::size_t len,
                          OnMessage& on_message) {
  std::size_t pos = 0;
  for (;;) {  // every complete frame in the buffer
    const std::size_t avail = len - pos;
    if (avail < 2) {
      break;
    }
    const std::uint8_t* f = data + pos;
    const bool fin = (f[0] & 0x80) != 0;
    const std::uint8_t opcode = f[0] & 0x0F;
    std::size_t header = 2;
    std::uint64_t size = f[1] & 0x7F;
    if (size == 126) {
      header = 4;
      if (avail < header) {
        break;
      }
      size = (std::uint64_t{f[2]} << 8) | f[3];
    } else if (size == 127) {
      header = 10;
      if (avail < header) {
        break;
      }
      size = 0;
      for (int i = 0; i < 8; ++i) {
        size = (size << 8) | f[2 + i];
      }
    }
    if ((f[1] & 0x80) != 0) {
      header += 4;  // a server must not mask; tolerated
    }
    if (avail < header + size) {
      break;
    }
    const std::uint8_t* payload = f + header;
    if (opcode == 0x9) {
      (void)write_frame(c.fd, 0xA, payload, size);  // keep-alive ping -> pong
    } else if (opcode == 0x1 || opcode == 0x2 || opcode == 0x0) {
      if (fin && c.message.empty()) {
        on_message(c, payload, size);
      } else {
        c.message.insert(c.message.end(), payload, payload + size);
        if (fin) {
          on_message(c, c.message.data(), c.message.size());
          c.message.clear();
        }
      }
    }
    pos += header + size;
  }
  return pos;
}

/// One receiver thread: reads its connections, decodes frames, records each tick's latency.
void receive(Measure& m, std::vector<RawConn>& conns, std::vector<double>& latencies_us) {
  const int ep = ::epoll_create1(0);
  for (std::size_t i = 0; i < conns.size(); ++i) {
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLET;
    ev.data.u64 = i;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev);
  }
  Recorder on_message{m, latencies_us};
  std::vector<epoll_event> events(256);
  // One read buffer per thread rather than per connection: a thousand 64 KiB-aligned buffers
  // would all fall in the same cache sets.
  std::vector<std::uint8_t> scratch(64 * 1024);
  while (!m.stop.load(std::memory_order_relaxed)) {
    const int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), 100);
    for (int e = 0; e < n; ++e) {
      auto& c = conns[events[e].data.u64];
      // Edge-triggered: read until a recv comes back short of the room it had (the socket is
      // then drained; data arriving later raises a new edge). One recv per event, and epoll
      // does not poll the socket again to find it empty.
      for (bool more = true; more;) {
        std::size_t len = c.len;
        if (len * 2 > scratch.size()) {
          scratch.resize(len * 2);
        }
        std::copy_n(c.buf.data(), len, scratch.data());
        const auto room = scratch.size() - len;
        const auto got = ::recv(c.fd, scratch.data() + len, room, 0);
        if (got <= 0) {
          if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
            ::epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
          }
          more = got < 0 && errno == EINTR;
          continue;
        }
        more = static_cast<std::size_t>(got) == room;
        len += static_cast<std::size_t>(got);
        const auto pos = decode_frames(c, scratch.data(), len, on_message);
        c.buf.assign(scratch.data() + pos, scratch.data() + len);  // usually nothing
        c.len = len - pos;
      }
    }
  }
  ::close(ep);
}

#ifdef RIVET_HAVE_IO_URING
/// The same receiver on io_uring: one multishot recv per connection, armed once, into buffers
/// the kernel picks from a ring this thread gives back after decoding; a wake-up takes every
/// completion that arrived meanwhile with no system call per connection. False when io_uring
/// cannot be set up here (the caller uses the epoll receiver instead).
bool receive_uring(Measure& m, std::vector<RawConn>& conns, std::vector<double>& latencies_us) {
  constexpr unsigned kEntries = 4096;
  constexpr unsigned kBuffers = 4096;  // a power of two
  constexpr std::size_t kBufferSize = 2048;
  constexpr int kGroup = 0;
  io_uring ring{};
  if (io_uring_queue_init(kEntries, &ring, 0) != 0) {
    return false;
  }
  const std::size_t ring_bytes = kBuffers * sizeof(io_uring_buf);
  void* mem = ::mmap(nullptr, ring_bytes, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE,
                     -1, 0);
  auto* buffers = static_cast<io_uring_buf_ring*>(mem);
  io_uring_buf_reg reg{};
  reg.ring_addr = reinterpret_cast<std::uint64_t>(mem);
  reg.ring_entries = kBuffers;
  reg.bgid = kGroup;
  if (mem == MAP_FAILED || io_uring_register_buf_ring(&ring, &reg, 0) != 0) {
    if (mem != MAP_FAILED) {
      ::munmap(mem, ring_bytes);
    }
    io_uring_queue_exit(&ring);
    return false;
  }
  const int mask = io_uring_buf_ring_mask(kBuffers);
  std::vector<std::uint8_t> storage(kBuffers * kBufferSize);
  io_uring_buf_ring_init(buffers);
  for (unsigned i = 0; i < kBuffers; ++i) {
    io_uring_buf_ring_add(buffers, storage.data() + i * kBufferSize, kBufferSize,
                          static_cast<unsigned short>(i), mask, static_cast<int>(i));
  }
  io_uring_buf_ring_advance(buffers, kBuffers);
  auto arm = [&](std::size_t index) {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring);
    if (sqe == nullptr) {
      io_uring_submit(&ring);
      sqe = io_uring_get_sqe(&ring);
    }
    io_uring_prep_recv_multishot(sqe, conns[index].fd, nullptr, 0, 0);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = kGroup;
    io_uring_sqe_set_data64(sqe, index);
  };
  for (std::size_t i = 0; i < conns.size(); ++i) {
    arm(i);
  }
  io_uring_submit(&ring);

  Recorder on_message{m, latencies_us};
  std::vector<std::uint8_t> joined;  // a partial frame plus what follows it (rare)
  while (!m.stop.load(std::memory_order_relaxed)) {
    io_uring_cqe* first = nullptr;
    __kernel_timespec timeout{.tv_sec = 0, .tv_nsec = 100'000'000};
    const int rc = io_uring_submit_and_wait_timeout(&ring, &first, 1, &timeout, nullptr);
    if (rc < 0 && rc != -ETIME && rc != -EINTR) {
      break;
    }
    unsigned head = 0;
    unsigned seen = 0;
    int returned = 0;
    io_uring_cqe* cqe = nullptr;
    io_uring_for_each_cqe(&ring, head, cqe) {
      ++seen;
      const auto index = io_uring_cqe_get_data64(cqe);
      auto& c = conns[index];
      if (cqe->res > 0 && (cqe->flags & IORING_CQE_F_BUFFER) != 0) {
        const auto id = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
        std::uint8_t* data = storage.data() + id * kBufferSize;
        const auto got = static_cast<std::size_t>(cqe->res);
        if (c.len == 0) {
          const auto used = decode_frames(c, data, got, on_message);
          c.buf.assign(data + used, data + got);
          c.len = got - used;
        } else {
          joined.assign(c.buf.begin(), c.buf.begin() + static_cast<std::ptrdiff_t>(c.len));
          joined.insert(joined.end(), data, data + got);
          const auto used = decode_frames(c, joined.data(), joined.size(), on_message);
          c.buf.assign(joined.begin() + static_cast<std::ptrdiff_t>(used), joined.end());
          c.len = joined.size() - used;
        }
        io_uring_buf_ring_add(buffers, data, kBufferSize, static_cast<unsigned short>(id), mask,
                              returned++);
      }
      // A multishot recv ends on an error, on the peer's close, or when buffers ran out; only
      // the last is re-armed.
      if ((cqe->flags & IORING_CQE_F_MORE) == 0 && (cqe->res > 0 || cqe->res == -ENOBUFS)) {
        arm(index);
      }
    }
    io_uring_cq_advance(&ring, seen);
    io_uring_buf_ring_advance(buffers, returned);
  }
  io_uring_queue_exit(&ring);
  ::munmap(mem, ring_bytes);
  return true;
}
#endif

struct Outcome {
  std::vector<double> latencies_us;
  std::vector<double> all_ms;
  double server_cpu_ms = 0;  // per event, both io threads, user + system
  double client_cpu_ms = 0;  // per event, this process
};

/// user + system CPU time of a process so far, in ms (/proc/<pid>/stat).
double cpu_ms(pid_t pid) {
  std::FILE* f = std::fopen(("/proc/" + std::to_string(pid) + "/stat").c_str(), "r");
  if (f == nullptr) {
    return 0;
  }
  char buf[1024] = {};
  const auto n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  std::string_view text(buf, n);
  const auto close = text.rfind(')');  // the command name may hold spaces
  if (close == std::string_view::npos) {
    return 0;
  }
  // Fields after ")": state(3) ... utime(14) stime(15).
  std::size_t pos = close + 2;
  for (int field = 3; field < 14; ++field) {
    pos = text.find(' ', pos) + 1;
  }
  const double ticks = std::strtod(buf + pos, nullptr);
  pos = text.find(' ', pos) + 1;
  const double sticks = std::strtod(buf + pos, nullptr);
  return (ticks + sticks) * 1000.0 / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

std::optional<Outcome> measure(const std::vector<int>& fds, int events, unsigned threads,
                               pid_t server) {
  Measure m;
  m.clients = fds.size();
  m.total = events + kWarmupEvents;
  m.sent_ns = std::make_unique<std::atomic<std::int64_t>[]>(m.total);
  m.received = std::make_unique<std::atomic<std::size_t>[]>(m.total);
  m.last_ns = std::make_unique<std::atomic<std::int64_t>[]>(m.total);
  for (int i = 0; i < m.total; ++i) {
    m.sent_ns[i] = std::numeric_limits<std::int64_t>::max();
    m.received[i] = 0;
    m.last_ns[i] = 0;
  }
  threads = std::max(1U, std::min<unsigned>(threads, static_cast<unsigned>(fds.size())));
  std::vector<std::vector<RawConn>> parts(threads);
  for (std::size_t i = 0; i < fds.size(); ++i) {
    RawConn c;
    c.fd = fds[i];
    parts[i % threads].push_back(std::move(c));
  }
  std::vector<std::vector<double>> lat(threads);
  for (auto& l : lat) {
    l.reserve(fds.size() * static_cast<std::size_t>(events) / threads + 16);
  }
  std::vector<std::thread> receivers;
  for (unsigned t = 0; t < threads; ++t) {
    receivers.emplace_back([&, t] {
#ifdef RIVET_HAVE_IO_URING
      if (g_client_io == ClientIo::uring) {
        if (receive_uring(m, parts[t], lat[t])) {
          return;
        }
        std::fprintf(stderr, "fanout: io_uring unavailable, this receiver uses epoll\n");
      }
#endif
      receive(m, parts[t], lat[t]);
    });
  }
  // Let the subscriptions land before the first event.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  bool ok = true;
  const double server_cpu0 = cpu_ms(server);
  const double client_cpu0 = cpu_ms(::getpid());
  for (int seq = 0; seq < m.total && ok; ++seq) {
    auto request = tick_request(static_cast<std::uint64_t>(seq), static_cast<std::uint64_t>(seq));
    m.sent_ns[seq].store(now_ns(), std::memory_order_release);
    if (!write_frame(fds[0], 0x2, request.data(), request.size())) {
      std::fprintf(stderr, "fanout: the trigger connection failed\n");
      ok = false;
      break;
    }
    std::unique_lock lock(m.mutex);
    if (!m.all_in.wait_for(lock, kEventTimeout, [&] { return m.received[seq] >= m.clients; })) {
      std::fprintf(stderr, "fanout: event %d reached %zu of %zu connections in %lld s\n", seq,
                   m.received[seq].load(), m.clients,
                   static_cast<long long>(kEventTimeout.count()));
      ok = false;
    }
    lock.unlock();
    // A short gap so events do not overlap.
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  const double server_cpu = cpu_ms(server) - server_cpu0;
  const double client_cpu = cpu_ms(::getpid()) - client_cpu0;
  m.stop = true;
  for (auto& t : receivers) {
    t.join();
  }
  if (!ok) {
    return std::nullopt;
  }
  Outcome out;
  out.server_cpu_ms = server_cpu / m.total;
  out.client_cpu_ms = client_cpu / m.total;
  for (auto& l : lat) {
    out.latencies_us.insert(out.latencies_us.end(), l.begin(), l.end());
  }
  for (int seq = kWarmupEvents; seq < m.total; ++seq) {
    out.all_ms.push_back(static_cast<double>(m.last_ns[seq].load()) / 1e6);
  }
  return out;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) {
    return 0;
  }
  std::sort(v.begin(), v.end());
  const auto idx = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(idx, v.size() - 1)];
}

bool run_one(std::uint16_t port, pid_t server, std::size_t clients, int events,
             unsigned client_threads) {
  const auto t0 = Clock::now();
  auto fds = open_connections(port, clients);
  if (!fds) {
    return false;
  }
  auto outcome = measure(*fds, events, client_threads, server);
  for (int fd : *fds) {
    ::close(fd);
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  if (!outcome) {
    return false;
  }
  const auto& lat = outcome->latencies_us;
  double load[3] = {0, 0, 0};
  (void)::getloadavg(load, 3);
  std::printf(
      "clients %6zu  events %4d  delivery p50 %8.3f ms  p99 %8.3f ms  max %8.3f ms  |  "
      "all-received p50 %8.3f ms  p99 %8.3f ms  |  CPU per event: server %.2f ms, "
      "client %.2f ms  (%.1f s, load %.2f)\n",
      clients, events, percentile(lat, 0.50) / 1000.0, percentile(lat, 0.99) / 1000.0,
      percentile(lat, 1.0) / 1000.0, percentile(outcome->all_ms, 0.50),
      percentile(outcome->all_ms, 0.99), outcome->server_cpu_ms, outcome->client_cpu_ms, seconds,
      load[0]);
  std::fflush(stdout);
  return true;
}

void raise_fd_limit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    (void)::setrlimit(RLIMIT_NOFILE, &lim);
  }
}

std::vector<std::size_t> parse_list(const char* text) {
  std::vector<std::size_t> out;
  std::string s(text);
  std::size_t start = 0;
  while (start <= s.size()) {
    const auto comma = s.find(',', start);
    const auto part =
        s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!part.empty()) {
      out.push_back(static_cast<std::size_t>(std::stoull(part)));
    }
    if (comma == std::string::npos) {
      break;
    }
    start = comma + 1;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::size_t> clients{1000, 10000};
  int events = 100;
  unsigned server_threads = 0;
  unsigned client_threads = 2;
  bool smoke = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--smoke") {
      smoke = true;
    } else if (arg == "--clients" && i + 1 < argc) {
      clients = parse_list(argv[++i]);
    } else if (arg == "--events" && i + 1 < argc) {
      events = std::atoi(argv[++i]);
    } else if (arg == "--server-threads" && i + 1 < argc) {
      server_threads = static_cast<unsigned>(std::atoi(argv[++i]));
    } else if (arg == "--client-threads" && i + 1 < argc) {
      client_threads = static_cast<unsigned>(std::atoi(argv[++i]));
    } else if (arg == "--client-io" && i + 1 < argc &&
               (std::string_view(argv[i + 1]) == "uring" ||
                std::string_view(argv[i + 1]) == "epoll")) {
      g_client_io = std::string_view(argv[++i]) == "uring" ? ClientIo::uring : ClientIo::epoll;
    } else {
      std::fprintf(stderr,
                   "usage: %s [--smoke] [--clients 1000,10000] [--events 100] "
                   "[--server-threads N] [--client-threads N] [--client-io uring|epoll]\n",
                   argv[0]);
      return 2;
    }
  }
  if (smoke) {
    clients = {200};
    events = 20;
  }
  raise_fd_limit();
  rlimit lim{};
  ::getrlimit(RLIMIT_NOFILE, &lim);
  std::printf(
      "rivet-bench-fanout: one actor, subscribed WebSockets on 127.0.0.1 (bare), "
      "RLIMIT_NOFILE %llu, %u cores, client reads with %s\n",
      static_cast<unsigned long long>(lim.rlim_cur), std::thread::hardware_concurrency(),
      g_client_io == ClientIo::uring ? "io_uring" : "epoll");

  int port_pipe[2];
  int parent_pipe[2];
  if (::pipe(port_pipe) != 0 || ::pipe(parent_pipe) != 0) {
    std::perror("pipe");
    return 1;
  }
  const pid_t child = ::fork();
  if (child < 0) {
    std::perror("fork");
    return 1;
  }
  if (child == 0) {
    ::close(port_pipe[0]);
    ::close(parent_pipe[1]);
    run_server(port_pipe[1], parent_pipe[0], server_threads);
  }
  ::close(port_pipe[1]);
  ::close(parent_pipe[0]);
  std::uint16_t port = 0;
  if (::read(port_pipe[0], &port, sizeof port) != static_cast<ssize_t>(sizeof port)) {
    std::fprintf(stderr, "fanout: the server did not start\n");
    return 1;
  }
  bool ok = true;
  for (auto n : clients) {
    if (static_cast<rlim_t>(n) + 64 > lim.rlim_cur) {
      std::fprintf(stderr, "fanout: %zu clients need more than RLIMIT_NOFILE %llu\n", n,
                   static_cast<unsigned long long>(lim.rlim_cur));
      ok = false;
      continue;
    }
    ok = run_one(port, child, n, events, client_threads) && ok;
  }
  ::close(parent_pipe[1]);  // the server stops when this pipe closes
  int status = 0;
  ::waitpid(child, &status, 0);
  return ok ? 0 : 1;
}
