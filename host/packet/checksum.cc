#include "packet/checksum.h"

#include <bit>
#include <cstring>

#include "packet/decoder.h"

namespace picket {

namespace {

// Eight bytes at a time in the machine's byte order: the ones'-complement sum does not depend
// on it (RFC 1071 2(B)), so the folded sum is swapped to big-endian once at the end. Each
// eight bytes add two 32-bit halves to a 64-bit total, which no frame can overflow.
inline __attribute__((always_inline)) uint32_t sum_words(const uint8_t* p, size_t n, uint32_t sum) {
  uint64_t total = 0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    total += (w & 0xffffffff) + (w >> 32);
  }
  for (; i + 2 <= n; i += 2) {
    uint16_t h;
    std::memcpy(&h, p + i, 2);
    total += h;
  }
  if (i < n) {  // an odd last byte is the high byte of a word padded with zero
    const uint8_t pad[2] = {p[i], 0};
    uint16_t h;
    std::memcpy(&h, pad, 2);
    total += h;
  }
  while (total >> 16) total = (total & 0xffff) + (total >> 16);
  auto folded = static_cast<uint16_t>(total);
  if constexpr (std::endian::native == std::endian::little) folded = static_cast<uint16_t>(folded << 8 | folded >> 8);
  return sum + folded;
}

#if defined(__x86_64__) && defined(__GNUC__)
// The same loop, compiled for AVX2 (four words at a time), for CPUs that have it. Chosen by a
// test at first use rather than an ifunc, which would run before AddressSanitizer is set up.
__attribute__((target("avx2"))) uint32_t sum_words_avx2(const uint8_t* p, size_t n, uint32_t sum) {
  return sum_words(p, n, sum);
}
const bool kAvx2 = [] {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") != 0;
}();
#endif

}  // namespace

uint32_t checksum_add(const uint8_t* p, size_t n, uint32_t sum) {
#if defined(__x86_64__) && defined(__GNUC__)
  if (kAvx2) return sum_words_avx2(p, n, sum);
#endif
  return sum_words(p, n, sum);
}

uint16_t checksum_finish(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

namespace {

// The pseudo-header's sum, big-endian words as checksum_add gives them, without a call: its
// words are the addresses (IPv4's are the last 4 of the 16 bytes, IPv4-mapped), the protocol
// and the segment's length.
uint32_t pseudo_header_sum(const IpAddress& src, const IpAddress& dst, bool ipv6, uint8_t proto, size_t length) {
  uint32_t sum = static_cast<uint32_t>(length) + proto;
  for (size_t i = ipv6 ? 0 : 12; i < 16; i += 2) {
    sum += uint32_t{src.bytes[i]} << 8 | src.bytes[i + 1];
    sum += uint32_t{dst.bytes[i]} << 8 | dst.bytes[i + 1];
  }
  return sum;
}

}  // namespace

uint16_t transport_checksum(const IpAddress& src, const IpAddress& dst, bool ipv6, uint8_t proto,
                            const uint8_t* segment, size_t length, bool with_pseudo_header) {
  const uint32_t sum = with_pseudo_header ? pseudo_header_sum(src, dst, ipv6, proto, length) : 0;
  uint16_t c = checksum_finish(checksum_add(segment, length, sum));
  if (proto == ip_proto::kUdp && c == 0) c = 0xffff;
  return c;
}

bool checksums_hold(const uint8_t* frame, uint32_t captured, const DecodedPacket& p) {
  if (!p.is_ip() || p.ip_end > captured) return true;
  const bool ipv6 = p.l3 == L3::kIpv6;
  if (!ipv6) {
    const size_t ihl = (frame[p.l3_offset] & 0x0f) * 4u;
    if (checksum_finish(checksum_add(frame + p.l3_offset, ihl)) != 0) return false;
  }
  if (p.fragment || !(p.is_tcp() || p.is_udp())) return true;
  const size_t length = p.ip_end - p.l4_offset;
  const uint8_t* segment = frame + p.l4_offset;
  if (p.is_udp() && !ipv6 && segment[6] == 0 && segment[7] == 0) return true;
  return checksum_finish(checksum_add(segment, length, pseudo_header_sum(p.src, p.dst, ipv6, p.ip_proto, length))) == 0;
}

}  // namespace picket
