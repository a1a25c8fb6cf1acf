// The kernel's stages side by side, each with its own ports, so that one simulated model tests
// each stage alone (sim/stage_tests.cc, sim/packet_parser_test.cc). Not part of the kernel:
// the stages share only the clock, the reset and the table-write bus, as in picket_kernel.
//
//   packet_parser      s_axis_* -> m_meta_*      (its own port names)
//   checksum_check     s_axis_* -> cs_out_*      (beside the parser, as in the kernel)
//   flow_table         fl_in_*  -> fl_out_*
//   identity_lookup    id_in_*  -> id_out_*
//   policy_lookup      pol_in_* -> pol_out_*
//   literal_prefilter  pf_beat_* -> pf_*
//   rule_check         rc_in_*  -> rc_out_*

`resetall
`timescale 1ns / 1ps
`default_nettype none

module picket_stages #(
  parameter int DATA_W = 512
) (
  input  wire                    clk,
  input  wire                    rst,

  input  wire                    tw_valid,
  input  wire [7:0]              tw_table,
  input  wire                    tw_bank,
  input  wire [15:0]             tw_index,
  input  wire [255:0]            tw_data,

  // packet_parser
  input  wire [DATA_W-1:0]       s_axis_tdata,
  input  wire [DATA_W/8-1:0]     s_axis_tkeep,
  input  wire                    s_axis_tvalid,
  output wire                    s_axis_tready,
  input  wire                    s_axis_tlast,
  output logic                   m_meta_valid,
  output logic [4:0]             m_meta_malformed,
  output logic                   m_meta_host_decode,
  output logic [1:0]             m_meta_l3,
  output logic [127:0]           m_meta_src,
  output logic [127:0]           m_meta_dst,
  output logic [7:0]             m_meta_ip_proto,
  output logic                   m_meta_fragment,
  output logic                   m_meta_has_l4,
  output logic [15:0]            m_meta_src_port,
  output logic [15:0]            m_meta_dst_port,
  output logic [7:0]             m_meta_tcp_flags,
  output logic [31:0]            m_meta_tcp_seq,
  output logic                   m_meta_http_start,
  output logic [picket_regs_pkg::ANCHORED_HEAD*8-1:0] m_meta_payload_head,
  output logic [7:0]             m_meta_icmp_type,
  output logic [7:0]             m_meta_icmp_code,
  output logic [15:0]            m_meta_payload_offset,
  output logic [15:0]            m_meta_payload_length,
  output logic [1:0]             m_meta_vlan_count,
  output logic [11:0]            m_meta_vlan0,
  output logic [11:0]            m_meta_vlan1,
  output logic [15:0]            m_meta_frame_length,

  // checksum_check
  output logic                   cs_out_valid,
  output logic                   cs_out_header_ok,
  output logic                   cs_out_segment_ok,
  output logic                   cs_out_udp_zero,

  // flow_table
  input  wire                    fl_flush,
  output logic                   fl_flushing,
  input  wire [63:0]             fl_min_idle,
  input  wire [63:0]             fl_max_idle,
  input  wire                    fl_host_mark,
  input  wire [11:0]             fl_host_mark_pair,
  input  wire                    fl_host_clock_valid,
  input  wire [63:0]             fl_host_clock,
  input  wire                    fl_in_valid,
  input  wire                    fl_in_keyed,
  input  wire                    fl_in_unkeyed,
  input  wire [63:0]             fl_in_now,
  input  wire [127:0]            fl_in_src,
  input  wire [127:0]            fl_in_dst,
  input  wire [15:0]             fl_in_src_port,
  input  wire [15:0]             fl_in_dst_port,
  input  wire [7:0]              fl_in_ip_proto,
  input  wire [7:0]              fl_in_tcp_flags,
  input  wire [31:0]             fl_in_tcp_seq,
  input  wire [15:0]             fl_in_payload_length,
  input  wire                    fl_in_http_start,
  input  wire [1:0]              fl_in_vlan_count,
  input  wire [11:0]             fl_in_vlan0,
  input  wire [11:0]             fl_in_vlan1,
  output logic                   fl_out_valid,
  output logic [1:0]             fl_out_state,
  output logic                   fl_out_to_server,
  output logic                   fl_out_client_proven,
  output logic                   fl_out_no_http,
  output logic                   fl_out_learned,

  // identity_lookup
  input  wire                    id_in_valid,
  input  wire                    id_in_bank,
  input  wire [63:0]             id_in_now,
  input  wire [127:0]            id_in_src,
  input  wire [127:0]            id_in_dst,
  output logic                   id_out_valid,
  output logic [15:0]            id_out_src_id,
  output logic [15:0]            id_out_dst_id,

  // policy_lookup
  input  wire                    pol_in_valid,
  input  wire                    pol_in_bank,
  input  wire [63:0]             pol_in_now,
  input  wire [15:0]             pol_in_src_id,
  input  wire [15:0]             pol_in_dst_id,
  input  wire [7:0]              pol_in_ip_proto,
  input  wire                    pol_in_has_ports,
  input  wire [15:0]             pol_in_src_port,
  input  wire [15:0]             pol_in_dst_port,
  output logic                   pol_out_valid,
  output logic                   pol_out_fwd_allow,
  output logic [15:0]            pol_out_fwd_statement,
  output logic                   pol_out_rev_allow,
  output logic [15:0]            pol_out_rev_statement,
  output logic                   pol_out_unknown_id,

  // literal_prefilter
  input  wire                    pf_beat_valid,
  input  wire [DATA_W-1:0]       pf_beat_data,
  input  wire [DATA_W/8-1:0]     pf_beat_keep,
  input  wire                    pf_beat_last,
  input  wire                    pf_beat_bank,
  output logic                   pf_frame_valid,
  output logic [FRAME_HITS-1:0]  pf_hit_valid,
  output logic [FRAME_HITS*16-1:0] pf_hit_literal,
  output logic [FRAME_HITS*16-1:0] pf_hit_start,
  output logic [FRAME_HITS*4-1:0] pf_hit_length,
  output logic                   pf_hit_overflow,

  // rule_check
  input  wire                    rc_in_valid,
  input  wire                    rc_in_bank,
  input  wire [FRAME_HITS-1:0]   rc_in_hit_valid,
  input  wire [FRAME_HITS*16-1:0] rc_in_hit_literal,
  input  wire [FRAME_HITS*16-1:0] rc_in_hit_start,
  input  wire [FRAME_HITS*4-1:0] rc_in_hit_length,
  input  wire [15:0]             rc_in_payload_offset,
  input  wire [15:0]             rc_in_payload_length,
  input  wire [7:0]              rc_in_ip_proto,
  input  wire                    rc_in_has_ports,
  input  wire                    rc_in_fragment,
  input  wire [15:0]             rc_in_src_port,
  input  wire [15:0]             rc_in_dst_port,
  input  wire [3:0]              rc_host_always,
  input  wire [3:0]              rc_host_ported,
  input  wire [1:0]              rc_host_http,
  output logic                   rc_out_valid,
  output logic [FRAME_HITS-1:0]  rc_out_hit_valid,
  output logic [FRAME_HITS-1:0]  rc_out_hit_final,
  output logic [FRAME_HITS-1:0]  rc_out_hit_drop,
  output logic                   rc_out_host_rules,
  output logic                   rc_out_host_http_rules
);

  localparam int FRAME_HITS = picket_regs_pkg::FRAME_HITS;

  packet_parser #(.DATA_W(DATA_W)) parser (
    .clk, .rst, .s_axis_tdata, .s_axis_tkeep, .s_axis_tvalid, .s_axis_tready, .s_axis_tlast,
    .m_meta_valid, .m_meta_malformed, .m_meta_host_decode, .m_meta_l3, .m_meta_src, .m_meta_dst,
    .m_meta_ip_proto, .m_meta_fragment, .m_meta_has_l4, .m_meta_src_port, .m_meta_dst_port,
    .m_meta_tcp_flags, .m_meta_tcp_seq, .m_meta_http_start, .m_meta_payload_head, .m_meta_icmp_type, .m_meta_icmp_code, .m_meta_payload_offset,
    .m_meta_payload_length, .m_meta_vlan_count, .m_meta_vlan0, .m_meta_vlan1, .m_meta_frame_length);

  checksum_check #(.DATA_W(DATA_W)) checksums (
    .clk, .rst, .beat_valid(s_axis_tvalid), .beat_data(s_axis_tdata), .beat_keep(s_axis_tkeep),
    .beat_last(s_axis_tlast), .out_valid(cs_out_valid), .out_header_ok(cs_out_header_ok),
    .out_segment_ok(cs_out_segment_ok), .out_udp_zero(cs_out_udp_zero));

  flow_table flows (
    .clk, .rst, .flush(fl_flush), .flushing(fl_flushing), .min_idle(fl_min_idle), .max_idle(fl_max_idle),
    .host_mark(fl_host_mark), .host_mark_pair(fl_host_mark_pair), .host_clock_valid(fl_host_clock_valid),
    .host_clock(fl_host_clock),
    .in_valid(fl_in_valid), .in_keyed(fl_in_keyed), .in_unkeyed(fl_in_unkeyed), .in_now(fl_in_now),
    .in_src(fl_in_src), .in_dst(fl_in_dst), .in_src_port(fl_in_src_port), .in_dst_port(fl_in_dst_port),
    .in_ip_proto(fl_in_ip_proto), .in_tcp_flags(fl_in_tcp_flags), .in_tcp_seq(fl_in_tcp_seq),
    .in_payload_length(fl_in_payload_length), .in_http_start(fl_in_http_start), .in_vlan_count(fl_in_vlan_count),
    .in_vlan0(fl_in_vlan0), .in_vlan1(fl_in_vlan1), .out_valid(fl_out_valid), .out_state(fl_out_state),
    .out_to_server(fl_out_to_server), .out_client_proven(fl_out_client_proven), .out_no_http(fl_out_no_http),
    .out_learned(fl_out_learned));

  identity_lookup identities (
    .clk, .rst, .in_valid(id_in_valid), .in_bank(id_in_bank), .in_now(id_in_now), .in_src(id_in_src),
    .in_dst(id_in_dst), .tw_valid, .tw_table, .tw_bank, .tw_index, .tw_data,
    .out_valid(id_out_valid), .out_src_id(id_out_src_id), .out_dst_id(id_out_dst_id));

  policy_lookup policy (
    .clk, .rst, .in_valid(pol_in_valid), .in_bank(pol_in_bank), .in_now(pol_in_now), .in_src_id(pol_in_src_id),
    .in_dst_id(pol_in_dst_id), .in_ip_proto(pol_in_ip_proto), .in_has_ports(pol_in_has_ports),
    .in_src_port(pol_in_src_port), .in_dst_port(pol_in_dst_port), .tw_valid, .tw_table, .tw_bank, .tw_index, .tw_data,
    .out_valid(pol_out_valid), .out_fwd_allow(pol_out_fwd_allow), .out_fwd_statement(pol_out_fwd_statement),
    .out_rev_allow(pol_out_rev_allow), .out_rev_statement(pol_out_rev_statement),
    .out_unknown_id(pol_out_unknown_id));

  literal_prefilter #(.DATA_W(DATA_W)) prefilter (
    .clk, .rst, .beat_valid(pf_beat_valid), .beat_data(pf_beat_data), .beat_keep(pf_beat_keep),
    .beat_last(pf_beat_last), .beat_bank(pf_beat_bank), .tw_valid, .tw_table, .tw_bank, .tw_index, .tw_data,
    .frame_valid(pf_frame_valid), .hit_valid(pf_hit_valid), .hit_literal(pf_hit_literal), .hit_start(pf_hit_start),
    .hit_length(pf_hit_length), .hit_overflow(pf_hit_overflow));

  rule_check rules (
    .clk, .rst, .in_valid(rc_in_valid), .in_bank(rc_in_bank), .in_hit_valid(rc_in_hit_valid),
    .in_hit_literal(rc_in_hit_literal), .in_hit_start(rc_in_hit_start), .in_hit_length(rc_in_hit_length),
    .in_payload_offset(rc_in_payload_offset), .in_payload_length(rc_in_payload_length),
    .in_ip_proto(rc_in_ip_proto), .in_has_ports(rc_in_has_ports), .in_fragment(rc_in_fragment),
    .in_src_port(rc_in_src_port),
    .in_dst_port(rc_in_dst_port), .host_always(rc_host_always), .host_ported(rc_host_ported), .host_http(rc_host_http),
    .tw_valid, .tw_table, .tw_bank, .tw_index, .tw_data,
    .out_valid(rc_out_valid), .out_hit_valid(rc_out_hit_valid), .out_hit_final(rc_out_hit_final),
    .out_hit_drop(rc_out_hit_drop), .out_host_rules(rc_out_host_rules), .out_host_http_rules(rc_out_host_http_rules));

endmodule

`resetall
