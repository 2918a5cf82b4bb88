#include "server/batch_sender.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cerrno>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

namespace rivet::server {
namespace {

// TCP connection pairs on 127.0.0.1: [sender, receiver].
class Pairs {
 public:
  explicit Pairs(int n) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(listener_, 256), 0);
    socklen_t len = sizeof addr;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
    for (int i = 0; i < n; ++i) {
      const int client = ::socket(AF_INET, SOCK_STREAM, 0);
      EXPECT_EQ(::connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
      const int server = ::accept(listener_, nullptr, nullptr);
      EXPECT_GE(server, 0);
      senders.push_back(server);
      receivers.push_back(client);
    }
  }
  ~Pairs() {
    for (int fd : senders) {
      ::close(fd);
    }
    for (int fd : receivers) {
      ::close(fd);
    }
    ::close(listener_);
  }
  Pairs(const Pairs&) = delete;
  Pairs& operator=(const Pairs&) = delete;

  std::vector<int> senders;
  std::vector<int> receivers;

 private:
  int listener_ = -1;
};

std::string read_exactly(int fd, std::size_t n) {
  std::string out(n, '\0');
  std::size_t got = 0;
  while (got < n) {
    const auto r = ::recv(fd, out.data() + got, n - got, 0);
    if (r <= 0) {
      break;
    }
    got += static_cast<std::size_t>(r);
  }
  out.resize(got);
  return out;
}

// A message of two parts (like a frame header and a shared payload).
struct Message {
  Message(std::string head, const std::string& body) : head_(std::move(head)) {
    iov_ = {iovec{head_.data(), head_.size()},
            iovec{const_cast<char*>(body.data()), body.size()}};
    msg.msg_iov = iov_.data();
    msg.msg_iovlen = iov_.size();
  }
  Message(const Message&) = delete;
  Message& operator=(const Message&) = delete;
  msghdr msg{};

 private:
  std::string head_;
  std::array<iovec, 2> iov_{};
};

using SendFn = void (*)(std::span<BatchSend>);

class BatchSenderTest : public ::testing::TestWithParam<SendFn> {};

TEST_P(BatchSenderTest, EverySocketGetsItsWholeMessage) {
  constexpr int kSockets = 150;  // more than one ring's worth
  Pairs pairs(kSockets);
  const std::string body = "shared-payload";
  std::vector<std::unique_ptr<Message>> messages;
  std::vector<BatchSend> sends;
  for (int i = 0; i < kSockets; ++i) {
    messages.push_back(std::make_unique<Message>("#" + std::to_string(i) + ":", body));
    sends.push_back(BatchSend{.fd = pairs.senders[i], .message = &messages.back()->msg});
  }
  GetParam()(sends);
  for (int i = 0; i < kSockets; ++i) {
    const auto expected = "#" + std::to_string(i) + ":" + body;
    EXPECT_EQ(sends[i].result, static_cast<ssize_t>(expected.size())) << i;
    EXPECT_EQ(read_exactly(pairs.receivers[i], expected.size()), expected) << i;
  }
}

TEST_P(BatchSenderTest, AFullSocketReportsWithoutBlockingTheOthers) {
  Pairs pairs(3);
  // Fill socket 1: its peer never reads.
  const int small = 4096;
  ::setsockopt(pairs.senders[1], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
  ::setsockopt(pairs.receivers[1], SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  const std::string chunk(65536, 'x');
  while (::send(pairs.senders[1], chunk.data(), chunk.size(), MSG_DONTWAIT) > 0) {
  }
  ASSERT_EQ(errno, EAGAIN);
  const std::string body(1000, 'y');
  Message a("a", body);
  Message b("b", body);
  Message c("c", body);
  std::array<BatchSend, 3> sends{BatchSend{.fd = pairs.senders[0], .message = &a.msg},
                                 BatchSend{.fd = pairs.senders[1], .message = &b.msg},
                                 BatchSend{.fd = pairs.senders[2], .message = &c.msg}};
  GetParam()(sends);
  EXPECT_EQ(sends[0].result, 1001);
  EXPECT_EQ(sends[1].result, -EAGAIN);
  EXPECT_EQ(sends[2].result, 1001);
  EXPECT_EQ(read_exactly(pairs.receivers[2], 1001), "c" + body);
}

TEST_P(BatchSenderTest, ADescriptorThatIsNotASocketFailsOnlyItsOwnSend) {
  Pairs pairs(2);
  const std::string body = "z";
  Message a("a", body);
  Message bad("b", body);
  Message c("c", body);
  std::array<int, 2> pipe_fds{};
  ASSERT_EQ(::pipe(pipe_fds.data()), 0);
  std::array<BatchSend, 3> sends{BatchSend{.fd = pairs.senders[0], .message = &a.msg},
                                 BatchSend{.fd = pipe_fds[1], .message = &bad.msg},
                                 BatchSend{.fd = pairs.senders[1], .message = &c.msg}};
  GetParam()(sends);
  EXPECT_EQ(sends[0].result, 2);
  EXPECT_EQ(sends[1].result, -ENOTSOCK);
  EXPECT_EQ(sends[2].result, 2);
  EXPECT_EQ(read_exactly(pairs.receivers[1], 2), "cz");
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
}

TEST_P(BatchSenderTest, APeerThatHungUpIsAnErrorNotASignal) {
  Pairs pairs(1);
  ::close(pairs.receivers[0]);
  pairs.receivers[0] = ::socket(AF_INET, SOCK_STREAM, 0);  // keeps the destructor simple
  const std::string body(100, 'q');
  Message m("m", body);
  std::array<BatchSend, 1> sends{BatchSend{.fd = pairs.senders[0], .message = &m.msg}};
  // The first send may still be taken (the reset comes back with it); later ones fail.
  for (int i = 0; i < 5 && sends[0].result >= 0; ++i) {
    GetParam()(sends);
    ::usleep(2000);
  }
  EXPECT_LT(sends[0].result, 0);
  EXPECT_TRUE(sends[0].result == -EPIPE || sends[0].result == -ECONNRESET) << sends[0].result;
}

INSTANTIATE_TEST_SUITE_P(Modes, BatchSenderTest,
                         ::testing::Values(&send_all, &send_one_by_one),
                         [](const auto& info) {
                           return std::string(info.index == 0 ? "Batched" : "OneByOne");
                         });

TEST(BatchSender, SaysWhetherItBatches) {
  // Informational: CI sandboxes may refuse io_uring, and then send_all falls back.
  std::printf("send_all uses io_uring here: %s\n", batch_sends_use_io_uring() ? "yes" : "no");
  SUCCEED();
}

}  // namespace
}  // namespace rivet::server
