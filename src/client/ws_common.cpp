#include "client/ws_common.hpp"

namespace rivet::client {

Error close_error(const boost::beast::websocket::close_reason& reason) {
  const std::string text(reason.reason.data(), reason.reason.size());
  const auto dot = text.find('.');
  if (dot != std::string::npos && dot > 0 && dot + 1 < text.size() &&
      text.find(' ') == std::string::npos) {
    return make_error(text.substr(0, dot), text.substr(dot + 1),
                      "The server closed the connection (" + text + ")");
  }
  return transport_error(
      codes::kClientConnectionClosed,
      "The server closed the connection" + (text.empty() ? std::string() : " (" + text + ")"));
}

std::string join_protocols(const std::vector<std::string>& protocols) {
  std::string offered;
  for (const auto& p : protocols) {
    offered += (offered.empty() ? "" : ", ") + p;
  }
  return offered;
}

}  // namespace rivet::client
