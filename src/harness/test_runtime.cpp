// TestRuntime: a Runtime on the memory store and a ManualClock, with its own io_context thread,
// driven synchronously from the test. Per-actor files (SQLite databases) go to a temporary
// directory that lives as long as the TestRuntime, across restarts, like the store's rows.

#include <rivet/storage/memory_store.hpp>
#include <rivet/harness/test_runtime.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_future.hpp>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <mutex>
#include <system_error>
#include <thread>

namespace rivet::testing {

namespace asio = boost::asio;

namespace {

// Records what the actor sends a connection. Called from the runtime's thread.
class RecordingSink final : public ConnectionSink {
 public:
  void send_event(const std::string& name, const Value& args) override {
    std::lock_guard lock(mutex_);
    events_.push_back(ReceivedEvent{name, args});
  }
  void close(std::string reason, bool /*error*/) override {
    std::lock_guard lock(mutex_);
    closed_ = std::move(reason);
  }
  std::vector<ReceivedEvent> events() const {
    std::lock_guard lock(mutex_);
    return events_;
  }
  std::optional<std::string> closed() const {
    std::lock_guard lock(mutex_);
    return closed_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<ReceivedEvent> events_;
  std::optional<std::string> closed_;
};

// The memory store, counting commits that have not completed yet: a commit runs on the store's
// writer thread, and while one is in flight the runtime is not quiet even if its own thread is
// idle (settle() would otherwise return early on a busy machine).
class TrackedStore final : public storage::Store {
 public:
  explicit TrackedStore(std::unique_ptr<storage::Store> inner) : inner_(std::move(inner)) {}

  [[nodiscard]] std::uint64_t in_flight() const noexcept {
    return in_flight_.load(std::memory_order_acquire);
  }

  Result<std::optional<storage::ActorRecord>> find_actor(std::string_view actor_id) override {
    return inner_->find_actor(actor_id);
  }
  Result<std::optional<storage::ActorRecord>> find_actor_by_key(std::string_view name,
                                                                std::string_view key) override {
    return inner_->find_actor_by_key(name, key);
  }
  Result<std::vector<storage::ActorRecord>> list_actors(
      std::optional<std::string> name, std::size_t limit,
      std::optional<std::int64_t> after_create_ts) override {
    return inner_->list_actors(std::move(name), limit, after_create_ts);
  }
  Result<std::uint64_t> count_actors(std::optional<std::string> name) override {
    return inner_->count_actors(std::move(name));
  }
  Result<std::optional<Bytes>> kv_get(std::string_view actor_id, const Bytes& key) override {
    return inner_->kv_get(actor_id, key);
  }
  Result<std::vector<std::optional<Bytes>>> kv_get_many(std::string_view actor_id,
                                                         const std::vector<Bytes>& keys) override {
    return inner_->kv_get_many(actor_id, keys);
  }
  Result<std::vector<storage::KvEntry>> kv_range(std::string_view actor_id, const Bytes& start,
                                                 const Bytes& end, std::size_t limit) override {
    return inner_->kv_range(actor_id, start, end, limit);
  }
  Result<std::vector<storage::KvEntry>> kv_prefix(std::string_view actor_id, const Bytes& prefix,
                                                  std::size_t limit) override {
    return inner_->kv_prefix(actor_id, prefix, limit);
  }
  Result<std::vector<ActorKvEntry>> kv_prefix_all_actors(const Bytes& prefix) override {
    return inner_->kv_prefix_all_actors(prefix);
  }
  void commit(storage::WriteBatch batch, Callback done) override {
    in_flight_.fetch_add(1, std::memory_order_acq_rel);
    inner_->commit(std::move(batch), [this, done = std::move(done)](Result<void> result) {
      done(std::move(result));  // queues the committer's continuation first
      in_flight_.fetch_sub(1, std::memory_order_acq_rel);
    });
  }
  Result<void> commit_sync(storage::WriteBatch batch) override {
    return inner_->commit_sync(std::move(batch));
  }
  storage::StoreStats stats() const override { return inner_->stats(); }
  void close() override { inner_->close(); }

 private:
  std::unique_ptr<storage::Store> inner_;
  std::atomic<std::uint64_t> in_flight_{0};
};

// A fresh directory of its own for the runtime's per-actor files, so that tests running in
// parallel never share a database and nothing is left in the working directory.
std::string make_data_dir() {
  auto pattern = (std::filesystem::temp_directory_path() / "rivet-test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
  }
  return pattern;
}

}  // namespace

struct TestRuntime::Impl {
  explicit Impl(const Registry& r) : registry(r) {}

  template <class T>
  T run(Task<T> task) {
    return asio::co_spawn(io, std::move(task), asio::use_future).get();
  }
  void start() {
    RuntimeOptions options;
    options.clock = clock;
    options.data_dir = data_dir;
    options.logger = Logger::global();
    runtime = std::make_unique<Runtime>(io.get_executor(), registry, *store, options);
    work.emplace(io.get_executor());
    thread = std::thread([this] { io.run(); });
  }
  void stop() {
    run(runtime->stop());
    work.reset();
    thread.join();
    io.restart();
    runtime.reset();
  }
  // One turn of the runtime's thread: every handler queued before it has run.
  void turn() {
    std::promise<void> done;
    auto f = done.get_future();
    asio::post(io, [&done] { done.set_value(); });
    f.get();
  }

