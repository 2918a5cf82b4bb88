#include "server/broadcast_publisher.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace rivet::server {
namespace {

namespace asio = boost::asio;

class RecordingSink final : public ConnectionSink {
 public:
  void send_event(const std::string& name, const Value&) override {
    std::lock_guard lock(mu_);
    names_.push_back(name);
  }
  void close(std::string, bool) override {}
  std::vector<std::string> names() {
    std::lock_guard lock(mu_);
    return names_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> names_;
};

struct Chunk {
  std::size_t first = 0;  // index of its first sink
  std::size_t size = 0;
  std::thread::id thread;
};

// Sinks to publish to, and what the chunk sender saw of them.
class Broadcast {
 public:
  explicit Broadcast(std::size_t n) : sinks_(n) {
    for (auto& s : sinks_) {
      s = std::make_unique<RecordingSink>();
      pointers_.push_back(s.get());
    }
  }
  [[nodiscard]] std::span<ConnectionSink* const> sinks() const { return pointers_; }
  [[nodiscard]] RecordingSink& sink(std::size_t i) { return *sinks_[i]; }

  BroadcastPublisher::ChunkSender recorder() {
    return [this](std::span<ConnectionSink* const> chunk,
                  const std::shared_ptr<const SharedEvent>& event) {
      {
        std::lock_guard lock(mu_);
        chunks_.push_back(Chunk{static_cast<std::size_t>(chunk.data() - pointers_.data()),
                                chunk.size(), std::this_thread::get_id()});
      }
      BroadcastPublisher::send_to_sinks(chunk, event);
    };
  }
  std::vector<Chunk> chunks() {
    std::lock_guard lock(mu_);
    return chunks_;
  }

 private:
  std::vector<std::unique_ptr<RecordingSink>> sinks_;
  std::vector<ConnectionSink*> pointers_;
  std::mutex mu_;
  std::vector<Chunk> chunks_;
};

// io_contexts run by one thread each, as the server's.
class Contexts {
 public:
  explicit Contexts(std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      ios_.push_back(std::make_unique<asio::io_context>(1));
      work_.emplace_back(asio::make_work_guard(*ios_.back()));
    }
    for (auto& io : ios_) {
      threads_.emplace_back([ctx = io.get()] { ctx->run(); });
    }
  }
  ~Contexts() {
    work_.clear();
    for (auto& t : threads_) {
      t.join();
    }
  }
  std::vector<asio::io_context::executor_type> executors() const {
    std::vector<asio::io_context::executor_type> out;
    for (const auto& io : ios_) {
      out.push_back(io->get_executor());
    }
    return out;
  }
  /// Runs `f` on context `i`'s thread and waits for it.
  template <class F>
  void run_on(std::size_t i, F f) {
    std::promise<void> done;
    asio::post(*ios_[i], [&] {
      f();
      done.set_value();
    });
    done.get_future().get();
  }

 private:
  std::vector<std::unique_ptr<asio::io_context>> ios_;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::vector<std::thread> threads_;
};

std::shared_ptr<const SharedEvent> event(std::string name) {
  return std::make_shared<const SharedEvent>(std::move(name), Value::array());
}

// Every sink exactly once, in chunks of at most kFanoutChunk that start on a chunk boundary.
void expect_chunked(const std::vector<Chunk>& chunks, std::size_t sinks) {
  std::vector<int> seen(sinks, 0);
  for (const auto& c : chunks) {
    EXPECT_EQ(c.first % kFanoutChunk, 0U);
    EXPECT_GE(c.size, 1U);
    EXPECT_LE(c.size, kFanoutChunk);
    for (std::size_t i = c.first; i < c.first + c.size && i < sinks; ++i) {
      ++seen[i];
    }
  }
  for (std::size_t i = 0; i < sinks; ++i) {
    EXPECT_EQ(seen[i], 1) << i;
  }
}

TEST(BroadcastPublisherTest, SmallBroadcastGoesOutInOrderedChunksOnTheCallingThread) {
  Contexts contexts(2);
  constexpr std::size_t kSinks = kSharedFanout - 1;
  Broadcast broadcast(kSinks);
  BroadcastPublisher publisher(contexts.executors(), broadcast.recorder());
  std::thread::id caller;
  contexts.run_on(0, [&] {
    caller = std::this_thread::get_id();
    publisher.publish(broadcast.sinks(), event("tick"));
  });
  const auto chunks = broadcast.chunks();
  expect_chunked(chunks, kSinks);
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    EXPECT_EQ(chunks[i].first, i * kFanoutChunk);
    EXPECT_EQ(chunks[i].thread, caller);
  }
}

TEST(BroadcastPublisherTest, LargeBroadcastIsSentBeforePublishReturns) {
  Contexts contexts(2);
  constexpr std::size_t kSinks = 1000;
  Broadcast broadcast(kSinks);
  BroadcastPublisher publisher(contexts.executors(), broadcast.recorder());
  std::vector<Chunk> when_returned;
  contexts.run_on(0, [&] {
    for (int round = 0; round < 20; ++round) {
      publisher.publish(broadcast.sinks(), event("tick"));
      // Each broadcast's chunks all ran before publish() returned.
      EXPECT_EQ(broadcast.chunks().size(),
                static_cast<std::size_t>(round + 1) * ((kSinks + kFanoutChunk - 1) / kFanoutChunk));
    }
    when_returned = broadcast.chunks();
  });
  const auto per_round = (kSinks + kFanoutChunk - 1) / kFanoutChunk;
  for (std::size_t round = 0; round < 20; ++round) {
    expect_chunked(std::vector<Chunk>(when_returned.begin() + round * per_round,
                                      when_returned.begin() + (round + 1) * per_round),
                   kSinks);
  }
}

TEST(BroadcastPublisherTest, EachSinkGetsBroadcastsInOrder) {
  Contexts contexts(2);
  constexpr std::size_t kSinks = 300;
  Broadcast broadcast(kSinks);
  BroadcastPublisher publisher(contexts.executors());
  contexts.run_on(1, [&] {
    publisher.publish(broadcast.sinks(), event("one"));
    publisher.publish(broadcast.sinks(), event("two"));
  });
  for (std::size_t i = 0; i < kSinks; ++i) {
    EXPECT_EQ(broadcast.sink(i).names(), (std::vector<std::string>{"one", "two"})) << i;
  }
}

TEST(BroadcastPublisherTest, ASingleContextFinishesALargeBroadcastAlone) {
  // The helper is posted to the publishing thread's own context, so it cannot run before
  // publish() returns: the broadcast must not depend on it.
  Contexts contexts(1);
  constexpr std::size_t kSinks = 500;
  Broadcast broadcast(kSinks);
  BroadcastPublisher publisher(contexts.executors(), broadcast.recorder());
  contexts.run_on(0, [&] { publisher.publish(broadcast.sinks(), event("solo")); });
  expect_chunked(broadcast.chunks(), kSinks);
  for (std::size_t i = 0; i < kSinks; ++i) {
    EXPECT_EQ(broadcast.sink(i).names(), (std::vector<std::string>{"solo"})) << i;
  }
}

}  // namespace
}  // namespace rivet::server
