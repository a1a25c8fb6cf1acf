// The actions on a judged batch, the same offline and inline: each packet's decision records
// (log/eve_record.h), a reject's answer built from the offending frame (pipeline/reject.h),
// then forward or drop. The daemon's loop says where frames go: a capture file offline, a DPDK
// port inline.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "log/eve_record.h"
#include "packet/packet.h"
#include "pipeline/verdict.h"

namespace picket {

// Where a batch's frames go, by their place in the batch.
class FrameOutput {
 public:
  virtual ~FrameOutput() = default;
  virtual void forward(size_t i) = 0;
  virtual void drop(size_t i) = 0;
  // A reject's answer to the sender of frame i, in the frame's link type.
  virtual void answer(size_t i, const std::vector<uint8_t>& frame) = 0;
};

class VerdictSink {
 public:
  // Without `records`, no record is written (a daemon with no log); reject answers still are.
  explicit VerdictSink(bool records = true) : records_(records) {}
  void set_records(bool on) { records_ = on; }

  // What the records name: the rules, identities and policy of the generation judging, ...
  RecordSource& source() { return source_; }

  // Takes each packet's verdict in order, then the flows that ended meanwhile. The batch's
  // records are in lines() afterwards.
  void take(std::span<const PacketView> batch, std::span<const Verdict> verdicts, FrameOutput& out,
            std::span<const EndedFlow> ended = {});

  const std::string& lines() const { return lines_; }
  uint64_t records() const { return records_written_; }  // lines, since the sink was made

 private:
  RecordSource source_;
  bool records_;
  std::string lines_;
  uint64_t records_written_ = 0;
};

}  // namespace picket
