// Identity tag: the identity ids of a frame's source and destination addresses.
//
// Full-length bindings sit in two hash ways (IDENTITY_EXACT_A/B, slot = identity_a/b_hash of the
// address); shorter prefixes in IDENTITY_PREFIX, all compared at once. A binding applies while
// now <= not_after. The exact binding wins when it applies, else the longest applying prefix,
// else id 0 (unknown) — host/identity/identity_table.cc's lookup, in two cycles.
//
//   cycle 0: in_*  ->  cycle 1: exact slots read, prefixes compared  ->  cycle 2: out_*

`resetall
`timescale 1ns / 1ps
`default_nettype none

module identity_lookup (
  input  wire          clk,
  input  wire          rst,

  input  wire          in_valid,
  input  wire          in_bank,
  input  wire [63:0]   in_now,
  input  wire [127:0]  in_src,
  input  wire [127:0]  in_dst,

  input  wire          tw_valid,
  input  wire [7:0]    tw_table,
  input  wire          tw_bank,
  /* verilator lint_off UNUSEDSIGNAL */  // the shared table-write bus is wider than this module's tables
  input  wire [15:0]   tw_index,
  input  wire [255:0]  tw_data,
  /* verilator lint_on UNUSEDSIGNAL */

  output logic         out_valid,
  output logic [15:0]  out_src_id,
  output logic [15:0]  out_dst_id
);

  localparam int EXACT_DEPTH = picket_regs_pkg::TBL_IDENTITY_EXACT_A_DEPTH;
  localparam int EXACT_W = picket_regs_pkg::TBL_IDENTITY_EXACT_A_W;
  localparam int PREFIXES = picket_regs_pkg::TBL_IDENTITY_PREFIX_DEPTH;
  localparam int PREFIX_W = picket_regs_pkg::TBL_IDENTITY_PREFIX_W;
  localparam int HB = picket_regs_pkg::IDENTITY_HASH_BITS;

  logic [EXACT_W-1:0] exact_a [2 * EXACT_DEPTH];
  logic [EXACT_W-1:0] exact_b [2 * EXACT_DEPTH];
  logic [PREFIX_W-1:0] prefix [2 * PREFIXES];

  always_ff @(posedge clk) begin
    if (tw_valid) begin
      if (32'(tw_table) == picket_regs_pkg::TBL_IDENTITY_EXACT_A)
        exact_a[{tw_bank, tw_index[HB-1:0]}] <= tw_data[EXACT_W-1:0];
      if (32'(tw_table) == picket_regs_pkg::TBL_IDENTITY_EXACT_B)
        exact_b[{tw_bank, tw_index[HB-1:0]}] <= tw_data[EXACT_W-1:0];
      if (32'(tw_table) == picket_regs_pkg::TBL_IDENTITY_PREFIX)
        prefix[{tw_bank, tw_index[$clog2(PREFIXES)-1:0]}] <= tw_data[PREFIX_W-1:0];
    end
  end

  function automatic logic [HB-1:0] hash_a(input logic [127:0] x);
    for (int j = 0; j < HB; j++) hash_a[j] = ^(x & picket_regs_pkg::H3_IDENTITY_A[128 * j +: 128]);
  endfunction

  function automatic logic [HB-1:0] hash_b(input logic [127:0] x);
    for (int j = 0; j < HB; j++) hash_b[j] = ^(x & picket_regs_pkg::H3_IDENTITY_B[128 * j +: 128]);
  endfunction

  // The id of an exact entry that holds `address` and still applies, or none.
  function automatic logic [16:0] exact_id(input logic [EXACT_W-1:0] e, input logic [127:0] address,
                                           input logic [63:0] now);
    exact_id = 17'd0;
    if (e[picket_regs_pkg::IDENTITY_EXACT_A_VALID_LSB] &&
        e[picket_regs_pkg::IDENTITY_EXACT_A_ADDRESS_LSB +: 128] == address &&
        now <= e[picket_regs_pkg::IDENTITY_EXACT_A_NOT_AFTER_LSB +: 64])
      exact_id = {1'b1, e[picket_regs_pkg::IDENTITY_EXACT_A_IDENTITY_LSB +: 16]};
  endfunction

  // The longest applying prefix that holds `address`: {found, id}.
  function automatic logic [16:0] prefix_id(input logic [PREFIX_W*PREFIXES-1:0] entries,
                                            input logic [127:0] address, input logic [63:0] now);
    logic [8:0] best_bits;
    logic [PREFIX_W-1:0] e;
    logic [7:0] bits;
    logic [127:0] mask;
    best_bits = 9'd0;
    prefix_id = 17'd0;
    for (int i = 0; i < PREFIXES; i++) begin
      e = entries[PREFIX_W * i +: PREFIX_W];
      bits = e[picket_regs_pkg::IDENTITY_PREFIX_PREFIX_BITS_LSB +: 8];
      mask = ~({128{1'b1}} >> bits);
      if (e[picket_regs_pkg::IDENTITY_PREFIX_VALID_LSB] &&
          ((address ^ e[picket_regs_pkg::IDENTITY_PREFIX_NETWORK_LSB +: 128]) & mask) == 128'd0 &&
          now <= e[picket_regs_pkg::IDENTITY_PREFIX_NOT_AFTER_LSB +: 64] &&
          (!prefix_id[16] || {1'b0, bits} > best_bits)) begin
        best_bits = {1'b0, bits};
        prefix_id = {1'b1, e[picket_regs_pkg::IDENTITY_PREFIX_IDENTITY_LSB +: 16]};
      end
    end
  endfunction

  logic [PREFIX_W*PREFIXES-1:0] bank_prefixes;
  always_comb begin
    for (int i = 0; i < PREFIXES; i++) bank_prefixes[PREFIX_W * i +: PREFIX_W] = prefix[32'(in_bank) * PREFIXES + i];
  end

  // Cycle 1.
  logic s1_valid;
  logic [127:0] s1_src, s1_dst;
  logic [63:0] s1_now;
  logic [EXACT_W-1:0] s1_src_a, s1_src_b, s1_dst_a, s1_dst_b;
  logic [16:0] s1_src_prefix, s1_dst_prefix;

  always_ff @(posedge clk) begin
    s1_valid <= in_valid && !rst;
    s1_src <= in_src;
    s1_dst <= in_dst;
    s1_now <= in_now;
    s1_src_a <= exact_a[{in_bank, hash_a(in_src)}];
    s1_src_b <= exact_b[{in_bank, hash_b(in_src)}];
    s1_dst_a <= exact_a[{in_bank, hash_a(in_dst)}];
    s1_dst_b <= exact_b[{in_bank, hash_b(in_dst)}];
    s1_src_prefix <= prefix_id(bank_prefixes, in_src, in_now);
    s1_dst_prefix <= prefix_id(bank_prefixes, in_dst, in_now);
  end

  // Cycle 2.
  function automatic logic [15:0] choose(input logic [16:0] a, input logic [16:0] b, input logic [16:0] p);
    choose = a[16] ? a[15:0] : b[16] ? b[15:0] : p[16] ? p[15:0] : 16'd0;
  endfunction

  always_ff @(posedge clk) begin
    out_valid <= s1_valid && !rst;
    out_src_id <= choose(exact_id(s1_src_a, s1_src, s1_now), exact_id(s1_src_b, s1_src, s1_now), s1_src_prefix);
    out_dst_id <= choose(exact_id(s1_dst_a, s1_dst, s1_now), exact_id(s1_dst_b, s1_dst, s1_now), s1_dst_prefix);
  end

endmodule

`resetall
