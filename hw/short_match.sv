// Short literals: contents of 2 or 3 bytes that host-only rules need anywhere in the payload,
// as a DNS zone transfer's `|00 00 FC|` or FTP's `CWD`. Hashed into the literal prefilter's
// bitmaps they would hit nearly every frame; compared exactly, each at every byte position,
// they rarely do. A frame no entry (of its protocol and ports) matches needs none of their
// rules; one that an entry matches goes to the host, which searches it whole (the result says
// only `short_literal`).
//
//   entry: | dst_port_hi | dst_port_lo | src_port_hi | src_port_lo | proto 2 |
//          | bytes 24 (byte k at bits 8k: the literal, folded for nocase) | length 2 | nocase | valid |
//
// The whole frame is searched, headers too: more frames than the rules' own may be handed over,
// never fewer. Each beat is searched with the previous beat's last 2 bytes in front, so a
// literal split across two beats is found.
//
//   beat path:  cycle 0 (beat) every position of every entry, the frame's hits so far
//               -> 3 registers, so a frame's hits come out with the literal prefilter's list
//   frame path: frame_valid with the frame's protocol and ports -> out_hit a cycle later

`resetall
`timescale 1ns / 1ps
`default_nettype none

module short_match #(
  parameter int DATA_W = 512
) (
  input  wire                    clk,
  input  wire                    rst,

  input  wire                    beat_valid,
  input  wire [DATA_W-1:0]       beat_data,
  input  wire [DATA_W/8-1:0]     beat_keep,
  input  wire                    beat_last,
  input  wire                    beat_bank,   // the frame's table bank, fixed at its first beat

  // The frame's protocol and ports, when frame_valid says its hits are ready.
  input  wire                    in_bank,
  input  wire [7:0]              in_ip_proto,
  input  wire                    in_has_ports,
  input  wire [15:0]             in_src_port,
  input  wire [15:0]             in_dst_port,

  input  wire                    tw_valid,
  input  wire [7:0]              tw_table,
  input  wire                    tw_bank,
  /* verilator lint_off UNUSEDSIGNAL */  // the shared table-write bus is wider than this table
  input  wire [15:0]             tw_index,
  input  wire [255:0]            tw_data,
  /* verilator lint_on UNUSEDSIGNAL */

  output logic                   frame_valid,  // three cycles after a frame's last beat
  output logic                   out_valid,    // a cycle after frame_valid
  output logic                   out_hit       // an entry of the frame's protocol and ports matched
);

  localparam int BB = DATA_W / 8;
  localparam int WIN = BB + 2;  // the previous beat's last 2 bytes, then this beat's
  localparam int DEPTH = picket_regs_pkg::TBL_SHORT_LITERAL_DEPTH;
  localparam int W = picket_regs_pkg::TBL_SHORT_LITERAL_W;

  // Both banks' entries as registers: every entry is compared at every position.
  logic [W-1:0] entries [2][DEPTH];
  always_ff @(posedge clk) begin
    if (tw_valid && 32'(tw_table) == picket_regs_pkg::TBL_SHORT_LITERAL && 32'(tw_index) < DEPTH) begin
      entries[tw_bank][tw_index[$clog2(DEPTH)-1:0]] <= tw_data[W-1:0];
    end
  end

  // --- Beat path -----------------------------------------------------------------------------

  logic in_frame_q;
  logic [15:0] tail_q;  // the previous beat's last 2 bytes
  logic [DEPTH-1:0] found_q;  // entries the frame matched in its earlier beats
  wire sof = !in_frame_q;

  logic [8*WIN-1:0] win, win_folded;
  logic [DEPTH-1:0] found;
  logic [W-1:0] e;
  logic [1:0] len;
  logic [23:0] want, mask, got;
  always_comb begin
    win = {beat_data, sof ? 16'd0 : tail_q};
    for (int k = 0; k < WIN; k++) win_folded[8 * k +: 8] = picket_pkg::fold(win[8 * k +: 8]);
    found = sof ? '0 : found_q;
    for (int i = 0; i < DEPTH; i++) begin
      e = entries[beat_bank][i];
      len = e[picket_regs_pkg::SHORT_LITERAL_LENGTH_LSB +: 2];
      want = e[picket_regs_pkg::SHORT_LITERAL_BYTES_LSB +: 24];
      mask = len == 2'd3 ? 24'hff_ffff : 24'h00_ffff;
      for (int p = 0; p < BB; p++) begin
        // The literal ends at beat byte p (window byte p + 2) and starts len - 1 bytes before.
        got = e[picket_regs_pkg::SHORT_LITERAL_NOCASE_LSB]
                ? (len == 2'd3 ? win_folded[8 * p +: 24] : {8'd0, win_folded[8 * (p + 1) +: 16]})
                : (len == 2'd3 ? win[8 * p +: 24] : {8'd0, win[8 * (p + 1) +: 16]});
        if (e[picket_regs_pkg::SHORT_LITERAL_VALID_LSB] && len >= 2'd2 && beat_keep[p] &&
            !(sof && p + 1 < 32'(len)) && (got & mask) == (want & mask))
          found[i] = 1'b1;
      end
    end
  end

  logic [DEPTH-1:0] done_d [3];
  logic done_valid_d [3];
  always_ff @(posedge clk) begin
    if (rst) begin
      in_frame_q <= 1'b0;
      found_q <= '0;
    end else if (beat_valid) begin
      in_frame_q <= !beat_last;
      tail_q <= beat_data[DATA_W-16 +: 16];
      found_q <= found;
    end
    done_valid_d[0] <= beat_valid && beat_last && !rst;
    done_d[0] <= found;
    for (int k = 1; k < 3; k++) begin
      done_valid_d[k] <= done_valid_d[k - 1] && !rst;
      done_d[k] <= done_d[k - 1];
    end
  end
  assign frame_valid = done_valid_d[2];

  // --- Frame path: the entries of the frame's protocol and ports ------------------------------

  logic hit, fits;
  /* verilator lint_off UNUSEDSIGNAL */  // the bytes were compared on the beat path
  logic [W-1:0] f;
  /* verilator lint_on UNUSEDSIGNAL */
  logic [1:0] proto;
  always_comb begin
    hit = 1'b0;
    for (int i = 0; i < DEPTH; i++) begin
      f = entries[in_bank][i];
      proto = f[picket_regs_pkg::SHORT_LITERAL_PROTO_LSB +: 2];
      fits = done_d[2][i] &&
             picket_pkg::admits(proto, in_ip_proto, in_has_ports, in_src_port, in_dst_port,
                                f[picket_regs_pkg::SHORT_LITERAL_SRC_PORT_LO_LSB +: 16],
                                f[picket_regs_pkg::SHORT_LITERAL_SRC_PORT_HI_LSB +: 16],
                                f[picket_regs_pkg::SHORT_LITERAL_DST_PORT_LO_LSB +: 16],
                                f[picket_regs_pkg::SHORT_LITERAL_DST_PORT_HI_LSB +: 16]);
      if (fits) hit = 1'b1;
    end
  end

  always_ff @(posedge clk) begin
    out_valid <= frame_valid && !rst;
    out_hit <= frame_valid && hit;
  end

endmodule

`resetall
