#include "pipeline/verdict_sink.h"

#include <algorithm>

#include "pipeline/reject.h"

namespace picket {

void VerdictSink::take(std::span<const PacketView> batch, std::span<const Verdict> verdicts, FrameOutput& out,
                       std::span<const EndedFlow> ended) {
  lines_.clear();
  for (size_t i = 0; i < batch.size(); ++i) {
    const Verdict& v = verdicts[i];
    if (records_ && v.recorded()) append_records(source_, batch[i], v, lines_);
    if (v.reject) {
      PacketView judged = batch[i];
      if (!v.datagram.empty()) judged.bytes = v.datagram;  // the reassembled datagram was judged
      std::vector<uint8_t> answer = build_reject(judged, v.decoded);
      if (!answer.empty()) out.answer(i, answer);
    }
    if (v.drop) {
      out.drop(i);
    } else {
      out.forward(i);
    }
  }
  if (records_) {
    for (const EndedFlow& f : ended) append_flow_record(source_, f, lines_);
  }
  records_written_ += static_cast<uint64_t>(std::count(lines_.begin(), lines_.end(), '\n'));
}

}  // namespace picket
