// AXI4-Lite control slave: the registers of hw/register_map.json.
//
// Table writes are indirect: the host selects a table and bank, sets the entry index, fills
// TABLE_DATA0..7 and writes TABLE_WRITE; the entry goes out on tw_* for one cycle and the index
// advances, so a whole table is written as DATA words plus one strobe per entry.
// FLOW_FLUSH pulses flow_flush, and its read says whether the flow table is still emptying;
// FLOW_MARK and FLOW_CLOCK_HI pulse flow_mark and flow_clock_valid with their values.
// Counters are read by selecting one (which asks cnt_* for it) and reading the 64-bit snapshot
// taken two cycles later.

`resetall
`timescale 1ns / 1ps
`default_nettype none

module axil_control #(
  parameter int DATA_W = 512,
  parameter int ADDR_W = 12
) (
  input  wire                 clk,
  input  wire                 rst,

  input  wire [ADDR_W-1:0]    s_axi_awaddr,
  input  wire                 s_axi_awvalid,
  output wire                 s_axi_awready,
  input  wire [31:0]          s_axi_wdata,
  input  wire [3:0]           s_axi_wstrb,
  input  wire                 s_axi_wvalid,
  output wire                 s_axi_wready,
  output wire [1:0]           s_axi_bresp,
  output logic                s_axi_bvalid,
  input  wire                 s_axi_bready,
  input  wire [ADDR_W-1:0]    s_axi_araddr,
  input  wire                 s_axi_arvalid,
  output wire                 s_axi_arready,
  output logic [31:0]         s_axi_rdata,
  output wire [1:0]           s_axi_rresp,
  output logic                s_axi_rvalid,
  input  wire                 s_axi_rready,

  output logic [31:0]         control,
  output logic [63:0]         time_now,
  input  wire  [31:0]         in_flight,

  output logic [63:0]         flow_min_idle,
  output logic [63:0]         flow_max_idle,
  output logic                flow_flush,
  input  wire                 flow_flushing,
  output logic                flow_mark,
  output logic [11:0]         flow_mark_pair,
  output logic                flow_clock_valid,
  output logic [63:0]         flow_clock,

  output logic                tw_valid,
  output logic [7:0]          tw_table,
  output logic                tw_bank,
  output logic [15:0]         tw_index,
  output logic [255:0]        tw_data,

  output logic [15:0]         cnt_select,
  input  wire  [63:0]         cnt_value
);

  logic [31:0] time_lo_q, min_idle_lo_q, max_idle_lo_q, clock_lo_q;
  logic [31:0] data_q [8];
  logic [63:0] snapshot_q;
  logic [1:0] snap_wait_q;

  // A write is taken when address and data are both there and the last response has gone.
  wire write = s_axi_awvalid && s_axi_wvalid && !s_axi_bvalid;
  assign s_axi_awready = write;
  assign s_axi_wready = write;
  assign s_axi_bresp = 2'b00;
  assign s_axi_arready = !s_axi_rvalid;
  assign s_axi_rresp = 2'b00;

  wire [ADDR_W-1:0] waddr = s_axi_awaddr;

  always_comb begin
    for (int i = 0; i < 8; i++) tw_data[32 * i +: 32] = data_q[i];
  end

  always_ff @(posedge clk) begin
    tw_valid <= 1'b0;
    flow_flush <= 1'b0;
    flow_mark <= 1'b0;
    flow_clock_valid <= 1'b0;
    if (tw_valid) tw_index <= tw_index + 1'b1;
    if (write) begin
      s_axi_bvalid <= 1'b1;
      if (s_axi_wstrb == 4'hf) begin
        case (32'(waddr))
          picket_regs_pkg::REG_CONTROL: control <= s_axi_wdata;
          picket_regs_pkg::REG_TIME_LO: time_lo_q <= s_axi_wdata;
          picket_regs_pkg::REG_TIME_HI: time_now <= {s_axi_wdata, time_lo_q};
          picket_regs_pkg::REG_FLOW_MIN_IDLE_LO: min_idle_lo_q <= s_axi_wdata;
          picket_regs_pkg::REG_FLOW_MIN_IDLE_HI: flow_min_idle <= {s_axi_wdata, min_idle_lo_q};
          picket_regs_pkg::REG_FLOW_MAX_IDLE_LO: max_idle_lo_q <= s_axi_wdata;
          picket_regs_pkg::REG_FLOW_MAX_IDLE_HI: flow_max_idle <= {s_axi_wdata, max_idle_lo_q};
          picket_regs_pkg::REG_FLOW_FLUSH: flow_flush <= 1'b1;
          picket_regs_pkg::REG_FLOW_MARK: begin
            flow_mark <= 1'b1;
            flow_mark_pair <= s_axi_wdata[11:0];
          end
          picket_regs_pkg::REG_FLOW_CLOCK_LO: clock_lo_q <= s_axi_wdata;
          picket_regs_pkg::REG_FLOW_CLOCK_HI: begin
            flow_clock_valid <= 1'b1;
            flow_clock <= {s_axi_wdata, clock_lo_q};
          end
          picket_regs_pkg::REG_TABLE_SELECT: begin
            tw_table <= s_axi_wdata[7:0];
            tw_bank <= s_axi_wdata[8];
          end
          picket_regs_pkg::REG_TABLE_INDEX: tw_index <= s_axi_wdata[15:0];
          picket_regs_pkg::REG_TABLE_WRITE: tw_valid <= 1'b1;
          picket_regs_pkg::REG_COUNTER_SELECT: begin
            cnt_select <= s_axi_wdata[15:0];
            snap_wait_q <= 2'd2;
          end
          default: begin
            for (int i = 0; i < 8; i++) begin
              if (32'(waddr) == picket_regs_pkg::REG_TABLE_DATA0 + 4 * i) data_q[i] <= s_axi_wdata;
            end
          end
        endcase
      end
    end else if (s_axi_bvalid && s_axi_bready) begin
      s_axi_bvalid <= 1'b0;
    end

    if (snap_wait_q != 2'd0) begin
      snap_wait_q <= snap_wait_q - 1'b1;
      if (snap_wait_q == 2'd1) snapshot_q <= cnt_value;
    end

    if (s_axi_arvalid && s_axi_arready) begin
      s_axi_rvalid <= 1'b1;
      case (32'(s_axi_araddr))
        picket_regs_pkg::REG_VERSION: s_axi_rdata <= picket_regs_pkg::REGMAP_VERSION;
        picket_regs_pkg::REG_BEAT_BYTES: s_axi_rdata <= 32'(DATA_W / 8);
        picket_regs_pkg::REG_CONTROL: s_axi_rdata <= control;
        picket_regs_pkg::REG_IN_FLIGHT: s_axi_rdata <= in_flight;
        picket_regs_pkg::REG_TIME_LO: s_axi_rdata <= time_now[31:0];
        picket_regs_pkg::REG_TIME_HI: s_axi_rdata <= time_now[63:32];
        picket_regs_pkg::REG_FLOW_MIN_IDLE_LO: s_axi_rdata <= flow_min_idle[31:0];
        picket_regs_pkg::REG_FLOW_MIN_IDLE_HI: s_axi_rdata <= flow_min_idle[63:32];
        picket_regs_pkg::REG_FLOW_MAX_IDLE_LO: s_axi_rdata <= flow_max_idle[31:0];
        picket_regs_pkg::REG_FLOW_MAX_IDLE_HI: s_axi_rdata <= flow_max_idle[63:32];
        picket_regs_pkg::REG_FLOW_FLUSH: s_axi_rdata <= {31'd0, flow_flushing};
        picket_regs_pkg::REG_FLOW_CLOCK_LO: s_axi_rdata <= flow_clock[31:0];
        picket_regs_pkg::REG_FLOW_CLOCK_HI: s_axi_rdata <= flow_clock[63:32];
        picket_regs_pkg::REG_TABLE_SELECT: s_axi_rdata <= {23'd0, tw_bank, tw_table};
        picket_regs_pkg::REG_TABLE_INDEX: s_axi_rdata <= {16'd0, tw_index};
        picket_regs_pkg::REG_COUNTER_SELECT: s_axi_rdata <= {16'd0, cnt_select};
        picket_regs_pkg::REG_COUNTER_LO: s_axi_rdata <= snapshot_q[31:0];
        picket_regs_pkg::REG_COUNTER_HI: s_axi_rdata <= snapshot_q[63:32];
        default: begin
          s_axi_rdata <= 32'd0;
          for (int i = 0; i < 8; i++) begin
            if (32'(s_axi_araddr) == picket_regs_pkg::REG_TABLE_DATA0 + 4 * i) s_axi_rdata <= data_q[i];
          end
        end
      endcase
    end else if (s_axi_rvalid && s_axi_rready) begin
      s_axi_rvalid <= 1'b0;
    end

    if (rst) begin
      s_axi_bvalid <= 1'b0;
      s_axi_rvalid <= 1'b0;
      control <= 32'd0;
      time_now <= 64'd0;
      time_lo_q <= 32'd0;
      // Until the host says otherwise, no flow is trusted (min 0) and none ends (max all ones).
      flow_min_idle <= 64'd0;
      flow_max_idle <= '1;
      min_idle_lo_q <= 32'd0;
      max_idle_lo_q <= 32'd0;
      flow_flush <= 1'b0;
      flow_mark <= 1'b0;
      flow_clock_valid <= 1'b0;
      clock_lo_q <= 32'd0;
      tw_valid <= 1'b0;
      tw_table <= 8'd0;
      tw_bank <= 1'b0;
      tw_index <= 16'd0;
      cnt_select <= 16'd0;
      snap_wait_q <= 2'd0;
    end
  end

endmodule

`resetall
