#pragma once
// What every handle and connection of one Client shares: the executor, the options, the parsed
// endpoint, and a pool of idle keep-alive HTTP connections. Private to the client module.

#include <rivet/client/client.hpp>

#include <boost/asio/strand.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/verb.hpp>

#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace rivet::client {

struct HttpReply {
  unsigned status = 0;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower case
};

class ClientState {
 public:
  ClientState(boost::asio::any_io_executor executor, ClientOptions options);

  [[nodiscard]] const boost::asio::any_io_executor& executor() const noexcept { return executor_; }
  [[nodiscard]] const ClientOptions& options() const noexcept { return options_; }
  [[nodiscard]] protocol::Encoding encoding() const noexcept { return options_.encoding; }
  [[nodiscard]] const std::string& host() const noexcept { return host_; }
  [[nodiscard]] const std::string& port() const noexcept { return port_; }
  /// The endpoint's path prefix without a trailing slash ("" for none).
  [[nodiscard]] const std::string& base_path() const noexcept { return base_path_; }
  /// Set when the endpoint could not be used; every request fails with it.
  [[nodiscard]] const std::optional<Error>& endpoint_error() const noexcept {
    return endpoint_error_;
  }

  /// One HTTP/1.1 request on a pooled keep-alive connection. `target` is the path and query
  /// below the endpoint (base_path() is prepended). A connection found closed by the server
  /// before anything of the reply arrived is replaced once.
  [[nodiscard]] Awaitable<Result<HttpReply>> http(
      boost::beast::http::verb method, std::string target, std::string body,
      std::vector<std::pair<std::string, std::string>> headers) const;

  /// A new TCP connection to the endpoint (bounded by options().timeout).
  [[nodiscard]] Awaitable<Result<std::unique_ptr<boost::beast::tcp_stream>>> open_stream() const;

 private:
  using Stream = boost::beast::tcp_stream;
  [[nodiscard]] std::unique_ptr<Stream> take_idle() const;
  void give_back(std::unique_ptr<Stream> stream) const;

  boost::asio::any_io_executor executor_;
  ClientOptions options_;
  std::string host_;
  std::string port_;
  std::string base_path_;
  std::optional<Error> endpoint_error_;
  mutable std::mutex mu_;
  mutable std::vector<std::unique_ptr<Stream>> idle_;
};

/// encodeURIComponent: everything but unreserved characters percent-encoded.
[[nodiscard]] std::string encode_component(std::string_view text);

/// Errors of the transport itself (group "client").
[[nodiscard]] Error transport_error(const codes::Code& code, std::string message);

/// The error a non-200 reply carries (its body in the request encoding, or JSON when the
/// content type says so); client.invalid_response if it is not one.
[[nodiscard]] Error reply_error(const HttpReply& reply, protocol::Encoding encoding);

}  // namespace rivet::client
