#include "packet/checksum.h"

#include "packet/decoder.h"

namespace picket {

uint32_t checksum_add(const uint8_t* p, size_t n, uint32_t sum) {
  for (size_t i = 0; i + 1 < n; i += 2) sum += uint32_t{p[i]} << 8 | p[i + 1];
  if (n % 2) sum += uint32_t{p[n - 1]} << 8;
  return sum;
}

uint16_t checksum_finish(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

uint16_t transport_checksum(const IpAddress& src, const IpAddress& dst, bool ipv6, uint8_t proto,
                            const uint8_t* segment, size_t length, bool with_pseudo_header) {
  uint32_t sum = 0;
  if (with_pseudo_header) {
    // IPv4 addresses are the last 4 of the 16 bytes (IPv4-mapped).
    size_t from = ipv6 ? 0 : 12;
    sum = checksum_add(src.bytes.data() + from, 16 - from, sum);
    sum = checksum_add(dst.bytes.data() + from, 16 - from, sum);
    sum += static_cast<uint32_t>(length) + proto;
  }
  uint16_t c = checksum_finish(checksum_add(segment, length, sum));
  if (proto == ip_proto::kUdp && c == 0) c = 0xffff;
  return c;
}

}  // namespace picket
