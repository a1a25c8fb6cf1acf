// Flow table: which side of a TCP or UDP flow is its client, learned at line rate, so that
// policy can be judged in the flow's direction on the card (host/flow/flow_table.h is the
// reference: the sender of a flow's first packet is its client, or its receiver when that
// packet is a SYN/ACK; the client is proven when that packet is a SYN without ACK).
//
// 2^SET_BITS sets of FLOW_WAYS ways, one wide memory word per set, read and written whole:
//
//   set word: | lost 1 | way 3 | way 2 | way 1 | way 0 |          (way k at bits k*ENTRY_W)
//   way:      | http 1 | side hi 34 | side lo 34 | last_seen 64 | trusted 1 | proven 1 | client_lo 1 | key 322 | valid 1 |
//   key:      | vlan1 12 | vlan0 12 | vlan_count 2 | proto 8 | hi_port 16 | lo_port 16 | hi 128 | lo 128 |
//   side:     | data_seen 1 | start_known 1 | start 32 |   (what the endpoint sends)
//
// The key orders the two endpoints (address, port) so that both directions give the same
// key; client_lo says the client is the lower one. set = flow_hash(key).
//
// HTTP: whether a flow may carry HTTP, as the host's HTTP parser would find it on its streams
// (host/pipeline/detection_stage.cc): it parses each direction's stream from its first byte,
// and an HTTP message must begin there. A side's stream begins after its SYN (start: the SYN's
// sequence number plus one), or, on a flow picked up without one, at its first data. The
// frame whose data begins a side's stream is classified by the parser (in_http_start, a
// superset of the host's messages); so is data on a SYN, and a segment that reaches into the
// stream from before its start (the host trims it) marks the flow outright. Out-of-order data
// waits for the start. `http` stays set for the flow's life: rules that need an HTTP flow may
// apply to any of its frames (hw/rule_check.sv). The card is sure a flow carries no HTTP
// (out_no_http) only where it saw what the host saw: not for a flow new in a set once full,
// nor one whose address pair is marked. A flow idle longer than FLOW_MIN_IDLE may have begun
// again on the host from its next data: its sides are classified again from there.
//
// The card's answer must be the host's, or no answer: a frame's state is KNOWN only when the
// card is sure the host holds the same flow with the same client. Where it cannot be sure, the
// flow is UNTRUSTED (the kernel then judges as if it knew no flow):
// - the flow is new but its set was once full (lost): an earlier flow of this set was never
//   learned, so this "first" packet may not be its first;
// - the flow was idle longer than FLOW_MIN_IDLE (the shortest of the host's idle timeouts): the
//   host may have ended it and begun it again from another packet. Past FLOW_MAX_IDLE (the
//   longest) the host has surely ended it, and the entry is free. The host measures idle time
//   from a clock that never goes back: the latest time of a packet it tracked. The card keeps
//   two clocks either side of it: clock_hi, the latest time of any frame (and of any packet
//   only the host saw, host_clock), for trust; clock_lo, the latest time of a keyed frame,
//   which the host surely tracked, for freeing;
// - frames the card cannot key (IPv4 fragments, IPv6 with extension headers) may begin or be
//   part of flows the host keys after reassembly or decoding: each marks its address pair in a
//   bitmap (slot flow_pair_hash(higher, lower address)), and flows of a marked pair are
//   untrusted until the table is flushed. The host marks the pairs of packets only it saw
//   (host_mark: a capture cut them short, say) the same way;
// - both endpoints are one (a connection to itself).
// A new flow whose set has no free way is FULL: not learned, and the set is marked lost.
//
// Timing: in_* at cycle 0; the set is read at its end; cycle 1 compares the ways, decides, and
// writes the set back; out_* at cycle 2. A frame every cycle: the set written at the end of
// cycle 1 is the one the next frame reads at the same edge, so it takes the written word
// instead (wb_*). A flush (and reset) empties one set per cycle; frames meanwhile mark their
// address pair.

