#include "packet/ip_address.h"

#include <arpa/inet.h>

#include <bit>
#include <cstring>

namespace picket {

IpAddress IpAddress::from_v4(uint32_t host_order) {
  IpAddress a;
  a.bytes[10] = 0xff;
  a.bytes[11] = 0xff;
  a.bytes[12] = static_cast<uint8_t>(host_order >> 24);
  a.bytes[13] = static_cast<uint8_t>(host_order >> 16);
  a.bytes[14] = static_cast<uint8_t>(host_order >> 8);
  a.bytes[15] = static_cast<uint8_t>(host_order);
  return a;
}

IpAddress IpAddress::from_v6(const uint8_t* network_order) {
  IpAddress a;
  std::memcpy(a.bytes.data(), network_order, 16);
  return a;
}

IpAddress IpAddress::from_value(uint128 value) {
  IpAddress a;
  for (int i = 15; i >= 0; --i) {
    a.bytes[i] = static_cast<uint8_t>(value);
    value >>= 8;
  }
  return a;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.empty() || text.size() > INET6_ADDRSTRLEN) return std::nullopt;
  std::string s(text);
  in_addr v4{};
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) return from_v4(ntohl(v4.s_addr));
  in6_addr v6{};
  if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) return from_v6(v6.s6_addr);
  return std::nullopt;
}

bool IpAddress::is_v4() const {
  for (int i = 0; i < 10; ++i) {
    if (bytes[i] != 0) return false;
  }
  return bytes[10] == 0xff && bytes[11] == 0xff;
}

uint32_t IpAddress::v4() const {
  return uint32_t{bytes[12]} << 24 | uint32_t{bytes[13]} << 16 | uint32_t{bytes[14]} << 8 |
         uint32_t{bytes[15]};
}

static_assert(std::endian::native == std::endian::little, "value() reads big-endian words on a little-endian host");

uint128 IpAddress::value() const {
  uint64_t hi, lo;
  std::memcpy(&hi, bytes.data(), 8);
  std::memcpy(&lo, bytes.data() + 8, 8);
  return uint128{__builtin_bswap64(hi)} << 64 | __builtin_bswap64(lo);
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN];
  if (is_v4()) {
    in_addr v4{htonl(this->v4())};
    inet_ntop(AF_INET, &v4, buf, sizeof buf);
  } else {
    inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf);
  }
  return buf;
}

}  // namespace picket
