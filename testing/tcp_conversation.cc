#include "testing/tcp_conversation.h"

#include <stdexcept>

#include "packet/decoder.h"
#include "testing/packet_builder.h"

namespace picket {

TcpConversation::TcpConversation(std::string_view client, uint16_t client_port, std::string_view server,
                                 uint16_t server_port, uint16_t vlan)
    : client_port_(client_port), server_port_(server_port), vlan_(vlan) {
  auto c = IpAddress::parse(client);
  auto s = IpAddress::parse(server);
  if (!c || !s || c->is_v4() != s->is_v4()) throw std::invalid_argument("TcpConversation: bad addresses");
  client_ = *c;
  server_ = *s;
  v6_ = !c->is_v4();
}

std::vector<uint8_t> TcpConversation::frame(bool from_client, uint8_t flags, std::string_view payload) {
  uint32_t& seq = from_client ? client_seq_ : server_seq_;
  std::vector<uint8_t> f = frame_at(from_client, flags, seq, payload);
  seq += static_cast<uint32_t>(payload.size()) + ((flags & (tcp_flag::kSyn | tcp_flag::kFin)) ? 1 : 0);
  return f;
}

std::vector<uint8_t> TcpConversation::frame_at(bool from_client, uint8_t flags, uint32_t seq, std::string_view payload,
                                               uint16_t urgent) {
  PacketBuilder b;
  if (vlan_) b.vlan(vlan_);
  const IpAddress& src = from_client ? client_ : server_;
  const IpAddress& dst = from_client ? server_ : client_;
  if (v6_) b.ipv6(src, dst);
  else b.ipv4(src, dst);
  uint32_t ack = (flags & tcp_flag::kAck) ? (from_client ? server_seq_ : client_seq_) : 0;
  b.tcp(from_client ? client_port_ : server_port_, from_client ? server_port_ : client_port_, flags, seq, ack);
  b.tcp_urgent(urgent);
  b.payload(payload);
  return b.build();
}

std::vector<uint8_t> TcpConversation::syn() { return frame(true, tcp_flag::kSyn, {}); }
std::vector<uint8_t> TcpConversation::syn_ack() { return frame(false, tcp_flag::kSyn | tcp_flag::kAck, {}); }
std::vector<uint8_t> TcpConversation::ack_from_client() { return frame(true, tcp_flag::kAck, {}); }
std::vector<uint8_t> TcpConversation::ack_from_server() { return frame(false, tcp_flag::kAck, {}); }
std::vector<std::vector<uint8_t>> TcpConversation::handshake() { return {syn(), syn_ack(), ack_from_client()}; }
std::vector<uint8_t> TcpConversation::from_client(std::string_view p) {
  return frame(true, tcp_flag::kAck | tcp_flag::kPsh, p);
}
std::vector<uint8_t> TcpConversation::from_server(std::string_view p) {
  return frame(false, tcp_flag::kAck | tcp_flag::kPsh, p);
}
std::vector<uint8_t> TcpConversation::fin_from_client() { return frame(true, tcp_flag::kFin | tcp_flag::kAck, {}); }
std::vector<uint8_t> TcpConversation::fin_from_server() { return frame(false, tcp_flag::kFin | tcp_flag::kAck, {}); }
std::vector<uint8_t> TcpConversation::from_client_at(uint32_t offset, std::string_view p) {
  return frame_at(true, tcp_flag::kAck | tcp_flag::kPsh, kClientIsn + 1 + offset, p);
}
std::vector<uint8_t> TcpConversation::from_server_at(uint32_t offset, std::string_view p) {
  return frame_at(false, tcp_flag::kAck | tcp_flag::kPsh, kServerIsn + 1 + offset, p);
}
std::vector<uint8_t> TcpConversation::urgent_from_client_at(uint32_t offset, std::string_view p, uint16_t pointer) {
  return frame_at(true, tcp_flag::kAck | tcp_flag::kPsh | tcp_flag::kUrg, kClientIsn + 1 + offset, p, pointer);
}
std::vector<uint8_t> TcpConversation::syn_with_data(std::string_view p) { return frame(true, tcp_flag::kSyn, p); }
std::vector<uint8_t> TcpConversation::rst_from_client() { return frame(true, tcp_flag::kRst | tcp_flag::kAck, {}); }

}  // namespace picket