`resetall
`timescale 1ns / 1ps
`default_nettype none

module flow_table #(
  parameter int SET_BITS = picket_regs_pkg::FLOW_SET_BITS
) (
  input  wire          clk,
  input  wire          rst,

  input  wire          flush,
  output logic         flushing,
  input  wire [63:0]   min_idle,
  input  wire [63:0]   max_idle,
  input  wire          host_mark,
  input  wire [picket_regs_pkg::FLOW_PAIR_BITS-1:0] host_mark_pair,
  input  wire          host_clock_valid,
  input  wire [63:0]   host_clock,

  input  wire          in_valid,
  input  wire          in_keyed,    // TCP or UDP with its ports, not malformed, not a fragment
  input  wire          in_unkeyed,  // an IP frame that may belong to a flow the card cannot key
  input  wire [63:0]   in_now,
  input  wire [127:0]  in_src,
  input  wire [127:0]  in_dst,
  input  wire [15:0]   in_src_port,
  input  wire [15:0]   in_dst_port,
  input  wire [7:0]    in_ip_proto,
  input  wire [7:0]    in_tcp_flags,
  input  wire [31:0]   in_tcp_seq,
  input  wire [15:0]   in_payload_length,
  input  wire          in_http_start,
  input  wire [1:0]    in_vlan_count,
  input  wire [11:0]   in_vlan0,
  input  wire [11:0]   in_vlan1,

  output logic         out_valid,
  output logic [1:0]   out_state,        // picket_regs_pkg::FLOW_STATE_*
  output logic         out_to_server,    // with KNOWN: the frame goes from the client to the server
  output logic         out_client_proven,
  output logic         out_no_http,      // the card is sure the flow carries no HTTP (above)
  output logic         out_learned       // this frame began tracking its flow
);

  localparam int WAYS = picket_regs_pkg::FLOW_WAYS;
  localparam int PAIR_BITS = picket_regs_pkg::FLOW_PAIR_BITS;
  localparam int KEY_W = 322;
  localparam int E_VALID = 0;
  localparam int E_KEY = 1;
  localparam int E_CLIENT_LO = E_KEY + KEY_W;
  localparam int E_PROVEN = E_CLIENT_LO + 1;
  localparam int E_TRUSTED = E_PROVEN + 1;
  localparam int E_LAST = E_TRUSTED + 1;
  localparam int E_SIDE = E_LAST + 64;  // side s at E_SIDE + s * SIDE_W: lo 0, hi 1
  localparam int SIDE_W = 34;
  localparam int S_START = 0;
  localparam int S_KNOWN = 32;
  localparam int S_SEEN = 33;
  localparam int E_HTTP = E_SIDE + 2 * SIDE_W;
  localparam int ENTRY_W = E_HTTP + 1;
  localparam int SET_W = WAYS * ENTRY_W + 1;
  localparam int LOST = WAYS * ENTRY_W;
  localparam int SETS = 1 << SET_BITS;

  localparam logic [7:0] SYN = 8'h02;
  localparam logic [7:0] RST = 8'h04;
  localparam logic [7:0] ACK = 8'h10;

  logic [SET_W-1:0] sets [SETS];
  logic [(1 << PAIR_BITS)-1:0] pairs;

  function automatic logic [SET_BITS-1:0] flow_hash(input logic [KEY_W-1:0] x);
    for (int j = 0; j < SET_BITS; j++) flow_hash[j] = ^(x & picket_regs_pkg::H3_FLOW[KEY_W * j +: KEY_W]);
  endfunction

  function automatic logic [PAIR_BITS-1:0] pair_hash(input logic [255:0] x);
    for (int j = 0; j < PAIR_BITS; j++) pair_hash[j] = ^(x & picket_regs_pkg::H3_FLOW_PAIR[256 * j +: 256]);
  endfunction

  // --- Cycle 0: the key, its set and address pair ----------------------------------------------

  wire src_lo = {in_src, in_src_port} < {in_dst, in_dst_port};
  wire [KEY_W-1:0] key = {in_vlan1, in_vlan0, in_vlan_count, in_ip_proto,
                          src_lo ? in_dst_port : in_src_port, src_lo ? in_src_port : in_dst_port,
                          src_lo ? in_dst : in_src, src_lo ? in_src : in_dst};
  wire addr_lo = in_src < in_dst;
  wire [255:0] pair = addr_lo ? {in_dst, in_src} : {in_src, in_dst};

  logic s1_valid, s1_keyed, s1_unkeyed, s1_src_lo, s1_syn_only, s1_syn_ack, s1_tcp, s1_self;
  logic s1_syn, s1_rst, s1_http_start;
  logic [31:0] s1_seq;
  logic [15:0] s1_payload_length;
  logic [KEY_W-1:0] s1_key;
  logic [SET_BITS-1:0] s1_set;
  logic [PAIR_BITS-1:0] s1_pair;
  logic [63:0] s1_now, clock_hi, clock_lo;
  logic [SET_W-1:0] s1_read;

  always_ff @(posedge clk) begin
    s1_valid <= in_valid && !rst;
    s1_keyed <= in_keyed;
    s1_unkeyed <= in_unkeyed;
    s1_key <= key;
    s1_set <= flow_hash(key);
    s1_pair <= pair_hash(pair);
    s1_src_lo <= src_lo;
    s1_tcp <= in_ip_proto == picket_pkg::IP_PROTO_TCP;
    s1_syn_only <= (in_tcp_flags & (SYN | ACK)) == SYN;
    s1_syn_ack <= (in_tcp_flags & (SYN | ACK)) == (SYN | ACK);
    s1_syn <= (in_tcp_flags & SYN) != 8'd0;
    s1_rst <= (in_tcp_flags & RST) != 8'd0;
    s1_seq <= in_tcp_seq;
    s1_payload_length <= in_payload_length;
    s1_http_start <= in_http_start;
    s1_self <= in_src == in_dst && in_src_port == in_dst_port;
    s1_now <= in_now;
    s1_read <= sets[flow_hash(key)];
  end

  // --- Cycle 1: find the flow, or a way for it -------------------------------------------------

  // Whether sequence number a comes before b (modulo 2^32).
  function automatic logic seq_before(input logic [31:0] a, input logic [31:0] b);
    seq_before = $signed(a - b) < 0;
  endfunction

  // The entry `x` after this frame's TCP segment: its side's stream start, and the HTTP mark
  // (above).
  function automatic logic [ENTRY_W-1:0] with_segment(input logic [ENTRY_W-1:0] x, input logic lo,
                                                      input logic syn, input logic reset, input logic [31:0] seq,
                                                      input logic [15:0] length, input logic http_start);
    logic [SIDE_W-1:0] side;
    logic data;
    with_segment = x;
    side = x[E_SIDE + (lo ? 0 : SIDE_W) +: SIDE_W];
    data = length != 16'd0 && !reset;
    if (syn) begin
      // A SYN opens its side's stream, unless data began it already; its data (TCP Fast Open)
      // is the stream's first bytes.
      if (!side[S_SEEN]) begin
        side[S_START +: 32] = seq + 32'd1;
        side[S_KNOWN] = 1'b1;
      end
      if (data && http_start) with_segment[E_HTTP] = 1'b1;
    end else if (data && !side[S_SEEN]) begin
      if (!side[S_KNOWN] || seq == side[S_START +: 32]) begin
        if (http_start) with_segment[E_HTTP] = 1'b1;
        side[S_SEEN] = 1'b1;
      end else if (seq_before(seq, side[S_START +: 32]) && seq_before(side[S_START +: 32], seq + 32'(length))) begin
        with_segment[E_HTTP] = 1'b1;  // its stream begins inside it: not classified, so marked
        side[S_SEEN] = 1'b1;
      end
    end
    with_segment[E_SIDE + (lo ? 0 : SIDE_W) +: SIDE_W] = side;
  endfunction

  logic wb_valid;
  logic [SET_BITS-1:0] wb_set;
  logic [SET_W-1:0] wb_word;

  // The clocks with this frame's time.
  wire [63:0] now_hi = s1_now > clock_hi ? s1_now : clock_hi;
  wire [63:0] now_lo = s1_keyed && s1_now > clock_lo ? s1_now : clock_lo;

  logic [SET_W-1:0] word, next_word;
  logic [ENTRY_W-1:0] e, fresh;
  logic [63:0] last, idle_hi, idle_lo;
  logic found, free_found, marked, trusted, write_set, learned;
  logic [$clog2(WAYS)-1:0] found_way, free_way;
  logic [1:0] state;
  logic to_server, proven, no_http;

  always_comb begin
    word = wb_valid && wb_set == s1_set ? wb_word : s1_read;
    marked = pairs[s1_pair];
    found = 1'b0;
    free_found = 1'b0;
    found_way = '0;
    free_way = '0;
    for (int w = WAYS - 1; w >= 0; w--) begin
      e = word[ENTRY_W * w +: ENTRY_W];
      last = e[E_LAST +: 64];
      idle_lo = now_lo > last ? now_lo - last : 64'd0;
      if (e[E_VALID] && idle_lo <= max_idle && e[E_KEY +: KEY_W] == s1_key) begin
        found = 1'b1;
        found_way = $clog2(WAYS)'(w);
      end
      // Free: empty, or idle past the host's longest timeout.
      if (!e[E_VALID] || idle_lo > max_idle) begin
        free_found = 1'b1;
        free_way = $clog2(WAYS)'(w);
      end
    end
    // The flow's own ended entry first, so that a key is never held twice.
    for (int w = WAYS - 1; w >= 0; w--) begin
      e = word[ENTRY_W * w +: ENTRY_W];
      if (e[E_VALID] && e[E_KEY +: KEY_W] == s1_key) free_way = $clog2(WAYS)'(w);
    end

    next_word = word;
    write_set = 1'b0;
    learned = 1'b0;
    state = 2'(picket_regs_pkg::FLOW_STATE_NONE);
    to_server = 1'b0;
    proven = 1'b0;
    no_http = 1'b0;
    trusted = 1'b0;
    e = word[ENTRY_W * found_way +: ENTRY_W];
    last = e[E_LAST +: 64];
    idle_hi = now_hi > last ? now_hi - last : 64'd0;
    idle_lo = 64'd0;
    fresh = '0;
    if (s1_keyed && !flushing) begin
      write_set = 1'b1;
      if (found) begin
        trusted = e[E_TRUSTED] && idle_hi <= min_idle;
        to_server = s1_src_lo == e[E_CLIENT_LO];
        proven = e[E_PROVEN];
        fresh = e;
        fresh[E_TRUSTED] = trusted;
        if (s1_now > last) fresh[E_LAST +: 64] = s1_now;
        if (idle_hi > min_idle) begin
          fresh[E_SIDE + S_KNOWN] = 1'b0;
          fresh[E_SIDE + S_SEEN] = 1'b0;
          fresh[E_SIDE + SIDE_W + S_KNOWN] = 1'b0;
          fresh[E_SIDE + SIDE_W + S_SEEN] = 1'b0;
        end
        if (s1_tcp) fresh = with_segment(fresh, s1_src_lo, s1_syn, s1_rst, s1_seq, s1_payload_length, s1_http_start);
        no_http = !marked && !fresh[E_HTTP];
        next_word[ENTRY_W * found_way +: ENTRY_W] = fresh;
        state = 2'(trusted && !marked ? picket_regs_pkg::FLOW_STATE_KNOWN : picket_regs_pkg::FLOW_STATE_UNTRUSTED);
      end else if (free_found) begin
        // The first packet: its sender is the client, or its receiver for a SYN/ACK.
        trusted = !word[LOST] && !s1_self;
        to_server = !s1_syn_ack;
        proven = s1_tcp && s1_syn_only;
        fresh[E_VALID] = 1'b1;
        fresh[E_KEY +: KEY_W] = s1_key;
        fresh[E_CLIENT_LO] = s1_syn_ack ? !s1_src_lo : s1_src_lo;
        fresh[E_PROVEN] = proven;
        fresh[E_TRUSTED] = trusted;
        fresh[E_LAST +: 64] = s1_now;
        if (s1_tcp) fresh = with_segment(fresh, s1_src_lo, s1_syn, s1_rst, s1_seq, s1_payload_length, s1_http_start);
        no_http = !word[LOST] && !marked && !fresh[E_HTTP];
        next_word[ENTRY_W * free_way +: ENTRY_W] = fresh;
        learned = 1'b1;
        state = 2'(trusted && !marked ? picket_regs_pkg::FLOW_STATE_KNOWN : picket_regs_pkg::FLOW_STATE_UNTRUSTED);
      end else begin
        next_word[LOST] = 1'b1;
        state = 2'(picket_regs_pkg::FLOW_STATE_FULL);
      end
    end else if (s1_keyed) begin
      state = 2'(picket_regs_pkg::FLOW_STATE_UNTRUSTED);
    end
  end

  // --- Writes: the set back, the pair bitmap, the flush sweep ----------------------------------

  // One write port: the sweep's, or the frame's (a frame writes nothing while flushing).
  logic [SET_BITS-1:0] sweep;
  wire mem_write = flushing || (s1_valid && write_set);
  wire [SET_BITS-1:0] mem_addr = flushing ? sweep : s1_set;
  wire [SET_W-1:0] mem_data = flushing ? '0 : next_word;
  always_ff @(posedge clk) begin
    if (mem_write) sets[mem_addr] <= mem_data;
  end

  always_ff @(posedge clk) begin
    if (s1_valid) begin
      clock_hi <= now_hi;
      clock_lo <= now_lo;
    end
    if (host_clock_valid && host_clock > (s1_valid ? now_hi : clock_hi)) clock_hi <= host_clock;
    if (host_mark) pairs[host_mark_pair] <= 1'b1;
    wb_valid <= s1_valid && write_set;
    wb_set <= s1_set;
    wb_word <= next_word;
    if (s1_valid && (s1_unkeyed || (s1_keyed && flushing))) pairs[s1_pair] <= 1'b1;
    if (flushing) begin
      sweep <= sweep + 1'b1;
      if (&sweep) flushing <= 1'b0;
    end
    if (rst) begin
      clock_hi <= 64'd0;
      clock_lo <= 64'd0;
    end
    if (flush || rst) begin
      flushing <= 1'b1;
      sweep <= '0;
      pairs <= '0;
      wb_valid <= 1'b0;
    end
  end

  always_ff @(posedge clk) begin
    out_valid <= s1_valid && !rst;
    out_state <= s1_valid ? state : 2'(picket_regs_pkg::FLOW_STATE_NONE);
    out_to_server <= to_server;
    out_client_proven <= proven;
    out_no_http <= s1_valid && no_http;
    out_learned <= s1_valid && learned;
  end

endmodule

`resetall
