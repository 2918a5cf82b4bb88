#pragma once
// Where and as whom the envoy connects (engine protocol spec §3, §4), and the pool registration
// done once before connecting.

#include <rivet/common/error.hpp>
#include <rivet/common/log.hpp>

#include <cstdint>
#include <string>

namespace rivet::server::envoy {

struct EngineConfig {
  std::string endpoint;  // http://host:port of the engine's API and gateway (no TLS yet)
  std::string namespace_name = "default";
  std::string pool = "default";
  std::string token;         // empty: no auth
  std::uint32_t version = 1; // the deploy version (drain on upgrade)
  std::string envoy_key;     // unique per process; made up when empty
};

/// The parts of `endpoint` a socket needs.
struct EngineAddress {
  std::string host;
  std::string port;
};
/// http:// only (https is refused with a clear error until TLS is supported).
[[nodiscard]] Result<EngineAddress> parse_engine_endpoint(const std::string& endpoint);

/// The envoy socket's request target (§4): /envoys/connect with protocol version 8, namespace,
/// key, version and pool.
[[nodiscard]] std::string envoy_connect_target(const EngineConfig& config);

/// A fresh envoy key: 32 random lower-case hex characters.
[[nodiscard]] std::string make_envoy_key();

/// Creates the pool as a "normal" runner config in every datacenter when it does not exist yet
/// (§3). Blocks for at most a few seconds per request; fails with the engine's answer.
[[nodiscard]] Result<void> ensure_pool(const EngineConfig& config, const Logger& logger);

}  // namespace rivet::server::envoy
