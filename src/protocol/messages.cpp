// Public message codecs: dispatch on the encoding.
#include <rivet/protocol/messages.hpp>

#include "protocol/messages_internal.hpp"

namespace rivet::protocol {
namespace {

// Parses JSON/CBOR and then runs a tree decoder on the result.
template <class Decode>
auto parse_then(ByteView bytes, Encoding enc, Decode decode, bool from_server = false)
    -> decltype(decode(Value())) {
  auto root = detail::tree_parse(bytes, enc, from_server);
  if (!root) {
    return root.error();
  }
  return decode(*root);
}

}  // namespace

Result<ToServer> decode_to_server(ByteView bytes, Encoding enc) {
  if (enc == Encoding::Bare) {
    return detail::bare_decode_to_server(bytes);
  }
  return parse_then(bytes, enc, detail::tree_decode_to_server);
}

Bytes encode_to_client(const ToClient& msg, Encoding enc) {
  return enc == Encoding::Bare ? detail::bare_encode_to_client(msg) : detail::tree_encode(enc, msg);
}

Bytes encode_to_server(const ToServer& msg, Encoding enc) {
  return enc == Encoding::Bare ? detail::bare_encode_to_server(msg) : detail::tree_encode(enc, msg);
}

Result<ToClient> decode_to_client(ByteView bytes, Encoding enc) {
  if (enc == Encoding::Bare) {
    return detail::bare_decode_to_client(bytes);
  }
  return parse_then(bytes, enc, detail::tree_decode_to_client, true);
}

Result<Value> decode_http_action_request(ByteView bytes, Encoding enc) {
  if (enc == Encoding::Bare) {
    return detail::bare_decode_http_action_request(bytes);
  }
  return parse_then(bytes, enc, detail::tree_decode_http_action_request);
}

Bytes encode_http_action_request(const Value& args, Encoding enc) {
  return enc == Encoding::Bare ? detail::bare_encode_http_action_request(args)
                               : detail::tree_encode_http_action_request(enc, args);
}

Bytes encode_http_action_response(const Value& output, Encoding enc) {
  return enc == Encoding::Bare ? detail::bare_encode_http_action_response(output)
                               : detail::tree_encode_http_action_response(enc, output);
}

Result<Value> decode_http_action_response(ByteView bytes, Encoding enc) {
  if (enc == Encoding::Bare) {
    return detail::bare_decode_http_action_response(bytes);
  }
  return parse_then(bytes, enc, detail::tree_decode_http_action_response, true);
}

Result<QueueSendRequest> decode_http_queue_send_request(ByteView bytes, Encoding enc) {
  if (enc == Encoding::Bare) {
    return detail::bare_decode_queue_request(bytes);
  }
  return parse_then(bytes, enc, detail::tree_decode_queue_request);
}

Bytes encode_http_queue_send_request(const QueueSendRequest& req, Encoding enc) {
  return enc == Encoding::Bare ? detail::bare_encode_queue_request(req)
                               : detail::tree_encode(enc, req);
}

Bytes encode_http_queue_send_response(const QueueSendResponse& resp, Encoding enc) {
  return enc == Encoding::Bare ? detail::bare_encode_queue_response(resp)
                               : detail::tree_encode(enc, resp);
}

Result<QueueSendResponse> decode_http_queue_send_response(ByteView bytes, Encoding enc) {
  if (enc == Encoding::Bare) {
    return detail::bare_decode_queue_response(bytes);
  }
  return parse_then(bytes, enc, detail::tree_decode_queue_response, true);
}

Bytes encode_http_error(const HttpError& err, Encoding enc) {
  return enc == Encoding::Bare ? detail::bare_encode_http_error(err)
                               : detail::tree_encode(enc, err);
}

Result<HttpError> decode_http_error(ByteView bytes, Encoding enc) {
  if (enc == Encoding::Bare) {
    return detail::bare_decode_http_error(bytes);
  }
  return parse_then(bytes, enc, detail::tree_decode_http_error, true);
}

namespace detail {

Value normalize_args(const Value* args) {
  if (args == nullptr || args->is_null() || is_undefined(*args)) {
    return Value::array();
  }
  // A compat tag such as ["$BigInt","1"] is one scalar argument, while an escaped pair
  // ["$$x",1] is the argument list ("$x", 1) itself.
  bool scalar_tag = args->is_array() && args->size() == 2 && (*args)[0].is_string() &&
                    (*args)[0].get_ref<const std::string&>().rfind("$$", 0) != 0 &&
                    (*args)[0].get_ref<const std::string&>().rfind('$', 0) == 0;
  if (args->is_array() && !scalar_tag) {
    return *args;
  }
  Value out = Value::array();
  out.push_back(*args);
  return out;
}

}  // namespace detail
}  // namespace rivet::protocol
