// Fast-pattern prefilter: finds the rules' literals in a frame at one beat a cycle.
//
// Each literal is filed by its first min(length, 8) bytes, P: when P is 8 bytes long in the
// 8-byte bucket, hashed whole; when 4..7 long in the 4-byte bucket, hashed on its last 4 bytes.
// Hashes are over case-folded bytes, so one slot serves a literal with or without nocase.
// Each bucket has a literal table, at slot hash(P) (LITERAL_HASH_BITS), and a filter in front
// of it: FILTER_HASHES bitmaps of 2^FILTER_BITS bits, bitmap i with the bit at filter hash i
// of P set (bits [i * FILTER_BITS +: FILTER_BITS] of literal_4_filter / literal_8_filter). A
// position is a candidate only when its bit is set in every bitmap of the bucket: one bitmap
// as large as the literal table would let ordinary bytes through faster than the lanes can
// compare them once a few thousand literals are filed (README, "Sizing the prefilter").
//
// For every byte position of a beat, the bytes ending there (with the previous beat's last 7)
// are hashed for both buckets:
//
//   cycle 0: 2 x BEAT_BYTES slot hashes and filter hashes -> each position's own copy of the
//            bucket's bitmaps
//   cycle 1: candidates (every bitmap's bit set) -> the first BEAT_HITS of them -> each lane's
//            own copy of LITERAL_4 and LITERAL_8, at the candidate's slot hash
//   cycle 2: P compared exactly with the beat's bytes, folded or not (nocase) -> hits
//            (literal id, start offset in the frame, length of P) appended to the frame's
//            list of FRAME_HITS
//
// Every table is a table_ram (a block RAM read a cycle after its address): the bitmaps are
// kept once per byte position and the literal tables once per lane, so no copy is read at
// more than one place a cycle.
//
// Runs of one byte value (zeros, padding) would make every position of a beat a candidate of
// the same literal and overflow the lanes: a position where every P that could match also
// matches one byte earlier is not a candidate. For the 8-byte bucket that is where the 8 bytes
// and the byte before are one value; for the 4-byte bucket, where the 5 bytes ending there
// are: the compiler files no P of 5 to 7 bytes whose last 5 (case-folded) are one value, so
// only a run of 4 can match there, and it matches one byte earlier. A run P is thus found
// where the run begins; the compiler never makes such a literal final, whose offset window
// would need every place it occurs.
//
// A literal none of whose rules is final (`once` in its slot) needs only to be named: the host
// finishes its rules on the whole frame. Once it is listed at a place surely in the payload
// (PAYLOAD_SURE: past the longest headers the parser takes), its later hits in the frame take
// no place in the list, so a literal repeated through a frame (a field of zeros, a word of
// ones) does not crowd the others out. (A hit in the headers, which rule_check drops, names
// nothing: the payload's own hit must stay listed.)
//
// frame_valid pulses three cycles after a frame's last beat, with its list; hit_overflow says a
// beat had more candidates, or the frame more literal hits, than there is room for (the host
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
  localparam int FB = picket_regs_pkg::LITERAL_FILTER_BITS;
  localparam int FH = picket_regs_pkg::LITERAL_FILTER_HASHES;
  localparam int FW = FB * FH;  // a position's filter hashes, bitmap i's at [FB * i +: FB]
  localparam int LIT_W = picket_regs_pkg::TBL_LITERAL_4_W;
  localparam int POS_BITS = $clog2(BB);
  // Ethernet, two VLAN tags, IPv4 with options, TCP with options: 14 + 8 + 60 + 60 bytes.
  localparam logic [15:0] PAYLOAD_SURE = 16'd142;

  // --- Tables -------------------------------------------------------------------------------

  wire bm4_we = tw_valid && 32'(tw_table) == picket_regs_pkg::TBL_LITERAL_BITMAP_4;
  wire bm8_we = tw_valid && 32'(tw_table) == picket_regs_pkg::TBL_LITERAL_BITMAP_8;
  wire lit4_we = tw_valid && 32'(tw_table) == picket_regs_pkg::TBL_LITERAL_4;
  wire lit8_we = tw_valid && 32'(tw_table) == picket_regs_pkg::TBL_LITERAL_8;
  // Bitmap i of a bucket is words [i * 2^(FB-5), (i + 1) * 2^(FB-5)) of its table.
  wire [FB-5:0] bm_waddr = {tw_bank, tw_index[FB-6:0]};
  wire [15:0] bm_which = 16'(tw_index >> (FB - 5));
  wire [HB:0] lit_waddr = {tw_bank, tw_index[HB-1:0]};

  function automatic logic [HB-1:0] hash4(input logic [31:0] x);
    for (int j = 0; j < HB; j++) hash4[j] = ^(x & picket_regs_pkg::H3_LITERAL_4[32 * j +: 32]);
  endfunction

  function automatic logic [HB-1:0] hash8(input logic [63:0] x);
    for (int j = 0; j < HB; j++) hash8[j] = ^(x & picket_regs_pkg::H3_LITERAL_8[64 * j +: 64]);
  endfunction

  function automatic logic [FW-1:0] filter4(input logic [31:0] x);
    for (int j = 0; j < FW; j++) filter4[j] = ^(x & picket_regs_pkg::H3_LITERAL_4_FILTER[32 * j +: 32]);
  endfunction

  function automatic logic [FW-1:0] filter8(input logic [63:0] x);
    for (int j = 0; j < FW; j++) filter8[j] = ^(x & picket_regs_pkg::H3_LITERAL_8_FILTER[64 * j +: 64]);
  endfunction

  // --- Cycle 0: hashes, each read from its position's bitmap copies -------------------------

  logic in_frame_q;
  logic [15:0] beat_index_q;
  logic [55:0] tail_q;  // the previous beat's last 7 bytes
  logic [7:0] before_q;  // and the byte before them (whether a beat's first position is in a run)
  wire sof = !in_frame_q;
  wire [15:0] beat_index = sof ? 16'd0 : beat_index_q;

  logic [8*WIN-1:0] win, win_folded;
  logic [BB*HB-1:0] h4, h8;  // position e's slot hashes at [HB * e +: HB]
  logic [BB*FW-1:0] f4, f8;  // position e's filter hashes at [FW * e +: FW]
  logic [BB-1:0] ok4, ok8;   // the position ends a whole window of the frame, not inside a run
  logic [WIN-1:0] same;      // window byte k - 1 equals byte k (raw bytes: a run in either case);
                             // byte -1 is before_q
  logic run4, run8;
  logic [31:0] c0_end;

  always_comb begin
    win = {beat_data, sof ? 56'd0 : tail_q};
    for (int k = 0; k < WIN; k++) win_folded[8 * k +: 8] = picket_pkg::fold(win[8 * k +: 8]);
    same[0] = !sof && before_q == win[7:0];
    for (int k = 1; k < WIN; k++) same[k] = win[8 * (k - 1) +: 8] == win[8 * k +: 8];
    for (int e = 0; e < BB; e++) begin
      // e: the position of the candidate's last byte in this beat; window byte e + 7.
      c0_end = 32'(beat_index) * BB + 32'(e);
      h4[HB * e +: HB] = hash4(win_folded[8 * (e + 4) +: 32]);
      h8[HB * e +: HB] = hash8(win_folded[8 * e +: 64]);
      f4[FW * e +: FW] = filter4(win_folded[8 * (e + 4) +: 32]);
      f8[FW * e +: FW] = filter8(win_folded[8 * e +: 64]);
      // Inside a run (above): window bytes e+3..e+7 one value for the 4-byte bucket; e-1..e+7
      // for the 8-byte one.
      run4 = c0_end >= 4 && &same[e + 4 +: 4];
      run8 = c0_end >= 8 && &same[e +: 8];
      ok4[e] = beat_valid && beat_keep[e] && c0_end >= 3 && !run4;
      ok8[e] = beat_valid && beat_keep[e] && c0_end >= 7 && !run8;
    end
  end

  // Position e's word of bitmap i at [32 * (FH * e + i) +: 32], and the bit of it to test.
  logic [BB*FH*32-1:0] bm4_word, bm8_word;
  logic [BB*FH*5-1:0] bit4, bit8;
  for (genvar e = 0; e < BB; e++) begin : position
    for (genvar i = 0; i < FH; i++) begin : bitmap
      localparam int AT = FW * e + FB * i;
      wire we = bm_which == 16'(i);
      table_ram #(.W(32), .DEPTH_LOG2(FB - 4)) bitmap4 (
        .clk, .we(bm4_we && we), .waddr(bm_waddr), .wdata(tw_data[31:0]),
        .raddr({beat_bank, f4[AT + 5 +: FB - 5]}), .rdata(bm4_word[32 * (FH * e + i) +: 32]));
      table_ram #(.W(32), .DEPTH_LOG2(FB - 4)) bitmap8 (
        .clk, .we(bm8_we && we), .waddr(bm_waddr), .wdata(tw_data[31:0]),
        .raddr({beat_bank, f8[AT + 5 +: FB - 5]}), .rdata(bm8_word[32 * (FH * e + i) +: 32]));
      always_ff @(posedge clk) begin
        bit4[5 * (FH * e + i) +: 5] <= f4[AT +: 5];
        bit8[5 * (FH * e + i) +: 5] <= f8[AT +: 5];
      end
    end
  end

  logic s1_valid, s1_last, s1_sof, s1_bank;
  logic [15:0] s1_beat_index;
  logic [8*WIN-1:0] s1_win, s1_win_folded;
  logic [BB*HB-1:0] s1_h4, s1_h8;
  logic [BB-1:0] s1_ok4, s1_ok8;

  always_ff @(posedge clk) begin
    if (beat_valid) begin
      in_frame_q <= !beat_last;
      beat_index_q <= beat_index + 1'b1;
      tail_q <= beat_data[DATA_W-56 +: 56];
      before_q <= beat_data[DATA_W-64 +: 8];
    end
    s1_valid <= beat_valid;
    s1_last <= beat_last;
    s1_sof <= sof;
    s1_bank <= beat_bank;
    s1_beat_index <= beat_index;
    s1_win <= win;
    s1_win_folded <= win_folded;
    s1_h4 <= h4;
    s1_h8 <= h8;
    s1_ok4 <= ok4;
    s1_ok8 <= ok8;
    if (rst) begin
      in_frame_q <= 1'b0;
      beat_index_q <= 16'd0;
      s1_valid <= 1'b0;
    end
  end

  // --- Cycle 1: candidates, the first BEAT_HITS, each read from its lane's literal copies ---

  logic [BB-1:0] cand4, cand8;
  logic [BEAT_HITS-1:0] sel_valid;
  logic [BEAT_HITS-1:0] sel_bucket8;
  logic [BEAT_HITS*POS_BITS-1:0] sel_pos;
  logic [BEAT_HITS*HB-1:0] sel_h4, sel_h8;
  logic beat_overflow;
  int taken;

  always_comb begin
    for (int e = 0; e < BB; e++) begin
      cand4[e] = s1_ok4[e];
      cand8[e] = s1_ok8[e];
      for (int i = 0; i < FH; i++) begin
        if (!bm4_word[32 * (FH * e + i) + 32'(bit4[5 * (FH * e + i) +: 5])]) cand4[e] = 1'b0;
        if (!bm8_word[32 * (FH * e + i) + 32'(bit8[5 * (FH * e + i) +: 5])]) cand8[e] = 1'b0;
      end
    end
    taken = 0;
    beat_overflow = 1'b0;
    sel_valid = '0;
    sel_bucket8 = '0;
    sel_pos = '0;
    for (int c = 0; c < 2 * BB; c++) begin
      if (c < BB ? cand8[c % BB] : cand4[c % BB]) begin
        if (taken < BEAT_HITS) begin
          sel_valid[taken] = 1'b1;
          sel_bucket8[taken] = c < BB;
          sel_pos[POS_BITS * taken +: POS_BITS] = POS_BITS'(c % BB);
          taken = taken + 1;
        end else begin
          beat_overflow = 1'b1;
        end
      end
    end
    for (int j = 0; j < BEAT_HITS; j++) begin
      sel_h4[HB * j +: HB] = s1_h4[HB * 32'(sel_pos[POS_BITS * j +: POS_BITS]) +: HB];
      sel_h8[HB * j +: HB] = s1_h8[HB * 32'(sel_pos[POS_BITS * j +: POS_BITS]) +: HB];
    end
  end

  logic [BEAT_HITS*LIT_W-1:0] lit4_slot, lit8_slot;
  for (genvar j = 0; j < BEAT_HITS; j++) begin : lane
    table_ram #(.W(LIT_W), .DEPTH_LOG2(HB + 1)) literal4 (
      .clk, .we(lit4_we), .waddr(lit_waddr), .wdata(tw_data[LIT_W-1:0]),
      .raddr({s1_bank, sel_h4[HB * j +: HB]}), .rdata(lit4_slot[LIT_W * j +: LIT_W]));
    table_ram #(.W(LIT_W), .DEPTH_LOG2(HB + 1)) literal8 (
      .clk, .we(lit8_we), .waddr(lit_waddr), .wdata(tw_data[LIT_W-1:0]),
      .raddr({s1_bank, sel_h8[HB * j +: HB]}), .rdata(lit8_slot[LIT_W * j +: LIT_W]));
  end

  logic s2_valid, s2_last, s2_sof, s2_overflow;
  logic [15:0] s2_beat_index;
  logic [8*WIN-1:0] s2_win, s2_win_folded;
  logic [BEAT_HITS-1:0] s2_sel_valid, s2_sel_bucket8;
  logic [BEAT_HITS*POS_BITS-1:0] s2_sel_pos;

  always_ff @(posedge clk) begin
    s2_valid <= s1_valid;
    s2_last <= s1_last;
    s2_sof <= s1_sof;
    s2_overflow <= beat_overflow;
    s2_beat_index <= s1_beat_index;
    s2_win <= s1_win;
    s2_win_folded <= s1_win_folded;
    s2_sel_valid <= sel_valid;
    s2_sel_bucket8 <= sel_bucket8;
    s2_sel_pos <= sel_pos;
    if (rst) s2_valid <= 1'b0;
  end

  // --- Cycle 2: exact comparison of P, and the frame's list ----------------------------------

  logic [FRAME_HITS-1:0] list_valid_q;
  logic [FRAME_HITS*16-1:0] list_literal_q, list_start_q;
  logic [FRAME_HITS*4-1:0] list_length_q;
  logic list_overflow_q;

  logic [BEAT_HITS-1:0] match, match_once;
  logic [BEAT_HITS*16-1:0] match_literal, match_start;
  logic [BEAT_HITS*4-1:0] match_length;

  logic [FRAME_HITS-1:0] next_valid;
  logic [FRAME_HITS*16-1:0] next_literal, next_start;
  logic [FRAME_HITS*4-1:0] next_length;
  logic next_overflow;
  int used;
  logic listed;  // the lane's once literal is in the list already, in the payload
  logic [LIT_W-1:0] slot;
  logic [3:0] len;
  logic nocase;
  logic [31:0] end_offset;
  int p;
  logic [63:0] ending, want, mask;

  always_comb begin
    for (int j = 0; j < BEAT_HITS; j++) begin
      p = 32'(s2_sel_pos[POS_BITS * j +: POS_BITS]);
      slot = s2_sel_bucket8[j] ? lit8_slot[LIT_W * j +: LIT_W] : lit4_slot[LIT_W * j +: LIT_W];
      len = slot[picket_regs_pkg::LITERAL_4_LENGTH_LSB +: 4];
      nocase = slot[picket_regs_pkg::LITERAL_4_NOCASE_LSB];
      end_offset = 32'(s2_beat_index) * BB + 32'(p);
      match[j] = s2_sel_valid[j] && slot[picket_regs_pkg::LITERAL_4_VALID_LSB] && len >= 4'd1 && len <= 4'd8 &&
                 end_offset + 1 >= 32'(len) && (s2_sel_bucket8[j] ? len == 4'd8 : len < 4'd8);
      // The 8 bytes ending at the hit's last byte (window bytes p..p+7), and P moved to end
      // there too: its byte k at byte 8 - len + k. The bytes before P are not compared.
      ending = nocase ? s2_win_folded[8 * p +: 64] : s2_win[8 * p +: 64];
      want = slot[picket_regs_pkg::LITERAL_4_BYTES_LSB +: 64] << (8 * (8 - 32'(len)));
      mask = {64{1'b1}} << (8 * (8 - 32'(len)));
      if ((ending & mask) != (want & mask)) match[j] = 1'b0;
      match_once[j] = slot[picket_regs_pkg::LITERAL_4_ONCE_LSB];
      match_literal[16 * j +: 16] = slot[picket_regs_pkg::LITERAL_4_LITERAL_LSB +: 16];
      match_start[16 * j +: 16] = 16'(end_offset + 1 - 32'(len));
      match_length[4 * j +: 4] = len;
    end

    // Append this beat's hits to the frame's list (a new list at the frame's first beat).
    next_valid = s2_sof ? '0 : list_valid_q;
    next_literal = list_literal_q;
    next_start = list_start_q;
    next_length = list_length_q;
    next_overflow = (s2_sof ? 1'b0 : list_overflow_q) || s2_overflow;
    used = 0;
    for (int i = 0; i < FRAME_HITS; i++) if (next_valid[i]) used = i + 1;
    for (int j = 0; j < BEAT_HITS; j++) begin
      listed = 1'b0;
      for (int i = 0; i < FRAME_HITS; i++) begin
        if (match_once[j] && next_valid[i] && next_literal[16 * i +: 16] == match_literal[16 * j +: 16] &&
            next_start[16 * i +: 16] >= PAYLOAD_SURE)
          listed = 1'b1;
      end
      if (match[j] && !listed) begin
        if (used < FRAME_HITS) begin
          next_valid[used] = 1'b1;
          next_literal[16 * used +: 16] = match_literal[16 * j +: 16];
          next_start[16 * used +: 16] = match_start[16 * j +: 16];
          next_length[4 * used +: 4] = match_length[4 * j +: 4];
          used = used + 1;
        end else begin
          next_overflow = 1'b1;
        end
      end
    end
  end

  always_ff @(posedge clk) begin
    frame_valid <= 1'b0;
    if (s2_valid) begin
      list_valid_q <= next_valid;
      list_literal_q <= next_literal;
      list_start_q <= next_start;
      list_length_q <= next_length;
      list_overflow_q <= next_overflow;
      if (s2_last) begin
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
