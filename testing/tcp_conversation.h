// Frames of one TCP conversation with consistent sequence numbers: the handshake, data each
// way, and the close. The traffic generator and the tests build sessions with it.
//
//   TcpConversation c("10.0.0.1", 40000, "10.0.0.2", 80);
//   auto syn = c.syn(); auto synack = c.syn_ack(); auto ack = c.ack_from_client();
//   auto req = c.from_client("GET / HTTP/1.1\r\n\r\n");
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "packet/ip_address.h"

namespace picket {

class TcpConversation {
 public:
  TcpConversation(std::string_view client, uint16_t client_port, std::string_view server, uint16_t server_port,
                  uint16_t vlan = 0);

  std::vector<uint8_t> syn();
  std::vector<uint8_t> syn_ack();
  std::vector<uint8_t> ack_from_client();
  // The three handshake frames in order.
  std::vector<std::vector<uint8_t>> handshake();
  std::vector<uint8_t> from_client(std::string_view payload);
  std::vector<uint8_t> from_server(std::string_view payload);
  std::vector<uint8_t> ack_from_server();
  std::vector<uint8_t> fin_from_client();
  std::vector<uint8_t> fin_from_server();
  std::vector<uint8_t> rst_from_client();

  // A client (server) segment at `offset` bytes into the client's (server's) stream, 0 being
  // its first byte, whatever was sent before: out of order, overlapping, retransmitted.
  // Moves no sequence number; send the bytes in between to move on.
  std::vector<uint8_t> from_client_at(uint32_t offset, std::string_view payload);
  std::vector<uint8_t> from_server_at(uint32_t offset, std::string_view payload);
  // The same with URG set and the urgent pointer `pointer` (the urgent byte is at offset +
  // pointer - 1).
  std::vector<uint8_t> urgent_from_client_at(uint32_t offset, std::string_view payload, uint16_t pointer);
  // The SYN, carrying `payload` (TCP Fast Open): the SYN/ACK after it acknowledges the data.
  std::vector<uint8_t> syn_with_data(std::string_view payload);

 private:
  std::vector<uint8_t> frame(bool from_client, uint8_t flags, std::string_view payload);
  std::vector<uint8_t> frame_at(bool from_client, uint8_t flags, uint32_t seq, std::string_view payload,
                                uint16_t urgent = 0);

  IpAddress client_, server_;
  uint16_t client_port_, server_port_, vlan_;
  bool v6_;
  static constexpr uint32_t kClientIsn = 1000, kServerIsn = 5000;
  uint32_t client_seq_ = kClientIsn, server_seq_ = kServerIsn;  // next sequence number each way
};

}  // namespace picket
