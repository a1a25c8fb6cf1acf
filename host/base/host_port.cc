#include "base/host_port.h"

namespace picket {

std::optional<HostPort> parse_host_port(std::string_view text, uint16_t default_port, std::string& error) {
  std::string_view host = text, port;
  bool port_given = false;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos) {
      error = "an IPv6 address opened with '[' is not closed";
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    if (close + 1 < text.size()) {
      if (text[close + 1] != ':') {
        error = "expected ':' and a port after ']'";
        return std::nullopt;
      }
      port = text.substr(close + 2);
      port_given = true;
    }
  } else if (const size_t colon = text.rfind(':'); colon != std::string_view::npos && text.find(':') == colon) {
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    port_given = true;
  }
  if (host.empty()) {
    error = "no host";
    return std::nullopt;
  }
  uint32_t n = default_port;
  if (port_given) {
    n = 0;
    for (char c : port) {
      if (c < '0' || c > '9' || (n = n * 10 + static_cast<uint32_t>(c - '0')) > 65535) break;
    }
  }
  if (port_given && (port.empty() || port.size() > 5 || n == 0 || n > 65535 ||
                     port.find_first_not_of("0123456789") != std::string_view::npos)) {
    error = "a port of 1 to 65535";
    return std::nullopt;
  }
  if (n == 0) {
    error = "no port (HOST:PORT)";
    return std::nullopt;
  }
  return HostPort{std::string(host), static_cast<uint16_t>(n)};
}

}  // namespace picket
