// First-word-fall-through FIFO: out_data shows the oldest entry whenever out_valid is set.
// Used for the frames' beats and for their results, which wait for each other at the output.

`resetall
`timescale 1ns / 1ps
`default_nettype none

module stream_fifo #(
  parameter int W = 8,
  parameter int DEPTH_LOG2 = 4
) (
  input  wire                 clk,
  input  wire                 rst,
  input  wire [W-1:0]         in_data,
  input  wire                 in_valid,
  output wire                 in_ready,
  output wire [W-1:0]         out_data,
  output wire                 out_valid,
  input  wire                 out_ready,
  output wire [DEPTH_LOG2:0]  count
);

  localparam int DEPTH = 1 << DEPTH_LOG2;

  logic [W-1:0] mem [DEPTH];
  logic [DEPTH_LOG2:0] wr_q, rd_q;

  assign count = wr_q - rd_q;
  assign in_ready = count != (DEPTH_LOG2 + 1)'(DEPTH);
  assign out_valid = count != '0;
  assign out_data = mem[rd_q[DEPTH_LOG2-1:0]];

  always_ff @(posedge clk) begin
    if (in_valid && in_ready) begin
      mem[wr_q[DEPTH_LOG2-1:0]] <= in_data;
      wr_q <= wr_q + 1'b1;
    end
    if (out_valid && out_ready) rd_q <= rd_q + 1'b1;
    if (rst) begin
      wr_q <= '0;
      rd_q <= '0;
    end
  end

endmodule

`resetall
