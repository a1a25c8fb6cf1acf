// Rule check: the conditions each literal hit's DESCRIPTOR names, checked against the frame's
// headers, all hits at once.
//
// A hit counts when its literal lies inside the payload, starts within [start_lo, start_hi]
// of it, and the protocol and ports fit (ports only where the packet has them, as
// host/engine/signature_set.cc's header check). A descriptor marked final is its rule's every
// condition: the hit is the rule's match. Otherwise the host checks the rest of the rule.
//
// Host-only rules: out_host_rules says some may apply to the frame by its class and ports;
// out_host_http_rules the same of those that need an HTTP flow (HOST_PORTS class 2), which
// the kernel heeds only for a flow that may carry HTTP.
//
//   cycle 0: in_*, each hit's descriptor read from its lane's copy, the ports' HOST_PORTS words
//   cycle 1: every check at once  ->  cycle 2: out_*

`resetall
`timescale 1ns / 1ps
`default_nettype none

module rule_check (
  input  wire                    clk,
  input  wire                    rst,

  input  wire                    in_valid,
  input  wire                    in_bank,
  input  wire [FRAME_HITS-1:0]   in_hit_valid,
  input  wire [FRAME_HITS*16-1:0] in_hit_literal,
  input  wire [FRAME_HITS*16-1:0] in_hit_start,
  input  wire [FRAME_HITS*4-1:0] in_hit_length,
  input  wire [15:0]             in_payload_offset,
  input  wire [15:0]             in_payload_length,
  input  wire [7:0]              in_ip_proto,
  input  wire                    in_has_ports,
  input  wire                    in_fragment,  // an IP fragment: no ports, so no rule that names them
  input  wire [15:0]             in_src_port,
  input  wire [15:0]             in_dst_port,
  input  wire [3:0]              host_always,  // CONTROL.HOST_ALWAYS
  input  wire [3:0]              host_ported,  // CONTROL.HOST_PORTED
  input  wire [1:0]              host_http,    // CONTROL.HOST_HTTP

  input  wire                    tw_valid,
  input  wire [7:0]              tw_table,
  input  wire                    tw_bank,
  /* verilator lint_off UNUSEDSIGNAL */  // the shared table-write bus is wider than this module's tables
  input  wire [15:0]             tw_index,
  input  wire [255:0]            tw_data,
  /* verilator lint_on UNUSEDSIGNAL */

  output logic                   out_valid,
  output logic [FRAME_HITS-1:0]  out_hit_valid,
  output logic [FRAME_HITS-1:0]  out_hit_final,
  output logic [FRAME_HITS-1:0]  out_hit_drop,
  output logic                   out_host_rules,  // some host-only rule may apply: the host must look
  output logic                   out_host_http_rules  // ... of those that need an HTTP flow
);

  localparam int FRAME_HITS = picket_regs_pkg::FRAME_HITS;
  localparam int DEPTH = picket_regs_pkg::TBL_DESCRIPTOR_DEPTH;
  localparam int D_W = picket_regs_pkg::TBL_DESCRIPTOR_W;

  localparam int PORT_WORDS = picket_regs_pkg::TBL_HOST_PORTS_DEPTH;

  wire desc_we = tw_valid && 32'(tw_table) == picket_regs_pkg::TBL_DESCRIPTOR;
  wire ports_we = tw_valid && 32'(tw_table) == picket_regs_pkg::TBL_HOST_PORTS;

  // --- Cycle 0: the reads -------------------------------------------------------------------

  // Packet class: tcp 0, udp 1, icmp 2, other 3.
  wire [1:0] cls = in_ip_proto == picket_pkg::IP_PROTO_TCP ? 2'd0 : in_ip_proto == picket_pkg::IP_PROTO_UDP ? 2'd1 :
                   (in_ip_proto == picket_pkg::IP_PROTO_ICMP || in_ip_proto == picket_pkg::IP_PROTO_ICMPV6) ? 2'd2 : 2'd3;

  logic [FRAME_HITS*D_W-1:0] desc;
  for (genvar i = 0; i < FRAME_HITS; i++) begin : lane
    table_ram #(.W(D_W), .DEPTH_LOG2($clog2(DEPTH) + 1)) descriptors (
      .clk, .we(desc_we), .waddr({tw_bank, tw_index[$clog2(DEPTH)-1:0]}), .wdata(tw_data[D_W-1:0]),
      .raddr({in_bank, in_hit_literal[16 * i +: $clog2(DEPTH)]}), .rdata(desc[D_W * i +: D_W]));
  end

  // HOST_PORTS words: | class 2 | side 1 | port / 32 11 |, one copy per read.
  localparam int PW = $clog2(PORT_WORDS);
  logic [31:0] dst_word, src_word, http_dst_word, http_src_word;
  table_ram #(.W(32), .DEPTH_LOG2(PW + 1)) host_ports_dst (
    .clk, .we(ports_we), .waddr({tw_bank, tw_index[PW-1:0]}), .wdata(tw_data[31:0]),
    .raddr({in_bank, 1'b0, cls[0], 1'b0, in_dst_port[15:5]}), .rdata(dst_word));
  table_ram #(.W(32), .DEPTH_LOG2(PW + 1)) host_ports_src (
    .clk, .we(ports_we), .waddr({tw_bank, tw_index[PW-1:0]}), .wdata(tw_data[31:0]),
    .raddr({in_bank, 1'b0, cls[0], 1'b1, in_src_port[15:5]}), .rdata(src_word));
  table_ram #(.W(32), .DEPTH_LOG2(PW + 1)) host_ports_http_dst (
    .clk, .we(ports_we), .waddr({tw_bank, tw_index[PW-1:0]}), .wdata(tw_data[31:0]),
    .raddr({in_bank, 2'd2, 1'b0, in_dst_port[15:5]}), .rdata(http_dst_word));
  table_ram #(.W(32), .DEPTH_LOG2(PW + 1)) host_ports_http_src (
    .clk, .we(ports_we), .waddr({tw_bank, tw_index[PW-1:0]}), .wdata(tw_data[31:0]),
    .raddr({in_bank, 2'd2, 1'b1, in_src_port[15:5]}), .rdata(http_src_word));

  logic s1_valid, s1_has_ports, s1_fragment;
  logic [1:0] s1_cls;
  logic [FRAME_HITS-1:0] s1_hit_valid;
  logic [FRAME_HITS*16-1:0] s1_hit_literal, s1_hit_start;
  logic [FRAME_HITS*4-1:0] s1_hit_length;
  logic [15:0] s1_payload_offset, s1_payload_length, s1_src_port, s1_dst_port;
  logic [7:0] s1_ip_proto;
  always_ff @(posedge clk) begin
    s1_valid <= in_valid && !rst;
    s1_cls <= cls;
    s1_hit_valid <= in_hit_valid;
    s1_hit_literal <= in_hit_literal;
    s1_hit_start <= in_hit_start;
    s1_hit_length <= in_hit_length;
    s1_payload_offset <= in_payload_offset;
    s1_payload_length <= in_payload_length;
    s1_ip_proto <= in_ip_proto;
    s1_has_ports <= in_has_ports;
    s1_fragment <= in_fragment;
    s1_src_port <= in_src_port;
    s1_dst_port <= in_dst_port;
  end

  // --- Cycle 1: the checks ------------------------------------------------------------------

  // Host-only rules: by packet class, those that apply to every packet of the class, and those
  // filed by the ports they name.
  logic host_rules, host_http_rules;
  always_comb begin
    host_rules = host_always[s1_cls];
    if (host_ported[s1_cls]) begin
      // Without ports (fragments) no port-filed rule applies.
      if (s1_has_ports && (dst_word[s1_dst_port[4:0]] || src_word[s1_src_port[4:0]])) host_rules = 1'b1;
    end
    // HTTP is over TCP, with its ports (a fragment's datagram is the host's to judge).
    host_http_rules = s1_cls == 2'd0 && s1_has_ports &&
                      (host_http[0] || (host_http[1] && (http_dst_word[s1_dst_port[4:0]] || http_src_word[s1_src_port[4:0]])));
  end

  function automatic logic field_range(input logic [15:0] v, input logic [15:0] lo, input logic [15:0] hi);
    field_range = v >= lo && v <= hi;
  endfunction

  logic [FRAME_HITS-1:0] pass, final_, drop;
  logic [D_W-1:0] d;
  logic [15:0] literal;
  logic [16:0] start, rel, end_rel;
  logic [1:0] proto;
  always_comb begin
    for (int i = 0; i < FRAME_HITS; i++) begin
      literal = s1_hit_literal[16 * i +: 16];
      d = desc[D_W * i +: D_W];
      start = {1'b0, s1_hit_start[16 * i +: 16]};
      rel = start - {1'b0, s1_payload_offset};
      end_rel = rel + 17'(s1_hit_length[4 * i +: 4]);
      proto = d[picket_regs_pkg::DESCRIPTOR_PROTO_LSB +: 2];
      // A run literal (never final) is reported where its run begins, which may be in the
      // headers while the run goes on into the payload: any hit that begins before the
      // payload's end may be one there.
      pass[i] = s1_hit_valid[i] && d[picket_regs_pkg::DESCRIPTOR_VALID_LSB] && 32'(literal) < DEPTH &&
                (d[picket_regs_pkg::DESCRIPTOR_RUN_LSB]
                   ? start < {1'b0, s1_payload_offset} + {1'b0, s1_payload_length}
                   : start >= {1'b0, s1_payload_offset} && end_rel <= {1'b0, s1_payload_length} &&
                     field_range(rel[15:0], d[picket_regs_pkg::DESCRIPTOR_START_LO_LSB +: 16],
                                 d[picket_regs_pkg::DESCRIPTOR_START_HI_LSB +: 16]));
      if (!picket_pkg::admits(proto, s1_ip_proto, s1_has_ports, s1_fragment, s1_src_port, s1_dst_port,
                              d[picket_regs_pkg::DESCRIPTOR_SRC_PORT_LO_LSB +: 16],
                              d[picket_regs_pkg::DESCRIPTOR_SRC_PORT_HI_LSB +: 16],
                              d[picket_regs_pkg::DESCRIPTOR_DST_PORT_LO_LSB +: 16],
                              d[picket_regs_pkg::DESCRIPTOR_DST_PORT_HI_LSB +: 16]))
        pass[i] = 1'b0;
      final_[i] = d[picket_regs_pkg::DESCRIPTOR_FINAL_LSB];
      drop[i] = d[picket_regs_pkg::DESCRIPTOR_DROP_LSB];
    end
  end

  always_ff @(posedge clk) begin
    out_valid <= s1_valid && !rst;
    out_hit_valid <= pass;
    out_hit_final <= final_;
    out_hit_drop <= drop;
    out_host_rules <= host_rules;
    out_host_http_rules <= host_http_rules;
  end

endmodule

`resetall
