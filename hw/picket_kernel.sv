// Picket's data plane, in the shape of a Vitis RTL kernel.
//
//   s_axis (frames, tuser = packet time) ──┬─► packet_parser ──► meta ─┐
//                                          ├─► literal_prefilter ─► hits ─┤
//                                          └─► beat FIFO ──────────┐      ▼
//                                                                  │  identity_lookup, rule_check
//                                                                  │      ▼
//                                                                  │  policy_lookup ─► verdict ─► result FIFO
//                                                                  ▼                                 │
//                               m_axis (frames, tuser = result record) ◄─────────────────────────────┘
//
// A frame is judged under the table bank CONTROL.ACTIVE_BANK names when its first beat is
// taken, and at the time its tuser carries (CONTROL.PACKET_TIME) or else TIME. Its beats wait
// in the FIFO for its result, then leave with the result on tuser (hw/register_map.json,
// "result"); dropped frames leave marked, or not at all with CONTROL.DROP_INLINE.
// The input takes a beat every cycle while the output keeps up; it stalls only when the FIFO
// (2^FIFO_LOG2 beats) is full.
//
// Frame path, cycles after the parser's meta (T, two cycles after the frame's last beat):
//   T: identity_lookup and flow_table start   T+1: the prefilter's hits -> rule_check
//   T+2: ids -> policy_lookup; the flow       T+3: hits checked
//   T+4: both-way policy and the flow's direction -> verdict
//   T+5: result pushed, counters counted (a cycle later for the per-rule counters, a block RAM)
//
// Policy is judged in the flow's direction when flow_table knows it (FLOW_STATE_KNOWN), as the
// host judges it (host/pipeline/software_engine.cc, policy_stage): client -> server for the
// client's packets, the reverse for the server's, and for those also their own direction while
// no SYN proved the client. Otherwise a frame both directions judge alike is decided here, and
// one they judge differently goes to the host.

