// Policy: judges a frame both ways, since the card does not know which side opened the flow.
//
//   fwd: source as client, destination as server, on the destination port
//   rev: destination as client, source as server, on the source port
//
// The host picks the one its flow's direction calls for; when both agree the verdict does not
// depend on direction and the card can act on it alone.
//
// POLICY_MASK gives, per identity id, which statement entries' from and to selectors match it;
// POLICY_STATEMENT holds the rest of each statement (file order; one entry per port range).
// As host/policy/policy.cc judges: the first applying deny decides, else the first applying
// allow, else deny by default (statement 0). Ids past the mask table are reported
// (out_unknown_id) so the host judges those frames.
//
//   cycle 0: in_*  ->  cycle 1: masks read  ->  cycle 2: out_*

`resetall
`timescale 1ns / 1ps
`default_nettype none

module policy_lookup (
  input  wire          clk,
  input  wire          rst,

  input  wire          in_valid,
  input  wire          in_bank,
  input  wire [63:0]   in_now,
  input  wire [15:0]   in_src_id,
  input  wire [15:0]   in_dst_id,
  input  wire [7:0]    in_ip_proto,
  input  wire          in_has_ports,  // TCP or UDP with its header
  input  wire [15:0]   in_src_port,
  input  wire [15:0]   in_dst_port,

  input  wire          tw_valid,
  input  wire [7:0]    tw_table,
  input  wire          tw_bank,
  /* verilator lint_off UNUSEDSIGNAL */  // the shared table-write bus is wider than this module's tables
  input  wire [15:0]   tw_index,
  input  wire [255:0]  tw_data,
  /* verilator lint_on UNUSEDSIGNAL */

  output logic         out_valid,
  output logic         out_fwd_allow,
  output logic [15:0]  out_fwd_statement,
  output logic         out_rev_allow,
  output logic [15:0]  out_rev_statement,
  output logic         out_unknown_id
);

  localparam int IDS = picket_regs_pkg::TBL_POLICY_MASK_DEPTH;
  localparam int ID_BITS = $clog2(IDS);
  localparam int STATEMENTS = picket_regs_pkg::TBL_POLICY_STATEMENT_DEPTH;
  localparam int ST_W = picket_regs_pkg::TBL_POLICY_STATEMENT_W;

  logic [63:0] masks [2 * IDS];
  logic [ST_W-1:0] statements [2 * STATEMENTS];

  always_ff @(posedge clk) begin
    if (tw_valid) begin
      if (32'(tw_table) == picket_regs_pkg::TBL_POLICY_MASK) masks[{tw_bank, tw_index[ID_BITS-1:0]}] <= tw_data[63:0];
      if (32'(tw_table) == picket_regs_pkg::TBL_POLICY_STATEMENT)
        statements[{tw_bank, tw_index[$clog2(STATEMENTS)-1:0]}] <= tw_data[ST_W-1:0];
    end
  end

  logic s1_valid, s1_bank, s1_has_ports, s1_unknown;
  logic [63:0] s1_now, s1_src_mask, s1_dst_mask;
  logic [7:0] s1_proto;
  logic [15:0] s1_src_port, s1_dst_port;

  always_ff @(posedge clk) begin
    s1_valid <= in_valid && !rst;
    s1_bank <= in_bank;
    s1_now <= in_now;
    s1_proto <= in_ip_proto;
    s1_has_ports <= in_has_ports;
    s1_src_port <= in_src_port;
    s1_dst_port <= in_dst_port;
    s1_unknown <= 32'(in_src_id) >= IDS || 32'(in_dst_id) >= IDS;
    s1_src_mask <= masks[{in_bank, in_src_id[ID_BITS-1:0]}];
    s1_dst_mask <= masks[{in_bank, in_dst_id[ID_BITS-1:0]}];
  end

  // Whether statement entry `e` applies to this packet, apart from the identities.
  function automatic logic applies(input logic [ST_W-1:0] e, input logic [63:0] now, input logic [7:0] proto,
                                   input logic has_ports, input logic [15:0] port);
    logic [1:0] p;
    logic [15:0] lo, hi;
    p = e[picket_regs_pkg::POLICY_STATEMENT_PROTO_LSB +: 2];
    lo = e[picket_regs_pkg::POLICY_STATEMENT_PORT_LO_LSB +: 16];
    hi = e[picket_regs_pkg::POLICY_STATEMENT_PORT_HI_LSB +: 16];
    applies = e[picket_regs_pkg::POLICY_STATEMENT_VALID_LSB] &&
              now <= e[picket_regs_pkg::POLICY_STATEMENT_UNTIL_LSB +: 64];
    if (32'(p) == picket_regs_pkg::PROTO_TCP && proto != picket_pkg::IP_PROTO_TCP) applies = 1'b0;
    if (32'(p) == picket_regs_pkg::PROTO_UDP && proto != picket_pkg::IP_PROTO_UDP) applies = 1'b0;
    if (32'(p) == picket_regs_pkg::PROTO_ICMP && proto != picket_pkg::IP_PROTO_ICMP &&
        proto != picket_pkg::IP_PROTO_ICMPV6) applies = 1'b0;
    if (e[picket_regs_pkg::POLICY_STATEMENT_HAS_PORTS_LSB] && !(has_ports && port >= lo && port <= hi))
      applies = 1'b0;
  endfunction

  // {allow, statement}: the first matching deny, else the first matching allow, else {0, 0}.
  function automatic logic [16:0] decide(input logic [STATEMENTS-1:0] match,
                                         input logic [ST_W*STATEMENTS-1:0] entries);
    logic found_deny, found_allow;
    logic [15:0] deny_no, allow_no;
    logic [ST_W-1:0] e;
    found_deny = 1'b0;
    found_allow = 1'b0;
    deny_no = 16'd0;
    allow_no = 16'd0;
    for (int s = 0; s < STATEMENTS; s++) begin
      e = entries[ST_W * s +: ST_W];
      if (match[s] && e[picket_regs_pkg::POLICY_STATEMENT_DENY_LSB] && !found_deny) begin
        found_deny = 1'b1;
        deny_no = e[picket_regs_pkg::POLICY_STATEMENT_NUMBER_LSB +: 16];
      end
      if (match[s] && !e[picket_regs_pkg::POLICY_STATEMENT_DENY_LSB] && !found_allow) begin
        found_allow = 1'b1;
        allow_no = e[picket_regs_pkg::POLICY_STATEMENT_NUMBER_LSB +: 16];
      end
    end
    decide = found_deny ? {1'b0, deny_no} : found_allow ? {1'b1, allow_no} : 17'd0;
  endfunction

  logic [ST_W*STATEMENTS-1:0] bank_statements;
  logic [STATEMENTS-1:0] fwd_match, rev_match;
  logic [16:0] fwd, rev;
  always_comb begin
    for (int s = 0; s < STATEMENTS; s++) begin
      bank_statements[ST_W * s +: ST_W] = statements[32'(s1_bank) * STATEMENTS + s];
      // masks: from_mask in bits 31..0, to_mask in 63..32
      fwd_match[s] = s1_src_mask[picket_regs_pkg::POLICY_MASK_FROM_MASK_LSB + s] &&
                     s1_dst_mask[picket_regs_pkg::POLICY_MASK_TO_MASK_LSB + s] &&
                     applies(bank_statements[ST_W * s +: ST_W], s1_now, s1_proto, s1_has_ports, s1_dst_port);
      rev_match[s] = s1_dst_mask[picket_regs_pkg::POLICY_MASK_FROM_MASK_LSB + s] &&
                     s1_src_mask[picket_regs_pkg::POLICY_MASK_TO_MASK_LSB + s] &&
                     applies(bank_statements[ST_W * s +: ST_W], s1_now, s1_proto, s1_has_ports, s1_src_port);
    end
    fwd = decide(fwd_match, bank_statements);
    rev = decide(rev_match, bank_statements);
  end

  always_ff @(posedge clk) begin
    out_valid <= s1_valid && !rst;
    out_fwd_allow <= fwd[16];
    out_fwd_statement <= fwd[15:0];
    out_rev_allow <= rev[16];
    out_rev_statement <= rev[15:0];
    out_unknown_id <= s1_unknown;
  end

endmodule

`resetall
