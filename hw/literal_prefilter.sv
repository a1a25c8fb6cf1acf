// Fast-pattern prefilter: finds the rules' literals in a frame at one beat a cycle.
//
// Each literal is filed by its first min(length, 8) bytes, P: when P is 8 bytes long in the
// 8-byte bucket, hashed whole; when 4..7 long in the 4-byte bucket, hashed on its last 4 bytes.
// Hashes are over case-folded bytes, so one slot serves a literal with or without nocase.
// For every byte position of a beat, the bytes ending there (with the previous beat's last 7)
// are hashed for both buckets:
//
//   cycle 0: 2 x BEAT_BYTES hashes -> 1-bit bitmaps -> the first BEAT_HITS set bits
//   cycle 1: for those, the LITERAL_4/8 slot is read and P compared exactly, folded or not
//            (nocase) -> hits (literal id, start offset in the frame, length of P) appended
//            to the frame's list of FRAME_HITS
//
// frame_valid pulses two cycles after a frame's last beat, with its list; hit_overflow says a
// beat had more bitmap hits, or the frame more literal hits, than there is room for (the host
// then looks at the whole frame).

`resetall
`timescale 1ns / 1ps
`default_nettype none

module literal_prefilter #(
  parameter int DATA_W = 512
) (
  input  wire                    clk,
  input  wire                    rst,

  input  wire                    beat_valid,
  input  wire [DATA_W-1:0]       beat_data,
  input  wire [DATA_W/8-1:0]     beat_keep,
  input  wire                    beat_last,
  input  wire                    beat_bank,   // the frame's table bank, fixed at its first beat

  input  wire                    tw_valid,
  input  wire [7:0]              tw_table,
  input  wire                    tw_bank,
  /* verilator lint_off UNUSEDSIGNAL */  // the shared table-write bus is wider than this module's tables
  input  wire [15:0]             tw_index,
  input  wire [255:0]            tw_data,
  /* verilator lint_on UNUSEDSIGNAL */

  output logic                   frame_valid,
  output logic [FRAME_HITS-1:0]  hit_valid,
  output logic [FRAME_HITS*16-1:0] hit_literal,
  output logic [FRAME_HITS*16-1:0] hit_start,
  output logic [FRAME_HITS*4-1:0]  hit_length,
  output logic                   hit_overflow
);

  localparam int FRAME_HITS = picket_regs_pkg::FRAME_HITS;
  localparam int BEAT_HITS = picket_regs_pkg::BEAT_HITS;
  localparam int BB = DATA_W / 8;
  localparam int WIN = BB + 7;  // the previous beat's last 7 bytes, then this beat's
  localparam int HB = picket_regs_pkg::LITERAL_HASH_BITS;
  localparam int SLOTS = 1 << HB;
  localparam int LIT_W = picket_regs_pkg::TBL_LITERAL_4_W;
  localparam int POS_BITS = $clog2(BB);

  // --- Tables -------------------------------------------------------------------------------

  logic [31:0] bitmap4 [2 * SLOTS / 32];
  logic [31:0] bitmap8 [2 * SLOTS / 32];
  logic [LIT_W-1:0] literal4 [2 * SLOTS];
  logic [LIT_W-1:0] literal8 [2 * SLOTS];

  always_ff @(posedge clk) begin
    if (tw_valid) begin
      if (32'(tw_table) == picket_regs_pkg::TBL_LITERAL_BITMAP_4) bitmap4[{tw_bank, tw_index[HB-6:0]}] <= tw_data[31:0];
      if (32'(tw_table) == picket_regs_pkg::TBL_LITERAL_BITMAP_8) bitmap8[{tw_bank, tw_index[HB-6:0]}] <= tw_data[31:0];
      if (32'(tw_table) == picket_regs_pkg::TBL_LITERAL_4) literal4[{tw_bank, tw_index[HB-1:0]}] <= tw_data[LIT_W-1:0];
      if (32'(tw_table) == picket_regs_pkg::TBL_LITERAL_8) literal8[{tw_bank, tw_index[HB-1:0]}] <= tw_data[LIT_W-1:0];
    end
  end

  function automatic logic [7:0] fold(input logic [7:0] b);
    fold = (b >= 8'h41 && b <= 8'h5a) ? (b | 8'h20) : b;
  endfunction

  function automatic logic [HB-1:0] hash4(input logic [31:0] x);
    for (int j = 0; j < HB; j++) hash4[j] = ^(x & picket_regs_pkg::H3_LITERAL_4[32 * j +: 32]);
  endfunction

  function automatic logic [HB-1:0] hash8(input logic [63:0] x);
    for (int j = 0; j < HB; j++) hash8[j] = ^(x & picket_regs_pkg::H3_LITERAL_8[64 * j +: 64]);
  endfunction

  // --- Cycle 0: hashes, bitmaps, the first BEAT_HITS candidates -----------------------------

  logic in_frame_q;
  logic [15:0] beat_index_q;
  logic [55:0] tail_q;  // the previous beat's last 7 bytes
  wire sof = !in_frame_q;
  wire [15:0] beat_index = sof ? 16'd0 : beat_index_q;

  logic [8*WIN-1:0] win, win_folded;
  logic [BB-1:0] cand4, cand8;
  logic [BEAT_HITS-1:0] sel_valid;
  logic [BEAT_HITS-1:0] sel_bucket8;
  logic [POS_BITS-1:0] sel_pos [BEAT_HITS];
  logic beat_overflow;
  int taken;
  logic [HB-1:0] c0_h4, c0_h8;
  logic [31:0] c0_end;

  always_comb begin
    win = {beat_data, sof ? 56'd0 : tail_q};
    for (int k = 0; k < WIN; k++) win_folded[8 * k +: 8] = fold(win[8 * k +: 8]);
    for (int e = 0; e < BB; e++) begin
      // e: the position of the candidate's last byte in this beat; window byte e + 7.
      c0_end = 32'(beat_index) * BB + 32'(e);
      c0_h4 = hash4(win_folded[8 * (e + 4) +: 32]);
      c0_h8 = hash8(win_folded[8 * e +: 64]);
      cand4[e] = beat_keep[e] && c0_end >= 3 && bitmap4[{beat_bank, c0_h4[HB-1:5]}][c0_h4[4:0]];
      cand8[e] = beat_keep[e] && c0_end >= 7 && bitmap8[{beat_bank, c0_h8[HB-1:5]}][c0_h8[4:0]];
    end
    taken = 0;
    beat_overflow = 1'b0;
    sel_valid = '0;
    sel_bucket8 = '0;
    for (int j = 0; j < BEAT_HITS; j++) sel_pos[j] = '0;
    for (int c = 0; c < 2 * BB; c++) begin
      if (c < BB ? cand8[c % BB] : cand4[c % BB]) begin
        if (taken < BEAT_HITS) begin
          sel_valid[taken] = 1'b1;
          sel_bucket8[taken] = c < BB;
          sel_pos[taken] = POS_BITS'(c % BB);
          taken = taken + 1;
        end else begin
          beat_overflow = 1'b1;
        end
      end
    end
  end

  logic s1_valid, s1_last, s1_sof, s1_bank, s1_overflow;
  logic [15:0] s1_beat_index;
  logic [8*WIN-1:0] s1_win, s1_win_folded;
  logic [BEAT_HITS-1:0] s1_sel_valid, s1_sel_bucket8;
  logic [POS_BITS-1:0] s1_sel_pos [BEAT_HITS];

  always_ff @(posedge clk) begin
    if (beat_valid) begin
      in_frame_q <= !beat_last;
      beat_index_q <= beat_index + 1'b1;
      tail_q <= beat_data[DATA_W-56 +: 56];
    end
    s1_valid <= beat_valid;
    s1_last <= beat_last;
    s1_sof <= sof;
    s1_bank <= beat_bank;
    s1_overflow <= beat_overflow;
    s1_beat_index <= beat_index;
    s1_win <= win;
    s1_win_folded <= win_folded;
    s1_sel_valid <= beat_valid ? sel_valid : '0;
    s1_sel_bucket8 <= sel_bucket8;
    for (int j = 0; j < BEAT_HITS; j++) s1_sel_pos[j] <= sel_pos[j];
    if (rst) begin
      in_frame_q <= 1'b0;
      beat_index_q <= 16'd0;
      s1_valid <= 1'b0;
    end
  end

  // --- Cycle 1: exact comparison of P, and the frame's list ----------------------------------

  logic [FRAME_HITS-1:0] list_valid_q;
  logic [FRAME_HITS*16-1:0] list_literal_q, list_start_q;
  logic [FRAME_HITS*4-1:0] list_length_q;
  logic list_overflow_q;

  logic [BEAT_HITS-1:0] match;
  logic [15:0] match_literal [BEAT_HITS];
  logic [15:0] match_start [BEAT_HITS];
  logic [3:0] match_length [BEAT_HITS];

  logic [FRAME_HITS-1:0] next_valid;
  logic [FRAME_HITS*16-1:0] next_literal, next_start;
  logic [FRAME_HITS*4-1:0] next_length;
  logic next_overflow;
  int used;
  logic [LIT_W-1:0] slot;
  logic [HB-1:0] h;
  logic [3:0] len;
  logic nocase;
  logic [31:0] end_offset;
  int p, at;

  always_comb begin
    for (int j = 0; j < BEAT_HITS; j++) begin
      p = 32'(s1_sel_pos[j]);
      if (s1_sel_bucket8[j]) begin
        h = hash8(s1_win_folded[8 * p +: 64]);
        slot = literal8[{s1_bank, h}];
      end else begin
        h = hash4(s1_win_folded[8 * (p + 4) +: 32]);
        slot = literal4[{s1_bank, h}];
      end
      len = slot[picket_regs_pkg::LITERAL_4_LENGTH_LSB +: 4];
      nocase = slot[picket_regs_pkg::LITERAL_4_NOCASE_LSB];
      end_offset = 32'(s1_beat_index) * BB + 32'(p);
      match[j] = s1_sel_valid[j] && slot[picket_regs_pkg::LITERAL_4_VALID_LSB] && len >= 4'd1 && len <= 4'd8 &&
                 end_offset + 1 >= 32'(len) && (s1_sel_bucket8[j] ? len == 4'd8 : len < 4'd8);
      for (int k = 0; k < 8; k++) begin
        // P's byte k sits at window byte p + 8 - len + k (bytes before P are not compared).
        at = p + 8 - 32'(len) + k;
        if (k < 32'(len) && at >= 0 && at < WIN &&
            (nocase ? s1_win_folded[8 * at +: 8] : s1_win[8 * at +: 8]) != slot[picket_regs_pkg::LITERAL_4_BYTES_LSB + 8 * k +: 8])
          match[j] = 1'b0;
      end
      match_literal[j] = slot[picket_regs_pkg::LITERAL_4_LITERAL_LSB +: 16];
      match_start[j] = 16'(end_offset + 1 - 32'(len));
      match_length[j] = len;
    end

    // Append this beat's hits to the frame's list (a new list at the frame's first beat).
    next_valid = s1_sof ? '0 : list_valid_q;
    next_literal = list_literal_q;
    next_start = list_start_q;
    next_length = list_length_q;
    next_overflow = (s1_sof ? 1'b0 : list_overflow_q) || s1_overflow;
    used = 0;
    for (int i = 0; i < FRAME_HITS; i++) if (next_valid[i]) used = i + 1;
    for (int j = 0; j < BEAT_HITS; j++) begin
      if (match[j]) begin
        if (used < FRAME_HITS) begin
          next_valid[used] = 1'b1;
          next_literal[16 * used +: 16] = match_literal[j];
          next_start[16 * used +: 16] = match_start[j];
          next_length[4 * used +: 4] = match_length[j];
          used = used + 1;
        end else begin
          next_overflow = 1'b1;
        end
      end
    end
  end

  always_ff @(posedge clk) begin
    frame_valid <= 1'b0;
    if (s1_valid) begin
      list_valid_q <= next_valid;
      list_literal_q <= next_literal;
      list_start_q <= next_start;
      list_length_q <= next_length;
      list_overflow_q <= next_overflow;
      if (s1_last) begin
        frame_valid <= 1'b1;
        hit_valid <= next_valid;
        hit_literal <= next_literal;
        hit_start <= next_start;
        hit_length <= next_length;
        hit_overflow <= next_overflow;
      end
    end
    if (rst) begin
      frame_valid <= 1'b0;
      list_valid_q <= '0;
      list_overflow_q <= 1'b0;
    end
  end

endmodule

`resetall
