// A traffic scenario: named hosts, and sessions between them with what each side sends.
//
//   start 2023-11-14T22:13:20Z
//   host frontend 10.10.1.10
//   host api      10.10.2.20
//   # AT (seconds after start)  CLIENT:PORT -> SERVER:PORT  tcp|udp  [repeat N every SECONDS]
//   session 0.5 frontend:41000 -> api:8080 tcp repeat 20 every 3
//     > GET /orders/17 HTTP/1.1\r\nHost: api\r\n\r\n        the client sends
//     < HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok       the server answers
//     wait 30                                                 the session idles 30 s
//   end
//
// Payload escapes: \r \n \t \\ \xHH. TCP sessions open with a handshake and close with
// FINs; each repeat uses the next client port. '#' starts a comment line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/diagnostic.h"
#include "packet/ip_address.h"
#include "packet/packet.h"

namespace picket::trafgen {

struct Step {
  enum class Kind { kClient, kServer, kWait };
  Kind kind;
  std::string payload;
  double seconds = 0;
};

struct Session {
  double at = 0;
  std::string client, server;  // host names
  uint16_t client_port = 0, server_port = 0;
  bool tcp = true;
  uint32_t repeat = 1;
  double every = 0;
  std::vector<Step> steps;
  uint32_t line = 0;
};

struct Scenario {
  int64_t start_ns = 0;
  std::vector<std::pair<std::string, IpAddress>> hosts;
  std::vector<Session> sessions;
  const IpAddress* host(const std::string& name) const;
};

std::optional<Scenario> parse_scenario(std::string_view text, const std::string& file, std::vector<Diagnostic>& errors);

struct TimedFrame {
  int64_t timestamp_ns;
  std::vector<uint8_t> bytes;
};

// Every frame of the scenario, in time order.
std::vector<TimedFrame> generate(const Scenario& s);
// The same as packets, numbered from 1, as a capture of them would read.
std::vector<Packet> generate_packets(const Scenario& s);

}  // namespace picket::trafgen
