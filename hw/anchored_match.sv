// Anchored literals: short literals (1 to 4 bytes) that host-only rules need at fixed places
// near the payload's start, as TFTP's opcodes or an eMule header (content:"|e3 0d|"; depth:2).
// Hashed at every byte position such literals would hit nearly every frame; at their own
// places they rarely do. The card checks every entry of ANCHORED against the payload's first
// ANCHORED_HEAD bytes (from the parser), with its protocol and ports: a frame no entry matches
// needs none of their rules, and one that an entry matches goes to the host, which searches it
// whole (the entry's rules are among many a frame may need: the result says only `anchored`).
//
//   entry: | dst_port_hi | dst_port_lo | src_port_hi | src_port_lo | proto 2 | span 4 | first 5 |
//          | bytes 32 (byte k at bits 8k: the literal, folded for nocase) | length 3 | nocase | valid |
//
// The literal may start at any payload byte in [first, first + span]; the compiler keeps
// first + span + length within the head.
//
//   cycle 0: in_*; the entries of the frame's bank   cycle 1: every start of every entry   out_*

`resetall
`timescale 1ns / 1ps
`default_nettype none

module anchored_match (
  input  wire                    clk,
  input  wire                    rst,

  input  wire                    in_valid,
  input  wire                    in_bank,
  input  wire [picket_regs_pkg::ANCHORED_HEAD*8-1:0] in_head,
  input  wire [15:0]             in_payload_length,
  input  wire [7:0]              in_ip_proto,
  input  wire                    in_has_ports,
  input  wire                    in_fragment,  // an IP fragment: no ports, so no entry that names them
  input  wire [15:0]             in_src_port,
  input  wire [15:0]             in_dst_port,

  input  wire                    tw_valid,
  input  wire [7:0]              tw_table,
  input  wire                    tw_bank,
  /* verilator lint_off UNUSEDSIGNAL */  // the shared table-write bus is wider than this table
  input  wire [15:0]             tw_index,
  input  wire [255:0]            tw_data,
  /* verilator lint_on UNUSEDSIGNAL */

  output logic                   out_valid,
  output logic                   out_hit   // some entry matched: the host must look
);

  localparam int HEAD = picket_regs_pkg::ANCHORED_HEAD;
  localparam int DEPTH = picket_regs_pkg::TBL_ANCHORED_DEPTH;
  localparam int W = picket_regs_pkg::TBL_ANCHORED_W;
  localparam int SPANS = 16;  // starts per entry: span is 4 bits

  // Both banks' entries as registers: every entry is read every frame.
  // (mem2reg: Yosys's memory passes would look for read ports to share among hundreds, and
  // did not finish.)
  (* mem2reg *) logic [W-1:0] entries [2][DEPTH];
  always_ff @(posedge clk) begin
    if (tw_valid && 32'(tw_table) == picket_regs_pkg::TBL_ANCHORED && 32'(tw_index) < DEPTH) begin
      entries[tw_bank][tw_index[$clog2(DEPTH)-1:0]] <= tw_data[W-1:0];
    end
  end

  logic s1_valid, s1_bank, s1_has_ports, s1_fragment;
  logic [(HEAD+3)*8-1:0] s1_head, s1_folded;  // three bytes more: a literal's last start reads past
  logic [15:0] s1_length, s1_src_port, s1_dst_port;
  logic [7:0] s1_proto;
  always_ff @(posedge clk) begin
    s1_valid <= in_valid && !rst;
    s1_bank <= in_bank;
    s1_head <= {24'd0, in_head};
    for (int k = 0; k < HEAD; k++) s1_folded[8 * k +: 8] <= picket_pkg::fold(in_head[8 * k +: 8]);
    s1_folded[HEAD * 8 +: 24] <= 24'd0;
    s1_length <= in_payload_length;
    s1_proto <= in_ip_proto;
    s1_has_ports <= in_has_ports;
    s1_fragment <= in_fragment;
    s1_src_port <= in_src_port;
    s1_dst_port <= in_dst_port;
  end

  logic hit, fits;
  logic [W-1:0] e;
  logic [31:0] want, mask, got;
  logic [2:0] len;
  logic [4:0] first;
  logic [3:0] span;
  logic [1:0] proto;
  int at;
  always_comb begin
    hit = 1'b0;
    got = '0;
    at = 0;
    for (int i = 0; i < DEPTH; i++) begin
      e = entries[s1_bank][i];
      len = e[picket_regs_pkg::ANCHORED_LENGTH_LSB +: 3];
      first = e[picket_regs_pkg::ANCHORED_FIRST_LSB +: 5];
      span = e[picket_regs_pkg::ANCHORED_SPAN_LSB +: 4];
      proto = e[picket_regs_pkg::ANCHORED_PROTO_LSB +: 2];
      want = e[picket_regs_pkg::ANCHORED_BYTES_LSB +: 32];
      mask = len >= 3'd4 ? 32'hffff_ffff : (32'd1 << (8 * 32'(len))) - 32'd1;
      fits = e[picket_regs_pkg::ANCHORED_VALID_LSB] && len != 3'd0 &&
             picket_pkg::admits(proto, s1_proto, s1_has_ports, s1_fragment, s1_src_port, s1_dst_port,
                                e[picket_regs_pkg::ANCHORED_SRC_PORT_LO_LSB +: 16],
                                e[picket_regs_pkg::ANCHORED_SRC_PORT_HI_LSB +: 16],
                                e[picket_regs_pkg::ANCHORED_DST_PORT_LO_LSB +: 16],
                                e[picket_regs_pkg::ANCHORED_DST_PORT_HI_LSB +: 16]);
      for (int k = 0; k < SPANS; k++) begin
        at = 32'(first) + k;
        if (fits && k <= 32'(span) && at + 32'(len) <= HEAD && at + 32'(len) <= 32'(s1_length)) begin
          got = e[picket_regs_pkg::ANCHORED_NOCASE_LSB] ? s1_folded[8 * (at % HEAD) +: 32] : s1_head[8 * (at % HEAD) +: 32];
          if ((got & mask) == (want & mask)) hit = 1'b1;
        end
      end
    end
  end

  always_ff @(posedge clk) begin
    out_valid <= s1_valid && !rst;
    out_hit <= s1_valid && hit;
  end

endmodule

`resetall
