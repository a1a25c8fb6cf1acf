// Short literals: contents of 1 to 4 bytes that host-only rules need anywhere in the payload,
// as a DNS zone transfer's `|00 00 FC|`, FTP's `CWD` or a finger query's `@`, and the 4-byte
// ones the literal tables had no slot for. Hashed into the literal prefilter's bitmaps they
// would hit nearly every frame; compared exactly, each at every byte position, and only on
// their rules' protocol and ports, they seldom do. A frame no entry (of its protocol and
// ports) matches in its payload needs none of their rules; one that an entry matches goes to
// the host, which searches it whole (the result says only `short_literal`).
//
//   entry: | dst_port_hi | dst_port_lo | src_port_hi | src_port_lo | proto 2 |
//          | bytes 32 (byte k at bits 8k: the literal, folded for nocase) | length 3 | nocase | valid |
//
// Each beat is searched with the previous beat's last 3 bytes in front, so a literal split
// across two beats is found, and each entry keeps where its last match in the frame ended. The
// payload is the frame's tail, so a payload that holds the literal makes that last match begin
// at or after the payload's offset, which the parser gives only once the frame is in: an entry
// counts when its last match begins there (one in the headers alone, an address byte or a
// flag equal to a 1-byte literal, hands nothing over). The Ethernet padding after a short
// frame's payload counts as payload: more frames may be handed over, never fewer.
//
//   beat path:  cycle 0 (beat) every position of every entry, the frame's hits so far and
//               where each last ended -> 3 registers, so they come out with the prefilter's list
//   frame path: frame_valid with the frame's protocol, ports and payload offset -> out_hit a
//               cycle later

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
  input  wire [15:0]             in_payload_offset,
  input  wire                    in_fragment,  // an IP fragment: no ports, so no entry that names them

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
  localparam int TAIL = 3;  // the longest literal, less one
  localparam int WIN = BB + TAIL;  // the previous beat's last 3 bytes, then this beat's
  localparam int DEPTH = picket_regs_pkg::TBL_SHORT_LITERAL_DEPTH;
  localparam int W = picket_regs_pkg::TBL_SHORT_LITERAL_W;

  // Both banks' entries as registers: every entry is compared at every position.
  // (mem2reg: Yosys's memory passes would look for read ports to share among hundreds, and
  // did not finish.)
  (* mem2reg *) logic [W-1:0] entries [2][DEPTH];
  always_ff @(posedge clk) begin
    if (tw_valid && 32'(tw_table) == picket_regs_pkg::TBL_SHORT_LITERAL && 32'(tw_index) < DEPTH) begin
      entries[tw_bank][tw_index[$clog2(DEPTH)-1:0]] <= tw_data[W-1:0];
    end
  end

  // --- Beat path -----------------------------------------------------------------------------

  logic in_frame_q;
  logic [8*TAIL-1:0] tail_q;  // the previous beat's last 3 bytes
  logic [DEPTH-1:0] found_q;  // entries the frame matched in its earlier beats
  logic [15:0] last_end_q [DEPTH];  // the frame byte where each one's last match ended
  logic [15:0] base_q;  // the frame byte this beat begins at
  wire sof = !in_frame_q;

  logic [8*WIN-1:0] win, win_folded;
  logic [DEPTH-1:0] found;
  logic [15:0] last_end [DEPTH];
  logic [15:0] base;
  logic [W-1:0] e;
  logic [2:0] len;
  logic [31:0] want, mask, got;
  always_comb begin
    win = {beat_data, sof ? 24'd0 : tail_q};
    for (int k = 0; k < WIN; k++) win_folded[8 * k +: 8] = picket_pkg::fold(win[8 * k +: 8]);
    found = sof ? '0 : found_q;
    base = sof ? 16'd0 : base_q;
    for (int i = 0; i < DEPTH; i++) last_end[i] = last_end_q[i];
    for (int i = 0; i < DEPTH; i++) begin
      e = entries[beat_bank][i];
      len = e[picket_regs_pkg::SHORT_LITERAL_LENGTH_LSB +: 3];
      want = e[picket_regs_pkg::SHORT_LITERAL_BYTES_LSB +: 32];
      mask = len == 3'd4 ? 32'hffff_ffff : len == 3'd3 ? 32'h00ff_ffff : len == 3'd2 ? 32'h0000_ffff : 32'h0000_00ff;
      for (int p = 0; p < BB; p++) begin
        // The literal ends at beat byte p (window byte p + 3) and starts len - 1 bytes before:
        // its first byte is window byte p + 4 - len.
        case (len)
          3'd4: got = e[picket_regs_pkg::SHORT_LITERAL_NOCASE_LSB] ? win_folded[8 * p +: 32] : win[8 * p +: 32];
          3'd3: got = {8'd0, e[picket_regs_pkg::SHORT_LITERAL_NOCASE_LSB] ? win_folded[8 * (p + 1) +: 24] : win[8 * (p + 1) +: 24]};
          3'd2: got = {16'd0, e[picket_regs_pkg::SHORT_LITERAL_NOCASE_LSB] ? win_folded[8 * (p + 2) +: 16] : win[8 * (p + 2) +: 16]};
          default: got = {24'd0, e[picket_regs_pkg::SHORT_LITERAL_NOCASE_LSB] ? win_folded[8 * (p + 3) +: 8] : win[8 * (p + 3) +: 8]};
        endcase
        if (e[picket_regs_pkg::SHORT_LITERAL_VALID_LSB] && len >= 3'd1 && len <= 3'd4 && beat_keep[p] &&
            !(sof && p + 1 < 32'(len)) && (got & mask) == (want & mask)) begin
          found[i] = 1'b1;
          last_end[i] = base + 16'(p);  // the positions run upwards: the last match wins
        end
      end
    end
  end

  logic [DEPTH-1:0] done_d [3];
  logic [15:0] done_end_d [3][DEPTH];
  logic done_valid_d [3];
  always_ff @(posedge clk) begin
    if (rst) begin
      in_frame_q <= 1'b0;
      found_q <= '0;
    end else if (beat_valid) begin
      in_frame_q <= !beat_last;
      tail_q <= beat_data[DATA_W-8*TAIL +: 8*TAIL];
      found_q <= found;
      base_q <= base + 16'(BB);
      for (int i = 0; i < DEPTH; i++) last_end_q[i] <= last_end[i];
    end
    done_valid_d[0] <= beat_valid && beat_last && !rst;
    done_d[0] <= found;
    for (int i = 0; i < DEPTH; i++) done_end_d[0][i] <= last_end[i];
    for (int k = 1; k < 3; k++) begin
      done_valid_d[k] <= done_valid_d[k - 1] && !rst;
      done_d[k] <= done_d[k - 1];
      for (int i = 0; i < DEPTH; i++) done_end_d[k][i] <= done_end_d[k - 1][i];
    end
  end
  assign frame_valid = done_valid_d[2];

  // --- Frame path: the entries of the frame's protocol and ports, matched in its payload -------

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
      // The last match begins at its end less length - 1, at or past the payload's offset.
      fits = done_d[2][i] &&
             17'(done_end_d[2][i]) + 17'd1 >= 17'(in_payload_offset) + 17'(f[picket_regs_pkg::SHORT_LITERAL_LENGTH_LSB +: 3]) &&
             picket_pkg::admits(proto, in_ip_proto, in_has_ports, in_fragment, in_src_port, in_dst_port,
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
