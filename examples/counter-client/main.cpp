// A client of the counter example: increments the counter of a key over HTTP, then listens to
// its newCount events over a WebSocket while incrementing it three more times.
//
//   build/bin/example-counter --port 6420 &
//   build/bin/example-counter-client http://127.0.0.1:6420 my-key

#include <rivet/client/client.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <iostream>

namespace {

// Outside the coroutine: GCC 12 rejects braced lists like this one inside coroutines.
rivet::Value amount(int n) { return rivet::Value::array({n}); }

boost::asio::awaitable<int> run(rivet::client::Client& client, rivet::protocol::ActorKey key) {
  auto counter = client.get_or_create("counter", std::move(key));
  auto count = co_await counter.action("increment", amount(1));
  if (!count) {
    std::cerr << count.error().qualified() << ": " << count.error().message << "\n";
    co_return 1;
  }
  std::cout << "count after one increment over HTTP: " << count->dump() << "\n";

  auto conn = co_await counter.connect();
  if (!conn) {
    std::cerr << conn.error().qualified() << ": " << conn.error().message << "\n";
    co_return 1;
  }
  std::cout << "connected to actor " << (*conn)->actor_id() << "\n";
  auto subscribed = co_await (*conn)->on("newCount", [](const rivet::Value& args) {
    std::cout << "event newCount " << args.dump() << "\n";
  });
  if (!subscribed) {
    co_return 1;
  }
  for (int i = 0; i < 3; ++i) {
    auto r = co_await (*conn)->action("increment", amount(1));
    if (!r) {
      std::cerr << r.error().qualified() << ": " << r.error().message << "\n";
      co_return 1;
    }
  }
  co_await (*conn)->close();
  co_return 0;
}

}  // namespace

int main(int argc, char** argv) {
  rivet::client::ClientOptions options;
  options.endpoint = argc > 1 ? argv[1] : "http://127.0.0.1:6420";
  const std::string key = argc > 2 ? argv[2] : "demo";
  boost::asio::io_context io;
  rivet::client::Client client(io.get_executor(), options);
  int code = 1;
  // (The key is built out here: GCC 12 rejects some braced lists inside coroutines.)
  boost::asio::co_spawn(io, run(client, rivet::protocol::ActorKey{key}),
                        [&](std::exception_ptr e, int rc) {
    code = e ? 1 : rc;
  });
  io.run();
  return code;
}
