#pragma once
/// What a client hands an actor besides its messages: creation input, connection parameters and
/// the actor key. Bounded as upstream bounds them (reference actors/limits.md, "Actor Input"),
/// checked where the server reads them (gateway, management API, actor routes). Pure functions.

#include <rivet/common/error.hpp>
#include <rivet/protocol/keys.hpp>

#include <cstddef>

namespace rivet::server {

/// Connection parameters as sent (the JSON text of `x-rivet-conn-params` or of the
/// `rivet_conn_params.` subprotocol, percent-decoded).
inline constexpr std::size_t kMaxConnParamsBytes = 4 * 1024;
/// Creation input, encoded (the CBOR bytes of `input` / `rvt-input`).
inline constexpr std::size_t kMaxInputBytes = 4 * 1024 * 1024;
/// One component of an actor key, in bytes (the whole serialized key: 1 024 bytes).
inline constexpr std::size_t kMaxKeyComponentBytes = 128;

/// message.incoming_too_long (metadata {limit}) when `bytes` of connection params are too many.
[[nodiscard]] Result<void> check_conn_params_size(std::size_t bytes);
/// message.incoming_too_long (metadata {limit}) when `bytes` of creation input are too many.
[[nodiscard]] Result<void> check_input_size(std::size_t bytes);
/// actor.key_too_large when a component of `key` is over kMaxKeyComponentBytes.
[[nodiscard]] Result<void> check_key_components(const protocol::ActorKey& key);

}  // namespace rivet::server
