// Sizing the literal prefilter's bitmaps (hw/literal_prefilter.sv) from real rule sets and
// traffic: a model of the bitmap stage alone, run for several geometries side by side on the
// same literals and frames, so the card's bitmaps are sized from measurements rather than
// guessed. It is a design aid for picket-pipeline-bench --filter-sizing, not an engine: the
// card's own behaviour is what the Verilator model and its differential tests check.
//
// A geometry is a number of bitmaps per bucket, each of 2^bits bits and indexed by its own
// H3 hash of the filed window; a byte position is a candidate when its bits are set in every
// bitmap of the bucket (a Bloom filter with one bit per hash in its own array). What decides
// the share of frames the card hands over is how often a beat has more candidates than the
// BEAT_HITS lanes that compare them exactly; that, and the exact hits per frame, is what the
// model counts.
#pragma once

#include <string>
#include <vector>

#include "device/table_image.h"
#include "packet/packet.h"

namespace picket::sim {

// Prints one line per geometry for the literals filed in `image` (LITERAL_4 and LITERAL_8)
// over `captures`: bitmap fill, bitmap hits per beat, frames with a beat over the lanes, frames
// handed over for hits (a beat over the lanes, or more exact hits than FRAME_HITS), and the
// block RAM the bitmaps take with one copy per byte position of the beat, in both banks.
void print_filter_sizing(const std::string& what, const TableImage& image,
                         const std::vector<std::vector<Packet>>& captures);

// Prints host/rules/common_grams.cc: the `count` case-folded 4-byte strings found most often at
// a byte position of `captures`' frames, each with its rate as a surprise (-log2 of its share
// of all positions, in quarter bits), sorted by value.
void print_common_grams(const std::vector<std::vector<Packet>>& captures, size_t count);

}  // namespace picket::sim
