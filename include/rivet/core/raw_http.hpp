#pragma once
/// Raw HTTP for actors (`onRequest`, reached through `/request/...`): plain request and response
/// values, with no transport types. The server builds a RawRequest from the socket and writes the
/// RawResponse back; an actor's `on_request` handler sees only these.
///
/// Bodies are buffered whole (up to the server's 20 MiB request limit); streaming is not offered.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rivet {

struct RawHeader {
  std::string name;  // lower case
  std::string value;
};

struct RawRequest {
  /// Upper case, e.g. "GET", "PUT".
  std::string method;
  /// The full URL: the client's `x-rivet-internal-original-request-url` when it sent one (the
  /// header itself is removed), else `http://127.0.0.1` + path + `?query`.
  std::string url;
  /// Path as the handler sees it: for `/request/...` the prefix is removed (`/request/hello` ->
  /// `/hello`); raw WebSockets keep the whole actor path (`/websocket/chat`).
  std::string path;
  /// Raw query string without the '?' (still percent-encoded); empty when there is none.
  std::string query;
  /// In arrival order, names lower case.
  std::vector<RawHeader> headers;
  /// Request body bytes.
  std::string body;

  /// First header with this name (case-insensitive), or nullptr.
  [[nodiscard]] const std::string* header(std::string_view name) const noexcept;
  /// The query as form-decoded (name, value) pairs in order ('+' is a space). Malformed escapes
  /// are kept literally.
  [[nodiscard]] std::vector<std::pair<std::string, std::string>> query_params() const;
  /// Value of the first query parameter `name`; nullopt when absent.
  [[nodiscard]] std::optional<std::string> query_param(std::string_view name) const;
};

struct RawResponse {
  unsigned status = 200;
  std::vector<RawHeader> headers;
  std::string body;

  /// Replaces any header of the same name (case-insensitive).
  RawResponse& set(std::string_view name, std::string value);
  [[nodiscard]] const std::string* header(std::string_view name) const noexcept;

  /// A response with `body` and `content-type` (default `text/plain; charset=utf-8`).
  [[nodiscard]] static RawResponse text(unsigned status, std::string body,
                                        std::string content_type = "text/plain; charset=utf-8");
  /// A response with a JSON body (`application/json`); `json_text` is already serialized.
  [[nodiscard]] static RawResponse json(unsigned status, std::string json_text);
};

}  // namespace rivet
