// Checksum check: whether a frame's IPv4 header checksum and its TCP or UDP checksum hold, as
// host/packet/checksum.cc's checksums_hold checks them (RFC 1071 sums over the pseudo-header).
// A receiver discards a frame whose checksum fails, and so the host tracks no flow for it: the
// flow table must not learn from it either.
//
// Every range the sums need lies at a byte position the first beat decides (the VLAN tags, the
// IP version, the IPv4 header length and the IP length are all in bytes 0..27):
//
//   header  [l3, l4)        IPv4 header, whose sum must be 0xffff
//   segment [l4, ip_end)    the TCP or UDP segment; plus the pseudo-header:
//   address [l3+12, l3+20)  IPv4 source and destination ([l3+8, l3+40) for IPv6),
//                           then protocol and segment length added as numbers
//   field   [l4+6, l4+8)    UDP's checksum field: 0 over IPv4 is "no checksum"
//
// Each beat adds, per range, its big-endian 16-bit words with the bytes outside the range
// zeroed (beats start at even positions, so words stay aligned). Ethernet padding after
// ip_end is outside every range.
//
// out_* pulse two cycles after a frame's last beat, with the parser's meta. The caller knows
// from the parser which of them apply (IPv4, TCP or UDP, a fragment).

`resetall
`timescale 1ns / 1ps
`default_nettype none

module checksum_check #(
  parameter int DATA_W = 512
) (
  input  wire                 clk,
  input  wire                 rst,

  input  wire                 beat_valid,
  input  wire [DATA_W-1:0]    beat_data,
  input  wire [DATA_W/8-1:0]  beat_keep,
  input  wire                 beat_last,

  output logic                out_valid,
  output logic                out_header_ok,   // the IPv4 header's sum holds
  output logic                out_segment_ok,  // the TCP or UDP segment's sum holds
  output logic                out_udp_zero     // UDP's checksum field is 0
);

  localparam int BB = DATA_W / 8;
  initial begin
    if (BB < 32) $fatal(1, "checksum_check reads bytes 0..27 of the first beat: DATA_W must be at least 256");
  end

  function automatic logic [7:0] b8(input logic [DATA_W-1:0] d, input int i);
    b8 = d[8 * i +: 8];
  endfunction

  function automatic logic [15:0] b16(input logic [DATA_W-1:0] d, input int i);
    b16 = {d[8 * i +: 8], d[8 * (i + 1) +: 8]};
  endfunction

  // The sum of this beat's words whose bytes lie in [lo, hi), `base` being the beat's first
  // byte position.
  function automatic logic [31:0] range_sum(input logic [DATA_W-1:0] d, input logic [BB-1:0] keep,
                                            input logic [15:0] base, input logic [15:0] lo, input logic [15:0] hi);
    logic [15:0] pos;
    logic [7:0] hb, lb;
    range_sum = 32'd0;
    for (int j = 0; j < BB / 2; j++) begin
      pos = base + 16'(2 * j);
      hb = keep[2 * j] && pos >= lo && pos < hi ? d[16 * j +: 8] : 8'd0;
      lb = keep[2 * j + 1] && pos + 16'd1 >= lo && pos + 16'd1 < hi ? d[16 * j + 8 +: 8] : 8'd0;
      range_sum = range_sum + {16'd0, hb, lb};
    end
  endfunction

  function automatic logic [15:0] fold(input logic [31:0] s);
    logic [31:0] t;
    t = {16'd0, s[15:0]} + {16'd0, s[31:16]};
    t = {16'd0, t[15:0]} + {16'd0, t[31:16]};
    fold = t[15:0];
  endfunction

  // --- The first beat: where the ranges lie -----------------------------------------------------

  logic in_frame_q;
  logic [15:0] base_q;
  wire sof = !in_frame_q;

  logic [15:0] ethertype, l3, l4, ip_end, addr_lo, addr_hi, hdr_hi;
  logic [7:0] proto;
  logic [3:0] ihl;
  logic ipv4, ipv6;
  always_comb begin
    l3 = 16'd14;
    ethertype = b16(beat_data, 12);
    if (picket_pkg::is_vlan(ethertype)) begin
      l3 = 16'd18;
      ethertype = b16(beat_data, 16);
      if (picket_pkg::is_vlan(ethertype)) begin
        l3 = 16'd22;
        ethertype = b16(beat_data, 20);
      end
    end
    ipv4 = ethertype == 16'h0800;
    ipv6 = ethertype == 16'h86dd;
    l4 = l3;
    ip_end = l3;
    addr_lo = l3;
    addr_hi = l3;
    proto = 8'd0;
    ihl = 4'd0;
    if (ipv4) begin
      ihl = 4'(l3 == 16'd14 ? b8(beat_data, 14) : l3 == 16'd18 ? b8(beat_data, 18) : b8(beat_data, 22));
      l4 = l3 + {10'd0, ihl, 2'b00};
      ip_end = l3 + (l3 == 16'd14 ? b16(beat_data, 16) : l3 == 16'd18 ? b16(beat_data, 20) : b16(beat_data, 24));
      proto = l3 == 16'd14 ? b8(beat_data, 23) : l3 == 16'd18 ? b8(beat_data, 27) : b8(beat_data, 31);
      addr_lo = l3 + 16'd12;
      addr_hi = l3 + 16'd20;
    end else if (ipv6) begin
      l4 = l3 + 16'd40;
      ip_end = l3 + 16'd40 + (l3 == 16'd14 ? b16(beat_data, 18) : l3 == 16'd18 ? b16(beat_data, 22) : b16(beat_data, 26));
      proto = l3 == 16'd14 ? b8(beat_data, 20) : l3 == 16'd18 ? b8(beat_data, 24) : b8(beat_data, 28);
      addr_lo = l3 + 16'd8;
      addr_hi = l3 + 16'd40;
    end
    hdr_hi = ipv4 ? l4 : l3;
  end

  // The frame's ranges: decided at its first beat, held for the rest.
  logic [15:0] l3_q, l4_q, end_q, alo_q, ahi_q, hhi_q;
  logic [7:0] proto_q;
  wire [15:0] r_l3 = sof ? l3 : l3_q;
  wire [15:0] r_l4 = sof ? l4 : l4_q;
  wire [15:0] r_end = sof ? ip_end : end_q;
  wire [15:0] r_alo = sof ? addr_lo : alo_q;
  wire [15:0] r_ahi = sof ? addr_hi : ahi_q;
  wire [15:0] r_hhi = sof ? hdr_hi : hhi_q;
  wire [7:0] r_proto = sof ? proto : proto_q;
  wire [15:0] base = sof ? 16'd0 : base_q;

  // --- Every beat: the sums ----------------------------------------------------------------------

  logic [31:0] hdr_acc, seg_acc, field_acc;
  wire [31:0] hdr_now = (sof ? 32'd0 : hdr_acc) + range_sum(beat_data, beat_keep, base, r_l3, r_hhi);
  wire [31:0] seg_now = (sof ? 32'd0 : seg_acc) + range_sum(beat_data, beat_keep, base, r_l4, r_end) +
                        range_sum(beat_data, beat_keep, base, r_alo, r_ahi);
  wire [31:0] field_now = (sof ? 32'd0 : field_acc) +
                          range_sum(beat_data, beat_keep, base, r_l4 + 16'd6, r_l4 + 16'd8);

  logic done_q;
  always_ff @(posedge clk) begin
    done_q <= 1'b0;
    if (beat_valid) begin
      in_frame_q <= !beat_last;
      base_q <= base + 16'(BB);
      l3_q <= r_l3;
      l4_q <= r_l4;
      end_q <= r_end;
      alo_q <= r_alo;
      ahi_q <= r_ahi;
      hhi_q <= r_hhi;
      proto_q <= r_proto;
      hdr_acc <= hdr_now;
      seg_acc <= seg_now;
      field_acc <= field_now;
      done_q <= beat_last;
    end
    if (rst) begin
      in_frame_q <= 1'b0;
      done_q <= 1'b0;
    end
  end

  // --- A cycle after the last beat: fold and compare ---------------------------------------------

  // The pseudo-header's protocol and segment length, beside the address words already summed.
  wire [31:0] seg_total = seg_acc + {24'd0, proto_q} + {16'd0, end_q - l4_q};
  always_ff @(posedge clk) begin
    out_valid <= done_q && !rst;
    out_header_ok <= fold(hdr_acc) == 16'hffff;
    out_segment_ok <= fold(seg_total) == 16'hffff;
    out_udp_zero <= fold(field_acc) == 16'd0;
  end

endmodule

`resetall
