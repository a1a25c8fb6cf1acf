#include "packet/transport.h"

namespace picket {

std::string_view transport_name(Transport t) {
  switch (t) {
    case Transport::kAny: return "ip";
    case Transport::kTcp: return "tcp";
    case Transport::kUdp: return "udp";
    case Transport::kIcmp: return "icmp";
  }
  return "?";
}

}  // namespace picket