`resetall
`timescale 1ns / 1ps
`default_nettype none

module picket_kernel #(
  parameter int DATA_W = 512,
  parameter int FIFO_LOG2 = 9,
  parameter int AXIL_ADDR_W = 12
) (
  input  wire                     ap_clk,
  input  wire                     ap_rst_n,

  input  wire [DATA_W-1:0]        s_axis_tdata,
  input  wire [DATA_W/8-1:0]      s_axis_tkeep,
  input  wire                     s_axis_tlast,
  input  wire [63:0]              s_axis_tuser,
  input  wire                     s_axis_tvalid,
  output wire                     s_axis_tready,

  output wire [DATA_W-1:0]        m_axis_tdata,
  output wire [DATA_W/8-1:0]      m_axis_tkeep,
  output wire                     m_axis_tlast,
  output wire [RES_W-1:0]         m_axis_tuser,
  output wire                     m_axis_tvalid,
  input  wire                     m_axis_tready,

  input  wire [AXIL_ADDR_W-1:0]   s_axi_control_awaddr,
  input  wire                     s_axi_control_awvalid,
  output wire                     s_axi_control_awready,
  input  wire [31:0]              s_axi_control_wdata,
  input  wire [3:0]               s_axi_control_wstrb,
  input  wire                     s_axi_control_wvalid,
  output wire                     s_axi_control_wready,
  output wire [1:0]               s_axi_control_bresp,
  output wire                     s_axi_control_bvalid,
  input  wire                     s_axi_control_bready,
  input  wire [AXIL_ADDR_W-1:0]   s_axi_control_araddr,
  input  wire                     s_axi_control_arvalid,
  output wire                     s_axi_control_arready,
  output wire [31:0]              s_axi_control_rdata,
  output wire [1:0]               s_axi_control_rresp,
  output wire                     s_axi_control_rvalid,
  input  wire                     s_axi_control_rready
);

  localparam int RES_W = picket_regs_pkg::RES_W;
  localparam int FRAME_HITS = picket_regs_pkg::FRAME_HITS;
  localparam int KEEP_W = DATA_W / 8;

  wire clk = ap_clk;
  logic rst;
  always_ff @(posedge clk) rst <= !ap_rst_n;

  // --- Control --------------------------------------------------------------------------------

  logic [31:0] control;
  logic [63:0] time_now;
  logic [15:0] in_flight [2];
  logic tw_valid, tw_bank;
  logic [7:0] tw_table;
  logic [15:0] tw_index;
  logic [255:0] tw_data;
  logic [15:0] cnt_select;
  logic [63:0] cnt_value;
  logic [63:0] flow_min_idle, flow_max_idle;
  logic flow_flush, flow_flushing, flow_mark, flow_clock_valid;
  logic [11:0] flow_mark_pair;
  logic [63:0] flow_clock;

  axil_control #(.DATA_W(DATA_W), .ADDR_W(AXIL_ADDR_W)) control_regs (
    .clk, .rst,
    .s_axi_awaddr(s_axi_control_awaddr), .s_axi_awvalid(s_axi_control_awvalid), .s_axi_awready(s_axi_control_awready),
    .s_axi_wdata(s_axi_control_wdata), .s_axi_wstrb(s_axi_control_wstrb), .s_axi_wvalid(s_axi_control_wvalid),
    .s_axi_wready(s_axi_control_wready), .s_axi_bresp(s_axi_control_bresp), .s_axi_bvalid(s_axi_control_bvalid),
    .s_axi_bready(s_axi_control_bready), .s_axi_araddr(s_axi_control_araddr), .s_axi_arvalid(s_axi_control_arvalid),
    .s_axi_arready(s_axi_control_arready), .s_axi_rdata(s_axi_control_rdata), .s_axi_rresp(s_axi_control_rresp),
    .s_axi_rvalid(s_axi_control_rvalid), .s_axi_rready(s_axi_control_rready),
    .control, .time_now, .in_flight({in_flight[1], in_flight[0]}),
    .flow_min_idle, .flow_max_idle, .flow_flush, .flow_flushing, .flow_mark, .flow_mark_pair,
    .flow_clock_valid, .flow_clock,
    .tw_valid, .tw_table, .tw_bank, .tw_index, .tw_data, .cnt_select, .cnt_value);

  wire ctrl_bank = control[picket_regs_pkg::CTRL_ACTIVE_BANK_LSB];
  wire ctrl_drop_malformed = control[picket_regs_pkg::CTRL_DROP_MALFORMED_LSB];
  wire ctrl_drop_inline = control[picket_regs_pkg::CTRL_DROP_INLINE_LSB];
  wire ctrl_packet_time = control[picket_regs_pkg::CTRL_PACKET_TIME_LSB];
  wire [1:0] ctrl_policy_mode = control[picket_regs_pkg::CTRL_POLICY_MODE_LSB +: 2];
  wire ctrl_signature_drop = control[picket_regs_pkg::CTRL_SIGNATURE_DROP_LSB];
  wire ctrl_checksums = control[picket_regs_pkg::CTRL_CHECKSUMS_LSB];
  wire ctrl_checksum_drop = control[picket_regs_pkg::CTRL_CHECKSUM_DROP_LSB];
  wire [3:0] ctrl_host_always = control[picket_regs_pkg::CTRL_HOST_ALWAYS_LSB +: 4];
  wire [3:0] ctrl_host_ported = control[picket_regs_pkg::CTRL_HOST_PORTED_LSB +: 4];
  wire [1:0] ctrl_host_http = control[picket_regs_pkg::CTRL_HOST_HTTP_LSB +: 2];

  // --- Input: the frame's bank and time, fixed at its first beat ------------------------------

  logic beat_ready;
  assign s_axis_tready = beat_ready && !rst;
  wire accept = s_axis_tvalid && s_axis_tready;

  logic in_frame_q, bank_q;
  logic [63:0] now_q;
  wire sof = !in_frame_q;
  wire frame_bank = sof ? ctrl_bank : bank_q;
  wire [63:0] frame_now = sof ? (ctrl_packet_time ? s_axis_tuser : time_now) : now_q;

  always_ff @(posedge clk) begin
    if (accept) begin
      in_frame_q <= !s_axis_tlast;
      bank_q <= frame_bank;
      now_q <= frame_now;
    end
    if (rst) in_frame_q <= 1'b0;
  end

  // The frame's bank and time, two cycles on: beside the parser's meta and the hit list.
  logic ctx_bank_d [2];
  logic [63:0] ctx_now_d [2];
  always_ff @(posedge clk) begin
    ctx_bank_d[0] <= frame_bank;
    ctx_now_d[0] <= frame_now;
    ctx_bank_d[1] <= ctx_bank_d[0];
    ctx_now_d[1] <= ctx_now_d[0];
  end

  // --- Parser and prefilter ---------------------------------------------------------------------

  logic meta_valid, meta_host_decode, meta_fragment, meta_has_l4;
  logic [4:0] meta_malformed;
  logic [1:0] meta_l3, meta_vlan_count;
  logic [127:0] meta_src, meta_dst;
  logic [7:0] meta_ip_proto, meta_tcp_flags, meta_icmp_type, meta_icmp_code;
  logic [31:0] meta_tcp_seq;
  logic meta_http_start;
  logic [picket_regs_pkg::ANCHORED_HEAD*8-1:0] meta_payload_head;
  logic [15:0] meta_src_port, meta_dst_port, meta_payload_offset, meta_payload_length, meta_frame_length;
  logic [11:0] meta_vlan0, meta_vlan1;

  /* verilator lint_off PINCONNECTEMPTY */
  packet_parser #(.DATA_W(DATA_W)) parser (
    .clk, .rst,
    .s_axis_tdata, .s_axis_tkeep, .s_axis_tvalid(accept), .s_axis_tready(), .s_axis_tlast,
    .m_meta_valid(meta_valid), .m_meta_malformed(meta_malformed), .m_meta_host_decode(meta_host_decode),
    .m_meta_l3(meta_l3), .m_meta_src(meta_src), .m_meta_dst(meta_dst), .m_meta_ip_proto(meta_ip_proto),
    .m_meta_fragment(meta_fragment), .m_meta_has_l4(meta_has_l4), .m_meta_src_port(meta_src_port),
    .m_meta_dst_port(meta_dst_port), .m_meta_tcp_flags(meta_tcp_flags), .m_meta_tcp_seq(meta_tcp_seq),
    .m_meta_http_start(meta_http_start), .m_meta_payload_head(meta_payload_head), .m_meta_icmp_type(meta_icmp_type),
    .m_meta_icmp_code(meta_icmp_code), .m_meta_payload_offset(meta_payload_offset),
    .m_meta_payload_length(meta_payload_length), .m_meta_vlan_count(meta_vlan_count), .m_meta_vlan0(meta_vlan0),
    .m_meta_vlan1(meta_vlan1), .m_meta_frame_length(meta_frame_length));
  /* verilator lint_on PINCONNECTEMPTY */

  logic hits_frame_valid, hits_overflow;
  logic [FRAME_HITS-1:0] hits_valid;
  logic [FRAME_HITS*16-1:0] hits_literal, hits_start;
  logic [FRAME_HITS*4-1:0] hits_length;

  literal_prefilter #(.DATA_W(DATA_W)) prefilter (
    .clk, .rst,
    .beat_valid(accept), .beat_data(s_axis_tdata), .beat_keep(s_axis_tkeep), .beat_last(s_axis_tlast),
    .beat_bank(frame_bank),
    .tw_valid, .tw_table, .tw_bank, .tw_index, .tw_data,
    .frame_valid(hits_frame_valid), .hit_valid(hits_valid), .hit_literal(hits_literal), .hit_start(hits_start),
    .hit_length(hits_length), .hit_overflow(hits_overflow));

  // --- Frame path -------------------------------------------------------------------------------

  wire has_ports = meta_has_l4 && (meta_ip_proto == picket_pkg::IP_PROTO_TCP || meta_ip_proto == picket_pkg::IP_PROTO_UDP);

  // Frame context, delayed to each stage that needs it: index k is T+k+1.
  localparam int D = 4;
  logic bank_d [D], host_decode_d [D], has_ports_d [D], bad_checksum_d [D];
  logic fragment_q;  // T+1 only: rule_check's
  logic [4:0] malformed_d [D];
  logic [1:0] l3_d [D];
  logic [7:0] proto_d [D];
  logic [15:0] sport_d [D], dport_d [D], flen_d [D];
  logic [63:0] now_d [D];

  always_ff @(posedge clk) begin
    bank_d[0] <= ctx_bank_d[1];
    now_d[0] <= ctx_now_d[1];
    host_decode_d[0] <= meta_host_decode;
    bad_checksum_d[0] <= meta_bad_checksum;
    has_ports_d[0] <= has_ports;
    fragment_q <= meta_fragment;
    malformed_d[0] <= meta_malformed;
    l3_d[0] <= meta_l3;
    proto_d[0] <= meta_ip_proto;
    sport_d[0] <= meta_src_port;
    dport_d[0] <= meta_dst_port;
    flen_d[0] <= meta_frame_length;
    for (int k = 1; k < D; k++) begin
      bank_d[k] <= bank_d[k - 1];
      now_d[k] <= now_d[k - 1];
      host_decode_d[k] <= host_decode_d[k - 1];
      bad_checksum_d[k] <= bad_checksum_d[k - 1];
      has_ports_d[k] <= has_ports_d[k - 1];
      malformed_d[k] <= malformed_d[k - 1];
      l3_d[k] <= l3_d[k - 1];
      proto_d[k] <= proto_d[k - 1];
      sport_d[k] <= sport_d[k - 1];
      dport_d[k] <= dport_d[k - 1];
      flen_d[k] <= flen_d[k - 1];
    end
  end

  // The prefilter's list, a cycle behind the meta: index k is T+k+2.
  logic [FRAME_HITS*16-1:0] literal_d [3];
  logic overflow_d [3];
  logic [15:0] payload_offset_q, payload_length_q;
  always_ff @(posedge clk) begin
    literal_d[0] <= hits_literal;
    overflow_d[0] <= hits_overflow;
    for (int k = 1; k < 3; k++) begin
      literal_d[k] <= literal_d[k - 1];
      overflow_d[k] <= overflow_d[k - 1];
    end
    payload_offset_q <= meta_payload_offset;
    payload_length_q <= meta_payload_length;
  end

  logic id_valid;
  logic [15:0] src_id, dst_id;
  identity_lookup identities (
    .clk, .rst,
    .in_valid(meta_valid), .in_bank(ctx_bank_d[1]), .in_now(ctx_now_d[1]), .in_src(meta_src), .in_dst(meta_dst),
    .tw_valid, .tw_table, .tw_bank, .tw_index, .tw_data,
    .out_valid(id_valid), .out_src_id(src_id), .out_dst_id(dst_id));

  // The frame's checksums, beside the meta. The host tracks no flow for a frame they fail.
  logic cs_header_ok, cs_segment_ok, cs_udp_zero;
  /* verilator lint_off PINCONNECTEMPTY */
  checksum_check #(.DATA_W(DATA_W)) checksums (
    .clk, .rst,
    .beat_valid(accept), .beat_data(s_axis_tdata), .beat_keep(s_axis_tkeep), .beat_last(s_axis_tlast),
    .out_valid(), .out_header_ok(cs_header_ok), .out_segment_ok(cs_segment_ok), .out_udp_zero(cs_udp_zero));
  /* verilator lint_on PINCONNECTEMPTY */
  wire meta_ipv4 = 32'(meta_l3) == 32'(picket_pkg::L3_IPV4);
  wire checksums_hold = (!meta_ipv4 || cs_header_ok) &&
                        (cs_segment_ok || (meta_ipv4 && meta_ip_proto == picket_pkg::IP_PROTO_UDP && cs_udp_zero));
  // As the host judges it (host/packet/checksum.cc): the IPv4 header's, then a whole TCP or
  // UDP segment's. Its receiver discards such a frame: the host forwards it uninspected.
  wire meta_bad_checksum = ctrl_checksums && meta_l3 != 2'd0 && meta_malformed == 5'd0 && !meta_host_decode &&
                           ((meta_ipv4 && !cs_header_ok) || (!meta_fragment && has_ports && !checksums_hold));

  // Keyed: a flow the card tracks. Unkeyed: an IP frame of a flow the card cannot key.
  wire meta_ip_ok = meta_l3 != 2'd0 && meta_malformed == 5'd0;
  logic fl_valid, fl_to_server, fl_proven, fl_learned, fl_no_http;
  logic [1:0] fl_state;
  flow_table flows (
    .clk, .rst,
    .flush(flow_flush), .flushing(flow_flushing), .min_idle(flow_min_idle), .max_idle(flow_max_idle),
    .host_mark(flow_mark), .host_mark_pair(flow_mark_pair), .host_clock_valid(flow_clock_valid),
    .host_clock(flow_clock),
    .in_valid(meta_valid),
    .in_keyed(meta_ip_ok && !meta_host_decode && has_ports && (checksums_hold || !ctrl_checksums)),
    .in_unkeyed(meta_ip_ok && (meta_host_decode || meta_fragment)), .in_now(ctx_now_d[1]),
    .in_src(meta_src), .in_dst(meta_dst), .in_src_port(meta_src_port), .in_dst_port(meta_dst_port),
    .in_ip_proto(meta_ip_proto), .in_tcp_flags(meta_tcp_flags), .in_tcp_seq(meta_tcp_seq),
    .in_payload_length(meta_payload_length), .in_http_start(meta_http_start), .in_vlan_count(meta_vlan_count),
    .in_vlan0(meta_vlan0), .in_vlan1(meta_vlan1),
    .out_valid(fl_valid), .out_state(fl_state), .out_to_server(fl_to_server), .out_client_proven(fl_proven),
    .out_no_http(fl_no_http), .out_learned(fl_learned));

  // The flow's answer, held from T+2 to T+4.
  logic [1:0] fl_state_d [2];
  logic fl_to_server_d [2], fl_proven_d [2], fl_learned_d [2], fl_no_http_d [2];
  always_ff @(posedge clk) begin
    fl_state_d[0] <= fl_state;
    fl_no_http_d[0] <= fl_no_http;
    fl_no_http_d[1] <= fl_no_http_d[0];
    fl_to_server_d[0] <= fl_to_server;
    fl_proven_d[0] <= fl_proven;
    fl_learned_d[0] <= fl_learned;
    fl_state_d[1] <= fl_state_d[0];
    fl_to_server_d[1] <= fl_to_server_d[0];
    fl_proven_d[1] <= fl_proven_d[0];
    fl_learned_d[1] <= fl_learned_d[0];
  end

  logic rc_valid, rc_host_rules, rc_host_http_rules;
  logic [FRAME_HITS-1:0] rc_hit_valid, rc_hit_final, rc_hit_drop;
  rule_check rules (
    .clk, .rst,
    .in_valid(hits_frame_valid), .in_bank(bank_d[0]), .in_hit_valid(hits_valid), .in_hit_literal(hits_literal),
    .in_hit_start(hits_start), .in_hit_length(hits_length), .in_payload_offset(payload_offset_q),
    .in_payload_length(payload_length_q), .in_ip_proto(proto_d[0]), .in_has_ports(has_ports_d[0]),
    .in_fragment(fragment_q), .in_src_port(sport_d[0]), .in_dst_port(dport_d[0]),
    .host_always(ctrl_host_always), .host_ported(ctrl_host_ported), .host_http(ctrl_host_http),
    .tw_valid, .tw_table, .tw_bank, .tw_index, .tw_data,
    .out_valid(rc_valid), .out_hit_valid(rc_hit_valid), .out_hit_final(rc_hit_final), .out_hit_drop(rc_hit_drop),
    .out_host_rules(rc_host_rules), .out_host_http_rules(rc_host_http_rules));

  // Anchored literals, from the meta (T) to T+2; held to T+4.
  logic an_valid, an_hit;
  anchored_match anchored (
    .clk, .rst,
    .in_valid(meta_valid), .in_bank(ctx_bank_d[1]), .in_head(meta_payload_head), .in_payload_length(meta_payload_length),
    .in_ip_proto(meta_ip_proto), .in_has_ports(has_ports), .in_fragment(meta_fragment), .in_src_port(meta_src_port),
    .in_dst_port(meta_dst_port),
    .tw_valid, .tw_table, .tw_bank, .tw_index, .tw_data,
    .out_valid(an_valid), .out_hit(an_hit));
  logic an_hit_d [2];
  always_ff @(posedge clk) begin
    an_hit_d[0] <= an_hit;
    an_hit_d[1] <= an_hit_d[0];
  end

  // Short literals, searched beside the prefilter; the frame's hits at T+1 (with the
  // prefilter's list), judged by protocol and ports to T+2; held to T+4.
  logic sh_hit;
  logic sh_hit_d [2];
  /* verilator lint_off PINCONNECTEMPTY */
  short_match #(.DATA_W(DATA_W)) short_literals (
    .clk, .rst,
    .beat_valid(accept), .beat_data(s_axis_tdata), .beat_keep(s_axis_tkeep), .beat_last(s_axis_tlast),
    .beat_bank(frame_bank),
    .in_bank(bank_d[0]), .in_ip_proto(proto_d[0]), .in_has_ports(has_ports_d[0]), .in_src_port(sport_d[0]),
    .in_dst_port(dport_d[0]), .in_payload_offset(payload_offset_q), .in_fragment(fragment_q),
    .tw_valid, .tw_table, .tw_bank, .tw_index, .tw_data,
    .frame_valid(), .out_valid(), .out_hit(sh_hit));
  /* verilator lint_on PINCONNECTEMPTY */
  always_ff @(posedge clk) begin
    sh_hit_d[0] <= sh_hit;
    sh_hit_d[1] <= sh_hit_d[0];
  end

  logic pol_valid, fwd_allow, rev_allow, pol_unknown_id;
  logic [15:0] fwd_statement, rev_statement;
  policy_lookup policy (
    .clk, .rst,
    .in_valid(id_valid), .in_bank(bank_d[1]), .in_now(now_d[1]), .in_src_id(src_id), .in_dst_id(dst_id),
    .in_ip_proto(proto_d[1]), .in_has_ports(has_ports_d[1]), .in_src_port(sport_d[1]), .in_dst_port(dport_d[1]),
    .tw_valid, .tw_table, .tw_bank, .tw_index, .tw_data,
    .out_valid(pol_valid), .out_fwd_allow(fwd_allow), .out_fwd_statement(fwd_statement), .out_rev_allow(rev_allow),
    .out_rev_statement(rev_statement), .out_unknown_id(pol_unknown_id));

  // Stage outputs held until T+4.
  logic [15:0] src_id_d [2], dst_id_d [2];
  logic [FRAME_HITS-1:0] hv_q, hf_q, hd_q;
  logic host_rules_q, host_http_rules_q;
  always_ff @(posedge clk) begin
    src_id_d[0] <= src_id;
    dst_id_d[0] <= dst_id;
    src_id_d[1] <= src_id_d[0];
    dst_id_d[1] <= dst_id_d[0];
    hv_q <= rc_hit_valid;
    hf_q <= rc_hit_final;
    hd_q <= rc_hit_drop;
    host_rules_q <= rc_host_rules;
    host_http_rules_q <= rc_host_http_rules;
  end

  // --- Verdict (T+4) ----------------------------------------------------------------------------

  localparam int L = D - 1;  // index of T+4 in the delay lines
  logic [RES_W-1:0] result;
  logic [1:0] verdict, reason;
  logic rule_valid;
  logic [15:0] rule;
  logic ip, policy_on, punt_policy, punt_rules, punt_http, final_drop, enforce, flow_known, flow_allow;
  logic [15:0] drop_rule, alert_rule;
  logic has_drop_rule, has_alert_rule;
  always_comb begin
    ip = l3_d[L] != 2'd0 && malformed_d[L] == 5'd0;
    policy_on = 32'(ctrl_policy_mode) != picket_regs_pkg::POLICY_MODE_OFF;
    enforce = 32'(ctrl_policy_mode) == picket_regs_pkg::POLICY_MODE_ENFORCE;
    flow_known = 32'(fl_state_d[1]) == picket_regs_pkg::FLOW_STATE_KNOWN;
    flow_allow = fl_to_server_d[1] ? fwd_allow
               : rev_allow && (fl_proven_d[1] || proto_d[L] != picket_pkg::IP_PROTO_TCP || fwd_allow);
    punt_policy = policy_on && (pol_unknown_id || (!flow_known && fwd_allow != rev_allow));
    // Rules that need an HTTP flow, unless the card is sure the flow carries none.
    punt_http = host_http_rules_q && !fl_no_http_d[1];
    punt_rules = overflow_d[2] || host_rules_q || punt_http || an_hit_d[1] || sh_hit_d[1] || |(hv_q & ~hf_q);
    has_drop_rule = 1'b0;
    has_alert_rule = 1'b0;
    drop_rule = 16'd0;
    alert_rule = 16'd0;
    for (int i = FRAME_HITS - 1; i >= 0; i--) begin
      if (hv_q[i] && hf_q[i] && hd_q[i]) begin
        has_drop_rule = 1'b1;
        drop_rule = literal_d[2][16 * i +: 16];
      end
      if (hv_q[i] && hf_q[i] && !hd_q[i]) begin
        has_alert_rule = 1'b1;
        alert_rule = literal_d[2][16 * i +: 16];
      end
    end
    final_drop = ctrl_signature_drop && has_drop_rule;

    verdict = 2'(picket_regs_pkg::VERDICT_FORWARD);
    reason = 2'(picket_regs_pkg::REASON_NONE);
    rule_valid = 1'b0;
    rule = 16'd0;
    if (malformed_d[L] != 5'd0) begin
      if (ctrl_drop_malformed) begin
        verdict = 2'(picket_regs_pkg::VERDICT_DROP);
        reason = 2'(picket_regs_pkg::REASON_MALFORMED);
      end
    end else if (host_decode_d[L]) begin
      verdict = 2'(picket_regs_pkg::VERDICT_PUNT);
    end else if (bad_checksum_d[L]) begin
      // Forwarded uninspected, as the host does (or dropped and recorded there).
      if (ctrl_checksum_drop) verdict = 2'(picket_regs_pkg::VERDICT_PUNT);
    end else if (ip) begin
      if (enforce && !pol_unknown_id && (flow_known ? !flow_allow : !fwd_allow && !rev_allow)) begin
        verdict = 2'(picket_regs_pkg::VERDICT_DROP);
        reason = 2'(picket_regs_pkg::REASON_POLICY);
      end else if (punt_policy) begin
        verdict = 2'(picket_regs_pkg::VERDICT_PUNT);
      end else if (final_drop) begin
        verdict = 2'(picket_regs_pkg::VERDICT_DROP);
        reason = 2'(picket_regs_pkg::REASON_SIGNATURE);
        rule_valid = 1'b1;
        rule = drop_rule;
      end else if (punt_rules) begin
        verdict = 2'(picket_regs_pkg::VERDICT_PUNT);
      end else if (has_alert_rule) begin
        rule_valid = 1'b1;
        rule = alert_rule;
      end
    end

    result = '0;
    result[picket_regs_pkg::RES_VERDICT_LSB +: 2] = verdict;
    result[picket_regs_pkg::RES_REASON_LSB +: 2] = reason;
    result[picket_regs_pkg::RES_MALFORMED_LSB +: 5] = malformed_d[L];
    result[picket_regs_pkg::RES_HOST_DECODE_LSB] = host_decode_d[L];
    result[picket_regs_pkg::RES_IP_LSB] = ip;
    result[picket_regs_pkg::RES_BANK_LSB] = bank_d[L];
    result[picket_regs_pkg::RES_SRC_ID_LSB +: 16] = ip ? src_id_d[1] : 16'd0;
    result[picket_regs_pkg::RES_DST_ID_LSB +: 16] = ip ? dst_id_d[1] : 16'd0;
    result[picket_regs_pkg::RES_FWD_ALLOW_LSB] = fwd_allow;
    result[picket_regs_pkg::RES_FWD_STATEMENT_LSB +: 16] = fwd_statement;
    result[picket_regs_pkg::RES_REV_ALLOW_LSB] = rev_allow;
    result[picket_regs_pkg::RES_REV_STATEMENT_LSB +: 16] = rev_statement;
    result[picket_regs_pkg::RES_PUNT_POLICY_LSB] = punt_policy;
    result[picket_regs_pkg::RES_PUNT_RULES_LSB] = punt_rules;
    result[picket_regs_pkg::RES_HIT_OVERFLOW_LSB] = overflow_d[2];
    result[picket_regs_pkg::RES_RULE_VALID_LSB] = rule_valid;
    result[picket_regs_pkg::RES_RULE_LSB +: 16] = rule;
    result[picket_regs_pkg::RES_HIT_VALID_LSB +: FRAME_HITS] = hv_q;
    result[picket_regs_pkg::RES_HIT_FINAL_LSB +: FRAME_HITS] = hf_q;
    result[picket_regs_pkg::RES_HIT_LITERAL_LSB +: 16 * FRAME_HITS] = literal_d[2];
    result[picket_regs_pkg::RES_FLOW_STATE_LSB +: 2] = fl_state_d[1];
    result[picket_regs_pkg::RES_TO_SERVER_LSB] = fl_to_server_d[1];
    result[picket_regs_pkg::RES_CLIENT_PROVEN_LSB] = fl_proven_d[1];
    result[picket_regs_pkg::RES_NO_HTTP_LSB] = fl_no_http_d[1];
    result[picket_regs_pkg::RES_PUNT_HTTP_LSB] = punt_http;
    result[picket_regs_pkg::RES_ANCHORED_LSB] = an_hit_d[1];
    result[picket_regs_pkg::RES_SHORT_LITERAL_LSB] = sh_hit_d[1];
  end

  logic res_push;
  logic [RES_W-1:0] res_q;
  always_ff @(posedge clk) begin
    res_push <= pol_valid && !rst;
    res_q <= result;
  end

  // --- Counters ---------------------------------------------------------------------------------

  localparam int RULES = picket_regs_pkg::TBL_DESCRIPTOR_DEPTH;
  localparam int RB = $clog2(RULES);
  localparam int COUNTERS = 16;
  logic [63:0] counters [COUNTERS];
  logic [1:0] res_verdict_q, res_reason_q;
  logic res_overflow_q, res_rule_valid_q, res_bank_q, res_learned_q;
  logic [1:0] res_flow_q;
  logic [RB-1:0] res_rule_q;
  logic [15:0] res_len_q;
  always_ff @(posedge clk) begin
    // The verdict's parts, beside res_q, for counting.
    res_verdict_q <= verdict;
    res_reason_q <= reason;
    res_overflow_q <= overflow_d[2];
    res_rule_valid_q <= rule_valid;
    res_rule_q <= rule[RB-1:0];
    res_len_q <= flen_d[L];
    res_bank_q <= bank_d[L];
    res_flow_q <= fl_state_d[1];
    res_learned_q <= fl_learned_d[1];
    if (res_push) begin
      counters[picket_regs_pkg::CNT_PACKETS] <= counters[picket_regs_pkg::CNT_PACKETS] + 1;
      counters[picket_regs_pkg::CNT_BYTES] <= counters[picket_regs_pkg::CNT_BYTES] + 64'(res_len_q);
      if (32'(res_verdict_q) == picket_regs_pkg::VERDICT_FORWARD)
        counters[picket_regs_pkg::CNT_FORWARDED] <= counters[picket_regs_pkg::CNT_FORWARDED] + 1;
      if (32'(res_verdict_q) == picket_regs_pkg::VERDICT_PUNT)
        counters[picket_regs_pkg::CNT_PUNTED] <= counters[picket_regs_pkg::CNT_PUNTED] + 1;
      if (32'(res_reason_q) == picket_regs_pkg::REASON_MALFORMED)
        counters[picket_regs_pkg::CNT_DROP_MALFORMED] <= counters[picket_regs_pkg::CNT_DROP_MALFORMED] + 1;
      if (32'(res_reason_q) == picket_regs_pkg::REASON_POLICY)
        counters[picket_regs_pkg::CNT_DROP_POLICY] <= counters[picket_regs_pkg::CNT_DROP_POLICY] + 1;
      if (32'(res_reason_q) == picket_regs_pkg::REASON_SIGNATURE)
        counters[picket_regs_pkg::CNT_DROP_SIGNATURE] <= counters[picket_regs_pkg::CNT_DROP_SIGNATURE] + 1;
      if (res_overflow_q)
        counters[picket_regs_pkg::CNT_HIT_OVERFLOW] <= counters[picket_regs_pkg::CNT_HIT_OVERFLOW] + 1;
      if (res_learned_q)
        counters[picket_regs_pkg::CNT_FLOW_LEARNED] <= counters[picket_regs_pkg::CNT_FLOW_LEARNED] + 1;
      if (32'(res_flow_q) == picket_regs_pkg::FLOW_STATE_FULL)
        counters[picket_regs_pkg::CNT_FLOW_FULL] <= counters[picket_regs_pkg::CNT_FLOW_FULL] + 1;
      if (32'(res_flow_q) == picket_regs_pkg::FLOW_STATE_UNTRUSTED)
        counters[picket_regs_pkg::CNT_FLOW_UNTRUSTED] <= counters[picket_regs_pkg::CNT_FLOW_UNTRUSTED] + 1;
    end
    if (rst) begin
      for (int i = 0; i < COUNTERS; i++) counters[i] <= 64'd0;
    end
  end

  // Per-rule counters, one per literal id, in a block RAM: read at T+5, written back plus one
  // at T+6. The RAM reads a counter's old value while it is being written, so when two frames
  // running count the same rule the second takes the first's write instead.
  logic [63:0] rule_counters [RULES];
  logic count_q, write_q;
  logic [RB-1:0] count_rule_q, write_rule_q;
  logic [63:0] count_read, write_value_q;
  wire [63:0] count_next = (write_q && write_rule_q == count_rule_q ? write_value_q : count_read) + 64'd1;
  always_ff @(posedge clk) begin
    count_read <= rule_counters[res_rule_q];
    count_q <= res_push && res_rule_valid_q && !rst;
    count_rule_q <= res_rule_q;
    if (count_q) rule_counters[count_rule_q] <= count_next;
    write_q <= count_q;
    write_rule_q <= count_rule_q;
    write_value_q <= count_next;
  end

  // The counter cnt_select asks for, a cycle later (axil_control takes it the cycle after).
  logic [63:0] rule_snapshot, counter_snapshot;
  logic snapshot_rule_q;
  always_ff @(posedge clk) begin
    rule_snapshot <= rule_counters[RB'(32'(cnt_select) - picket_regs_pkg::CNT_RULE_BASE)];
    counter_snapshot <= counters[cnt_select[3:0]];
    snapshot_rule_q <= 32'(cnt_select) >= picket_regs_pkg::CNT_RULE_BASE;
  end
  assign cnt_value = snapshot_rule_q ? rule_snapshot : counter_snapshot;

  // Frames in flight per bank: from the first beat until the result (no table is read after).
  always_ff @(posedge clk) begin
    for (int b = 0; b < 2; b++) begin
      in_flight[b] <= in_flight[b] + 16'(accept && sof && frame_bank == 1'(b)) - 16'(res_push && res_bank_q == 1'(b));
    end
    if (rst) begin
      in_flight[0] <= 16'd0;
      in_flight[1] <= 16'd0;
    end
  end

  // --- Output -----------------------------------------------------------------------------------

  logic [DATA_W+KEEP_W:0] beat_out;
  logic beat_valid;
  logic [RES_W-1:0] res_out;
  logic res_valid;
  wire drop_now = ctrl_drop_inline && 32'(res_out[picket_regs_pkg::RES_VERDICT_LSB +: 2]) == picket_regs_pkg::VERDICT_DROP;
  wire beat_pop = beat_valid && res_valid && (drop_now || m_axis_tready);

  /* verilator lint_off PINCONNECTEMPTY */
  stream_fifo #(.W(DATA_W + KEEP_W + 1), .DEPTH_LOG2(FIFO_LOG2)) beats (
    .clk, .rst, .in_data({s_axis_tlast, s_axis_tkeep, s_axis_tdata}), .in_valid(accept), .in_ready(beat_ready),
    .out_data(beat_out), .out_valid(beat_valid), .out_ready(beat_pop), .count());

  // As many results as beats fit: a frame holds a beat in the FIFO until its result leaves.
  stream_fifo #(.W(RES_W), .DEPTH_LOG2(FIFO_LOG2)) results (
    .clk, .rst, .in_data(res_q), .in_valid(res_push), .in_ready(),
    .out_data(res_out), .out_valid(res_valid), .out_ready(beat_pop && beat_out[DATA_W + KEEP_W]), .count());
  /* verilator lint_on PINCONNECTEMPTY */

  assign m_axis_tdata = beat_out[DATA_W-1:0];
  assign m_axis_tkeep = beat_out[DATA_W +: KEEP_W];
  assign m_axis_tlast = beat_out[DATA_W + KEEP_W];
  assign m_axis_tuser = res_out;
  assign m_axis_tvalid = beat_valid && res_valid && !drop_now;

  // Parser fields the kernel does not use yet.
  wire unused = &{1'b0, meta_icmp_type, meta_icmp_code, rc_valid, fl_valid, an_valid, 1'b0};

endmodule

`resetall
