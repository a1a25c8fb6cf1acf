// "HOST:PORT", "[IPV6]:PORT" or "HOST" (a default port), as the Redis output and the metrics
// endpoint take their addresses.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace picket {

struct HostPort {
  std::string host;
  uint16_t port = 0;
};

// nullopt and `error` when it is not; `default_port` 0: the port must be given.
std::optional<HostPort> parse_host_port(std::string_view text, uint16_t default_port, std::string& error);

}  // namespace picket
