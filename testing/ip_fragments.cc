#include "testing/ip_fragments.h"

#include "packet/byte_order.h"
#include "packet/checksum.h"
#include "packet/decoder.h"

namespace picket::testing_support {

std::string ip_payload(const std::vector<uint8_t>& whole) {
  DecodedPacket d = decode(whole.data(), static_cast<uint32_t>(whole.size()), static_cast<uint32_t>(whole.size()));
  return std::string(whole.begin() + d.l4_offset, whole.begin() + d.ip_end);
}

std::vector<uint8_t> ipv4_fragment_of(const std::vector<uint8_t>& whole, const FragmentPiece& piece, uint16_t id) {
  DecodedPacket d = decode(whole.data(), static_cast<uint32_t>(whole.size()), static_cast<uint32_t>(whole.size()));
  std::vector<uint8_t> f(whole.begin(), whole.begin() + d.l4_offset);
  f.insert(f.end(), piece.bytes.begin(), piece.bytes.end());
  const size_t l3 = d.l3_offset;
  set16(f, l3 + 2, static_cast<uint16_t>(f.size() - l3));
  set16(f, l3 + 4, id);
  set16(f, l3 + 6, static_cast<uint16_t>((piece.more ? 0x2000 : 0) | (piece.offset / 8)));
  set16(f, l3 + 10, 0);
  set16(f, l3 + 10, checksum_finish(checksum_add(f.data() + l3, d.l4_offset - l3)));
  return f;
}

std::vector<uint8_t> ipv6_fragment_of(const std::vector<uint8_t>& whole, const FragmentPiece& piece, uint32_t id) {
  DecodedPacket d = decode(whole.data(), static_cast<uint32_t>(whole.size()), static_cast<uint32_t>(whole.size()));
  const size_t l3 = d.l3_offset;
  std::vector<uint8_t> f(whole.begin(), whole.begin() + l3 + 40);
  f[l3 + 6] = 44;
  f.push_back(d.ip_proto);
  f.push_back(0);
  put16(f, static_cast<uint16_t>((piece.offset & 0xfff8) | (piece.more ? 1 : 0)));
  put32(f, id);
  f.insert(f.end(), piece.bytes.begin(), piece.bytes.end());
  set16(f, l3 + 4, static_cast<uint16_t>(f.size() - l3 - 40));
  return f;
}

std::vector<std::vector<uint8_t>> fragments_of(const std::vector<uint8_t>& whole, uint32_t size, uint32_t id) {
  const std::string payload = ip_payload(whole);
  DecodedPacket d = decode(whole.data(), static_cast<uint32_t>(whole.size()), static_cast<uint32_t>(whole.size()));
  std::vector<std::vector<uint8_t>> out;
  for (uint32_t at = 0; at < payload.size(); at += size) {
    FragmentPiece p{at, payload.substr(at, size), at + size < payload.size()};
    out.push_back(d.l3 == L3::kIpv6 ? ipv6_fragment_of(whole, p, id) : ipv4_fragment_of(whole, p, static_cast<uint16_t>(id)));
  }
  return out;
}

}  // namespace picket::testing_support
