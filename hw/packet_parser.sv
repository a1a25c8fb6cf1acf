// Packet parser: watches an AXI4-Stream of Ethernet frames and, for each frame, produces its
// decoded header fields, as host/packet/decoder.cc decodes them.
//
// Input beats: beat k carries frame bytes [k*BEAT_BYTES, (k+1)*BEAT_BYTES); byte i of a beat
// is tdata[8*i +: 8]; tkeep marks the valid bytes, contiguous from byte 0. The parser keeps
// each frame's first HDR_BYTES bytes, never back-pressures, and does not forward the frame:
// the pipeline carries the frame beside it.
//
//   | dst 6 | src 6 | (TPID 2 | TCI 2) x 0..2 | type 2 | IPv4 (20..60) or IPv6 (40) | TCP/UDP/ICMP | payload
//
// Output: m_meta_valid pulses for one cycle two cycles after a frame's last beat, with the
// fields below. m_meta_malformed uses the host decoder's codes (picket_pkg::malformed_t).
// (Package members are named in full: Yosys 0.23 does not take `import`.)
// m_meta_host_decode is set for frames the hardware does not decode itself (IPv6 extension
// headers): the host decodes those.
//
// m_meta_http_start says the payload may begin an HTTP message, as the host's HTTP parser
// takes one (host/applayer/http/http_message.cc): its first byte is a letter, and its first
// line (up to the first LF) holds "HTTP/" (a status line, or a request line's version; any
// case), or starts "GET" and a space or tab (HTTP/0.9), or does not end within the kept bytes
// (more may make it one). A superset of what the host parses: the flow table marks a flow that
// may carry HTTP from it (hw/flow_table.sv).