  const Registry& registry;
  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>();
  std::unique_ptr<TrackedStore> store;
  std::string data_dir = make_data_dir();
  asio::io_context io{1};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::thread thread;
  std::unique_ptr<Runtime> runtime;
};

namespace {

class Connection final : public TestConnection {
 public:
  Connection(TestRuntime::Impl& impl, std::shared_ptr<ConnectionHandle> handle,
             std::shared_ptr<RecordingSink> sink)
      : impl_(impl), handle_(std::move(handle)), sink_(std::move(sink)) {}
  ~Connection() override {
    if (!disconnected_) {
      disconnect();
    }
  }
  const std::string& id() const override { return handle_->id(); }
  Value call_values(std::string action, Value args) override {
    auto out = impl_.run(handle_->call(std::move(action), std::move(args)));
    if (!out) {
      throw ErrorException(out.error());
    }
    return std::move(*out);
  }
  void subscribe(std::string event, bool on) override {
    auto done = impl_.run(handle_->subscribe(std::move(event), on));
    if (!done) {
      throw ErrorException(done.error());
    }
  }
  std::vector<ReceivedEvent> events() const override { return sink_->events(); }
  std::optional<std::string> closed() const override { return sink_->closed(); }
  void disconnect() override {
    disconnected_ = true;
    impl_.run(handle_->disconnect());
  }

 private:
  TestRuntime::Impl& impl_;
  std::shared_ptr<ConnectionHandle> handle_;
  std::shared_ptr<RecordingSink> sink_;
  bool disconnected_ = false;
};

}  // namespace

TestRuntime::TestRuntime(const Registry& registry) : impl_(std::make_unique<Impl>(registry)) {
  impl_->store = std::make_unique<TrackedStore>(storage::open_memory_store());
  impl_->start();
}

TestRuntime::~TestRuntime() {
  impl_->stop();
  impl_->store->close();
  std::error_code ignored;
  std::filesystem::remove_all(impl_->data_dir, ignored);
}

std::string TestRuntime::create(const std::string& name, protocol::ActorKey key,
                                std::optional<Value> input) {
  CreateRequest request;
  request.name = name;
  request.key = std::move(key);
  request.input = std::move(input);
  auto made = impl_->run(impl_->runtime->get_or_create_ready(std::move(request)));
  if (!made) {
    throw ErrorException(made.error());
  }
  return made->actor_id;
}

Result<Value> TestRuntime::try_call(const std::string& actor_id, std::string action, Value args,
                                    Value params) {
  return impl_->run(impl_->runtime->call_action(actor_id, std::move(params), std::move(action),
                                                std::move(args)));
}

Runtime::QueueSendResult TestRuntime::send(const std::string& actor_id, std::string queue,
                                           Value body) {
  auto sent = impl_->run(impl_->runtime->send_queue(actor_id, nullptr, std::move(queue),
                                                    std::move(body), false, std::nullopt));
  if (!sent) {
    throw ErrorException(sent.error());
  }
  return std::move(*sent);
}

std::shared_ptr<TestConnection> TestRuntime::connect(const std::string& actor_id, Value params) {
  auto sink = std::make_shared<RecordingSink>();
  auto handle = impl_->run(impl_->runtime->connect(actor_id, std::move(params), sink));
  if (!handle) {
    throw ErrorException(handle.error());
  }
  return std::make_shared<Connection>(*impl_, std::move(*handle), std::move(sink));
}

void TestRuntime::settle() {
  // Quiet: no commit in flight and none landed across several turns of the runtime's thread
  // (commits complete on the store's writer thread and resume actors on this one). Five turns:
  // on a loaded machine a woken workflow may take a few before its first commit.
  constexpr int kQuietTurns = 5;
  int quiet = 0;
  auto last = impl_->store->stats().transactions;
  for (int i = 0; i < 2000 && quiet < kQuietTurns; ++i) {
    impl_->turn();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    const auto now = impl_->store->stats().transactions;
    quiet = now == last && impl_->store->in_flight() == 0 ? quiet + 1 : 0;
    last = now;
  }
}

void TestRuntime::advance(Clock::duration by) {
  // In slices, settling after each: work that a timer starts may set the next timer (a schedule
  // run moves the idle deadline), and time should reach it as it would in a real run.
  constexpr int kSlices = 16;
  const auto slice = by / kSlices;
  for (int i = 0; i < kSlices; ++i) {
    impl_->clock->advance(i + 1 == kSlices ? by - slice * (kSlices - 1) : slice);
    settle();
  }
}

void TestRuntime::sleep(const std::string& actor_id) {
  auto done = impl_->run(impl_->runtime->sleep(actor_id));
  if (!done) {
    throw ErrorException(done.error());
  }
}

bool TestRuntime::is_awake(const std::string& actor_id) const {
  return impl_->runtime->is_awake(actor_id);
}

void TestRuntime::restart() {
  impl_->stop();
  impl_->start();
}

Runtime& TestRuntime::runtime() {
  return *impl_->runtime;
}

ManualClock& TestRuntime::clock() {
  return *impl_->clock;
}

const std::string& TestRuntime::data_dir() const {
  return impl_->data_dir;
}

}  // namespace rivet::testing
