// One copy of a table the host writes: one write port (the table-write bus) and one read port
// whose data comes a cycle after its address, the shape of a block RAM (or, with -uram, an
// UltraRAM) port. A stage that reads a table at several places per cycle keeps one copy per
// place: the copies are written together and read apart.
//
// A read and a write of the same entry in one cycle read the old entry. It never happens in
// use: the host writes only the bank no frame is judged under.

`resetall
`timescale 1ns / 1ps
`default_nettype none

module table_ram #(
  parameter int W = 32,
  parameter int DEPTH_LOG2 = 10
) (
  input  wire                   clk,
  input  wire                   we,
  input  wire [DEPTH_LOG2-1:0]  waddr,
  input  wire [W-1:0]           wdata,
  input  wire [DEPTH_LOG2-1:0]  raddr,
  output logic [W-1:0]          rdata
);

  logic [W-1:0] mem [1 << DEPTH_LOG2];

  always_ff @(posedge clk) begin
    if (we) mem[waddr] <= wdata;
    rdata <= mem[raddr];
  end

endmodule

`resetall
