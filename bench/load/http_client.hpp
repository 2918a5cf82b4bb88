#pragma once
// HTTP/1.1 keep-alive client connection on Beast (Beast stays out of this header: it is the slow
// part of the build). One request at a time per connection, like wrk and browsers.
//
// Single-threaded: use from the io_context's one thread.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace rivet::load {

struct HttpResponse {
  unsigned status = 0;
  std::string body;
  std::string content_type;
  std::string actor_id;  // x-rivet-actor, when present
  std::string error;     // transport error text; status is 0 then
};

enum class Method { Get, Put, Post, Delete };

class HttpConn : public std::enable_shared_from_this<HttpConn> {
 public:
  using Cb = std::function<void(HttpResponse&)>;
  using Headers = std::vector<std::pair<std::string, std::string>>;

  explicit HttpConn(boost::asio::io_context& io);
  ~HttpConn();

  void connect(const boost::asio::ip::tcp::endpoint& ep, std::function<void(std::string err)> cb);
  /// Sends one request and reads the response. A transport error closes the connection
  /// (reconnect by making a new one). `timeout` bounds the whole exchange.
  void request(Method method, const std::string& target, std::string body, const Headers& headers,
               Cb cb, std::chrono::milliseconds timeout = std::chrono::seconds(30));
  [[nodiscard]] bool is_open() const;
  void close();

  // Free for the workload.
  std::size_t tag = 0;
  std::uint64_t done = 0;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string host_;
};

/// Headers for an action call in the bare encoding.
[[nodiscard]] const HttpConn::Headers& bare_headers();
[[nodiscard]] const HttpConn::Headers& json_headers();

}  // namespace rivet::load