`resetall
`timescale 1ns / 1ps
`default_nettype none

module packet_parser #(
  parameter int DATA_W = 512,   // AXI4-Stream data width in bits, a multiple of 64
  parameter int HDR_BYTES = 192 // bytes kept per frame; the deepest parsed header ends at 142
) (
  input  wire                  clk,
  input  wire                  rst,

  input  wire [DATA_W-1:0]     s_axis_tdata,
  input  wire [DATA_W/8-1:0]   s_axis_tkeep,
  input  wire                  s_axis_tvalid,
  output wire                  s_axis_tready,
  input  wire                  s_axis_tlast,

  output logic                 m_meta_valid,
  output logic [4:0]           m_meta_malformed,
  output logic                 m_meta_host_decode,
  output logic [1:0]           m_meta_l3,
  output logic [127:0]         m_meta_src,        // IPv4 addresses IPv4-mapped (::ffff:a.b.c.d)
  output logic [127:0]         m_meta_dst,
  output logic [7:0]           m_meta_ip_proto,
  output logic                 m_meta_fragment,
  output logic                 m_meta_has_l4,
  output logic [15:0]          m_meta_src_port,
  output logic [15:0]          m_meta_dst_port,
  output logic [7:0]           m_meta_tcp_flags,
  output logic [31:0]          m_meta_tcp_seq,
  output logic                 m_meta_http_start,
  output logic [picket_regs_pkg::ANCHORED_HEAD*8-1:0] m_meta_payload_head,  // the payload's first bytes (past its end: any)
  output logic [7:0]           m_meta_icmp_type,
  output logic [7:0]           m_meta_icmp_code,
  output logic [15:0]          m_meta_payload_offset,
  output logic [15:0]          m_meta_payload_length,
  output logic [1:0]           m_meta_vlan_count,
  output logic [11:0]          m_meta_vlan0,
  output logic [11:0]          m_meta_vlan1,
  output logic [15:0]          m_meta_frame_length
);

  localparam int BEAT_BYTES = DATA_W / 8;
  localparam int HEAD = picket_regs_pkg::ANCHORED_HEAD;
  localparam int HDR_BEATS = (HDR_BYTES + BEAT_BYTES - 1) / BEAT_BYTES;

  initial begin
    if (DATA_W % 64 != 0) $fatal(1, "DATA_W must be a multiple of 64");
    if (HDR_BYTES < 142) $fatal(1, "HDR_BYTES must hold the deepest header (142 bytes)");
  end

  assign s_axis_tready = 1'b1;

  // --- Keeping the first HDR_BYTES bytes of each frame ------------------------------------------

  logic [HDR_BYTES*8-1:0] hdr_q, hdr_next, frame_q;
  logic [15:0] len_q, frame_len_q;
  logic [7:0] beat_q;  // beat index within the frame, saturating
  logic frame_done_q;

  always_comb begin
    hdr_next = hdr_q;
    for (int b = 0; b < HDR_BEATS; b++) begin
      if (beat_q == 8'(b)) begin
        for (int i = 0; i < BEAT_BYTES; i++) begin
          if (b * BEAT_BYTES + i < HDR_BYTES) hdr_next[8 * (b * BEAT_BYTES + i) +: 8] = s_axis_tdata[8 * i +: 8];
        end
      end
    end
  end

  wire beat_in = s_axis_tvalid && s_axis_tready;
  wire [15:0] beat_len = 16'($countones(s_axis_tkeep));

  always_ff @(posedge clk) begin
    frame_done_q <= 1'b0;
    if (beat_in) begin
      hdr_q <= hdr_next;
      if (s_axis_tlast) begin
        frame_q <= hdr_next;
        frame_len_q <= len_q + beat_len;
        frame_done_q <= 1'b1;
        len_q <= '0;
        beat_q <= '0;
      end else begin
        len_q <= len_q + beat_len;
        if (beat_q != 8'hff) beat_q <= beat_q + 8'd1;
      end
    end
    if (rst) begin
      len_q <= '0;
      beat_q <= '0;
      frame_done_q <= 1'b0;
    end
  end

  // --- Decoding the kept bytes --------------------------------------------------------------------
  //
  // Headers start at a few offsets only: the network header at 14, 18 or 22 (no, one or two
  // VLAN tags), the transport header 20 to 60 bytes (IPv4) or 40 bytes (IPv6) after it, a
  // multiple of 4 from 34 to 82. A WIN-byte window is selected at each, so every field is then
  // read at a fixed position; only option lists are walked.
  // (Functions assign their name: Yosys 0.23 does not take `return`, nor `import`.)

  localparam int WIN = 60;  // the longest header: IPv4 or TCP with 40 bytes of options

  function automatic logic [7:0] b8(input logic [WIN*8-1:0] w, input int i);
    b8 = w[8 * i +: 8];
  endfunction

  function automatic logic [15:0] b16(input logic [WIN*8-1:0] w, input int i);
    b16 = {w[8 * i +: 8], w[8 * (i + 1) +: 8]};
  endfunction

  // IPv4 and TCP options: kind 0 ends the list, 1 is one byte, the others carry a length of
  // at least 2 that must stay inside the n option bytes.
  function automatic logic options_ok(input logic [40*8-1:0] o, input logic [31:0] n);
    logic [31:0] i;
    logic [7:0] kind, length;
    logic ok, done;
    i = 0;
    ok = 1'b1;
    done = 1'b0;
    for (int k = 0; k < 40; k++) begin
      if (!done && i < n) begin
        kind = o[8 * i +: 8];
        if (kind == 8'd0) begin
          done = 1'b1;
        end else if (kind == 8'd1) begin
          i = i + 1;
        end else if (i + 1 >= n) begin
          ok = 1'b0;
          done = 1'b1;
        end else begin
          length = o[8 * (i + 1) +: 8];
          if (length < 8'd2 || i + 32'(length) > n) begin
            ok = 1'b0;
            done = 1'b1;
          end else begin
            i = i + 32'(length);
          end
        end
      end
    end
    options_ok = ok;
  endfunction


  picket_pkg::malformed_t mal;
  logic host_decode, fragment, has_l4;
  picket_pkg::l3_t l3;
  logic [127:0] src, dst;
  logic [7:0] proto, tcp_flags, icmp_type, icmp_code;
  logic [15:0] sport, dport;
  logic [31:0] tcp_seq;
  logic [31:0] payload_begin, payload_end;
  logic [1:0] nvlan;
  logic [11:0] vid0, vid1;

  logic [WIN*8-1:0] l3w, l4w;  // the network and transport header windows
  logic [31:0] len, l3_off, l4_off, l4_end, avail, ihl, total, seg, doff, ulen;
  logic [15:0] ethertype;
  logic [13:0] mf_offset;
  logic [7:0] ver_ihl;
  /* verilator lint_off UNUSEDSIGNAL */
  logic [7:0] offset_byte;  // | data offset 4 | reserved, NS 4 |: only the offset is read
  /* verilator lint_on UNUSEDSIGNAL */
  logic stop;

  always_comb begin
    len = 32'(frame_len_q);
    mal = picket_pkg::MALFORMED_NONE;
    host_decode = 1'b0;
    fragment = 1'b0;
    has_l4 = 1'b0;
    l3 = picket_pkg::L3_NONE;
    src = '0;
    dst = '0;
    proto = '0;
    tcp_flags = '0;
    tcp_seq = '0;
    icmp_type = '0;
    icmp_code = '0;
    sport = '0;
    dport = '0;
    payload_begin = 0;
    payload_end = 0;
    nvlan = '0;
    vid0 = '0;
    vid1 = '0;
    stop = 1'b0;
    avail = 0;
    ihl = 0;
    total = 0;
    seg = 0;
    doff = 0;
    ulen = 0;
    mf_offset = '0;
    ver_ihl = '0;
    offset_byte = '0;
    l4_end = 0;

    // Link layer: | dst 6 | src 6 | 8100 tci | 8100 tci | type |
    ethertype = {frame_q[8 * 12 +: 8], frame_q[8 * 13 +: 8]};
    l3_off = 14;
    if (len < 14) begin
      mal = picket_pkg::MALFORMED_LINK_TRUNCATED;
      stop = 1'b1;
    end else if (picket_pkg::is_vlan(ethertype)) begin
      if (len < 18) begin
        mal = picket_pkg::MALFORMED_VLAN_TRUNCATED;
        stop = 1'b1;
      end else begin
        nvlan = 2'd1;
        vid0 = {frame_q[8 * 14 +: 4], frame_q[8 * 15 +: 8]};
        ethertype = {frame_q[8 * 16 +: 8], frame_q[8 * 17 +: 8]};
        l3_off = 18;
        if (picket_pkg::is_vlan(ethertype)) begin
          if (len < 22) begin
            mal = picket_pkg::MALFORMED_VLAN_TRUNCATED;
            stop = 1'b1;
          end else begin
            nvlan = 2'd2;
            vid1 = {frame_q[8 * 18 +: 4], frame_q[8 * 19 +: 8]};
            ethertype = {frame_q[8 * 20 +: 8], frame_q[8 * 21 +: 8]};
            l3_off = 22;
            if (picket_pkg::is_vlan(ethertype)) begin
              mal = picket_pkg::MALFORMED_VLAN_TOO_MANY;
              stop = 1'b1;
            end
          end
        end
      end
    end
    l3w = l3_off == 14 ? frame_q[8 * 14 +: WIN * 8] : l3_off == 18 ? frame_q[8 * 18 +: WIN * 8] : frame_q[8 * 22 +: WIN * 8];
    avail = len - l3_off;
    l4_off = l3_off;

    // IPv4: | ver ihl | tos | total 2 | id 2 | flags offset 2 | ttl | proto | sum 2 | src 4 | dst 4 | options |
    if (!stop && ethertype == 16'h0800) begin
      ver_ihl = b8(l3w, 0);
      ihl = {26'd0, ver_ihl[3:0], 2'b00};
      total = 32'(b16(l3w, 2));
      if (avail < 1) mal = picket_pkg::MALFORMED_IPV4_TRUNCATED;
      else if (ver_ihl[7:4] != 4'd4) mal = picket_pkg::MALFORMED_IPV4_BAD_VERSION;
      else if (avail < 20) mal = picket_pkg::MALFORMED_IPV4_TRUNCATED;
      else if (ihl < 20) mal = picket_pkg::MALFORMED_IPV4_BAD_IHL;
      else if (avail < ihl) mal = picket_pkg::MALFORMED_IPV4_TRUNCATED;
      else if (total < ihl || total > avail) mal = picket_pkg::MALFORMED_IPV4_BAD_TOTAL_LENGTH;
      else if (!options_ok(l3w[8 * 20 +: 320], ihl - 20)) mal = picket_pkg::MALFORMED_IPV4_BAD_OPTION;
      if (mal != picket_pkg::MALFORMED_NONE) begin
        stop = 1'b1;
      end else begin
        l3 = picket_pkg::L3_IPV4;
        mf_offset = 14'(b16(l3w, 6));  // | reserved | DF | MF | offset / 8 (13) |
        fragment = mf_offset[13] || mf_offset[12:0] != 13'd0;
        proto = b8(l3w, 9);
        src = {80'd0, 16'hffff, b16(l3w, 12), b16(l3w, 14)};
        dst = {80'd0, 16'hffff, b16(l3w, 16), b16(l3w, 18)};
        l4_off = l3_off + ihl;
        l4_end = l3_off + total;
      end
    end

    // IPv6: | ver class flow 4 | payload length 2 | next | hops | src 16 | dst 16 |
    // Extension headers are left to the host.
    if (!stop && ethertype == 16'h86dd) begin
      ver_ihl = b8(l3w, 0);
      total = 40 + 32'(b16(l3w, 4));
      if (avail < 1) mal = picket_pkg::MALFORMED_IPV6_TRUNCATED;
      else if (ver_ihl[7:4] != 4'd6) mal = picket_pkg::MALFORMED_IPV6_BAD_VERSION;
      else if (avail < 40) mal = picket_pkg::MALFORMED_IPV6_TRUNCATED;
      else if (total > avail) mal = picket_pkg::MALFORMED_IPV6_BAD_PAYLOAD_LENGTH;
      if (mal != picket_pkg::MALFORMED_NONE) begin
        stop = 1'b1;
      end else begin
        l3 = picket_pkg::L3_IPV6;
        proto = b8(l3w, 6);
        for (int k = 0; k < 16; k++) begin
          src[8 * (15 - k) +: 8] = b8(l3w, 8 + k);
          dst[8 * (15 - k) +: 8] = b8(l3w, 24 + k);
        end
        l4_off = l3_off + 40;
        l4_end = l3_off + total;
        if (proto == 8'd0 || proto == 8'd43 || proto == 8'd44 || proto == 8'd51 || proto == 8'd60) begin
          host_decode = 1'b1;
          stop = 1'b1;
        end
      end
    end

    l4w = '0;
    for (int k = 34; k <= 82; k += 4) begin
      if (l4_off == 32'(k)) l4w = frame_q[8 * k +: WIN * 8];
    end

    // Transport: TCP | sport | dport | seq 4 | ack 4 | offset | flags | ... | options |,
    // UDP | sport | dport | length | sum |, ICMP | type | code | sum | rest 4 |
    if (!stop && l3 != picket_pkg::L3_NONE) begin
      seg = l4_end - l4_off;
      payload_begin = l4_off;
      payload_end = l4_end;
      if (!fragment) begin
        if (proto == picket_pkg::IP_PROTO_TCP) begin
          offset_byte = b8(l4w, 12);
          doff = {26'd0, offset_byte[7:4], 2'b00};
          if (seg < 20) mal = picket_pkg::MALFORMED_TCP_TRUNCATED;
          else if (doff < 20 || doff > seg) mal = picket_pkg::MALFORMED_TCP_BAD_OFFSET;
          else if (!options_ok(l4w[8 * 20 +: 320], doff - 20)) mal = picket_pkg::MALFORMED_TCP_BAD_OPTION;
          else begin
            has_l4 = 1'b1;
            sport = b16(l4w, 0);
            dport = b16(l4w, 2);
            tcp_flags = b8(l4w, 13);
            tcp_seq = {b16(l4w, 4), b16(l4w, 6)};
            payload_begin = l4_off + doff;
          end
        end else if (proto == picket_pkg::IP_PROTO_UDP) begin
          ulen = 32'(b16(l4w, 4));
          if (seg < 8) mal = picket_pkg::MALFORMED_UDP_TRUNCATED;
          else if (ulen < 8 || ulen > seg) mal = picket_pkg::MALFORMED_UDP_BAD_LENGTH;
          else begin
            has_l4 = 1'b1;
            sport = b16(l4w, 0);
            dport = b16(l4w, 2);
            payload_begin = l4_off + 8;
            payload_end = l4_off + ulen;
          end
        end else if (proto == picket_pkg::IP_PROTO_ICMP || proto == picket_pkg::IP_PROTO_ICMPV6) begin
          if (seg < 8) mal = picket_pkg::MALFORMED_ICMP_TRUNCATED;
          else begin
            has_l4 = 1'b1;
            icmp_type = b8(l4w, 0);
            icmp_code = b8(l4w, 1);
            payload_begin = l4_off + 8;
          end
        end
      end
    end
  end

  // --- Whether the payload may begin an HTTP message (above) ----------------------------------

  logic [HDR_BYTES-1:0] lf, slash;  // an LF at q; "HTTP/" (any case) begins at q
  logic http_start, seen_lf, line_slash, letter, get_sp;
  logic [7:0] first;
  logic [31:0] kept_end;  // the payload's bytes that were kept end here
  logic [HEAD*8-1:0] head;

  always_comb begin
    kept_end = payload_end < 32'(HDR_BYTES) ? payload_end : 32'(HDR_BYTES);
    for (int q = 0; q < HDR_BYTES; q++) begin
      lf[q] = frame_q[8 * q +: 8] == 8'h0a;
      slash[q] = 1'b0;
      if (q + 5 <= HDR_BYTES) begin
        slash[q] = picket_pkg::fold(frame_q[8 * q +: 8]) == "h" &&
                   picket_pkg::fold(frame_q[8 * (q + 1) +: 8]) == "t" &&
                   picket_pkg::fold(frame_q[8 * (q + 2) +: 8]) == "t" &&
                   picket_pkg::fold(frame_q[8 * (q + 3) +: 8]) == "p" &&
                   frame_q[8 * (q + 4) +: 8] == "/";
      end
    end
    // The first line, walked from the payload's first byte: "HTTP/" wholly inside it, and
    // whether it ends (an LF) among the kept bytes.
    seen_lf = 1'b0;
    line_slash = 1'b0;
    for (int q = 0; q < HDR_BYTES; q++) begin
      if (32'(q) >= payload_begin && 32'(q) < kept_end) begin
        if (slash[q] && !seen_lf && 32'(q) + 5 <= kept_end) line_slash = 1'b1;
        if (lf[q]) seen_lf = 1'b1;
      end
    end
    first = payload_begin < 32'(HDR_BYTES) ? frame_q[8 * payload_begin[7:0] +: 8] : 8'd0;
    letter = (first >= "A" && first <= "Z") || (first >= "a" && first <= "z");
    get_sp = payload_begin + 4 <= kept_end && picket_pkg::fold(first) == "g" &&
             picket_pkg::fold(frame_q[8 * (payload_begin[7:0] + 8'd1) +: 8]) == "e" &&
             picket_pkg::fold(frame_q[8 * (payload_begin[7:0] + 8'd2) +: 8]) == "t" &&
             (frame_q[8 * (payload_begin[7:0] + 8'd3) +: 8] == " " || frame_q[8 * (payload_begin[7:0] + 8'd3) +: 8] == 8'h09);
    http_start = has_l4 && proto == picket_pkg::IP_PROTO_TCP && payload_end > payload_begin &&
                 payload_begin < 32'(HDR_BYTES) && letter && (get_sp || line_slash || !seen_lf);
    // The payload's first bytes, for the anchored literals (hw/anchored_match.sv). Its start
    // is one of few places (the deepest header ends at 142); bytes past the kept ones are 0.
    head = '0;
    for (int k = 0; k + HEAD <= HDR_BYTES; k++) begin
      if (payload_begin == 32'(k)) head = frame_q[8 * k +: HEAD * 8];
    end
  end

  always_ff @(posedge clk) begin
    m_meta_valid <= frame_done_q;
    if (frame_done_q) begin
      m_meta_malformed <= mal;
      m_meta_host_decode <= host_decode;
      m_meta_l3 <= l3;
      m_meta_src <= src;
      m_meta_dst <= dst;
      m_meta_ip_proto <= proto;
      m_meta_fragment <= fragment;
      m_meta_has_l4 <= has_l4;
      m_meta_src_port <= sport;
      m_meta_dst_port <= dport;
      m_meta_tcp_flags <= tcp_flags;
      m_meta_tcp_seq <= tcp_seq;
      m_meta_http_start <= http_start;
      m_meta_payload_head <= head;
      m_meta_icmp_type <= icmp_type;
      m_meta_icmp_code <= icmp_code;
      m_meta_payload_offset <= 16'(payload_begin);
      m_meta_payload_length <= payload_end > payload_begin ? 16'(payload_end - payload_begin) : 16'd0;
      m_meta_vlan_count <= nvlan;
      m_meta_vlan0 <= vid0;
      m_meta_vlan1 <= vid1;
      m_meta_frame_length <= frame_len_q;
    end
    if (rst) m_meta_valid <= 1'b0;
  end

endmodule

`resetall
