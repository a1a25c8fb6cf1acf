// Picket data-plane types shared by the RTL modules.
//
// The malformed-packet codes are the host decoder's (host/packet/decoder.h, enum Malformed),
// in the same order: a verdict's reason code means the same thing in software and hardware.
// sim/packet_parser_test.cc feeds every code's packet through both and compares.

`resetall
`timescale 1ns / 1ps
`default_nettype none

package picket_pkg;

  typedef enum logic [4:0] {
    MALFORMED_NONE                     = 5'd0,
    MALFORMED_LINK_TRUNCATED           = 5'd1,
    MALFORMED_VLAN_TRUNCATED           = 5'd2,
    MALFORMED_VLAN_TOO_MANY            = 5'd3,
    MALFORMED_IPV4_TRUNCATED           = 5'd4,
    MALFORMED_IPV4_BAD_VERSION         = 5'd5,
    MALFORMED_IPV4_BAD_IHL             = 5'd6,
    MALFORMED_IPV4_BAD_TOTAL_LENGTH    = 5'd7,
    MALFORMED_IPV4_BAD_OPTION          = 5'd8,
    MALFORMED_IPV6_TRUNCATED           = 5'd9,
    MALFORMED_IPV6_BAD_VERSION         = 5'd10,
    MALFORMED_IPV6_BAD_PAYLOAD_LENGTH  = 5'd11,
    MALFORMED_IPV6_EXTENSION_TRUNCATED = 5'd12,
    MALFORMED_IPV6_TOO_MANY_EXTENSIONS = 5'd13,
    MALFORMED_TCP_TRUNCATED            = 5'd14,
    MALFORMED_TCP_BAD_OFFSET           = 5'd15,
    MALFORMED_TCP_BAD_OPTION           = 5'd16,
    MALFORMED_UDP_TRUNCATED            = 5'd17,
    MALFORMED_UDP_BAD_LENGTH           = 5'd18,
    MALFORMED_ICMP_TRUNCATED           = 5'd19
  } malformed_t;

  // Network layer of a parsed packet.
  typedef enum logic [1:0] {
    L3_NONE = 2'd0,
    L3_IPV4 = 2'd1,
    L3_IPV6 = 2'd2
  } l3_t;

  localparam logic [7:0] IP_PROTO_ICMP   = 8'd1;
  localparam logic [7:0] IP_PROTO_TCP    = 8'd6;
  localparam logic [7:0] IP_PROTO_UDP    = 8'd17;
  localparam logic [7:0] IP_PROTO_ICMPV6 = 8'd58;

  // The VLAN tag types the host decoder takes (802.1Q, 802.1ad and the older QinQ types).
  function automatic logic is_vlan(input logic [15:0] t);
    is_vlan = t == 16'h8100 || t == 16'h88a8 || t == 16'h9100 || t == 16'h9200;
  endfunction

  // ASCII upper case to lower, as the host folds the bytes of a nocase literal.
  function automatic logic [7:0] fold(input logic [7:0] c);
    fold = (c >= 8'h41 && c <= 8'h5a) ? (c | 8'h20) : c;
  endfunction

  // Whether a table entry's protocol class (picket_regs_pkg::PROTO_*) and port ranges admit a
  // frame of this IP protocol and, when it has them, these ports. An IP fragment has no ports:
  // the host matches no rule that names them on it, so only an entry of every port admits it.
  function automatic logic admits(input logic [1:0] proto, input logic [7:0] ip_proto, input logic has_ports,
                                  input logic fragment, input logic [15:0] src_port, input logic [15:0] dst_port,
                                  input logic [15:0] src_lo, input logic [15:0] src_hi,
                                  input logic [15:0] dst_lo, input logic [15:0] dst_hi);
    admits = 1'b1;
    if (32'(proto) == picket_regs_pkg::PROTO_TCP && ip_proto != IP_PROTO_TCP) admits = 1'b0;
    if (32'(proto) == picket_regs_pkg::PROTO_UDP && ip_proto != IP_PROTO_UDP) admits = 1'b0;
    if (32'(proto) == picket_regs_pkg::PROTO_ICMP && ip_proto != IP_PROTO_ICMP && ip_proto != IP_PROTO_ICMPV6)
      admits = 1'b0;
    if (has_ports && !(src_port >= src_lo && src_port <= src_hi && dst_port >= dst_lo && dst_port <= dst_hi))
      admits = 1'b0;
    if (fragment && !(src_lo == 16'd0 && src_hi == 16'hffff && dst_lo == 16'd0 && dst_hi == 16'hffff)) admits = 1'b0;
  endfunction

endpackage

`resetall
