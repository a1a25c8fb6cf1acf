// The detection stage of SoftwareEngine (pipeline/software_engine.h): HTTP parsed over the
// stream, the signatures matched, their actions applied in action order.
#include <algorithm>

#include "detect/stream_literals.h"
#include "pipeline/flow_marks.h"
#include "pipeline/software_engine.h"

namespace picket {

// The buffers are filled and the signatures applied in action order: pass ends inspection
// for the packet; alert records; drop and reject drop the packet and block the rest of the
// flow in both directions.
void SoftwareEngine::detection_stage(PacketContext& ctx) {
  Verdict& v = ctx.verdict;
  Flow* f = ctx.flow;
  const DecodedPacket& p = v.decoded;
  DetectionInput& in = ctx.detection;
  in.packet = &p;
  in.src = p.src.value();
  in.dst = p.dst.value();
  in.payload = std::string_view(reinterpret_cast<const char*>(ctx.packet.bytes.data()) + p.payload_offset,
                                p.payload_length);
  in.stream = ctx.stream.window;
  in.stream_fresh = ctx.stream.fresh_from;
  HttpDirection* http = parse_http(ctx);
  const HttpFlow* http_flow = f ? f->data.find<HttpFlow>(http_slot_) : nullptr;
  in.app_http = http_flow && http_flow->seen;
  in.has_flow = f != nullptr;
  in.direction = v.direction;
  in.established = f && f->established;
  in.stream_sizes_known = f && p.is_tcp();
  for (size_t d = 0; in.stream_sizes_known && d < 2; ++d) {
    in.stream_size[d] = f->tcp[d].seq_known ? f->tcp[d].next_seq - f->tcp[d].isn : 0;
  }
  in.src_id = v.src_id;
  in.dst_id = v.dst_id;
  // The literals earlier segments of this direction found, still in the window.
  StreamLiterals* literals = nullptr;
  StreamLiteralMemory* memory = nullptr;
  if (f && ctx.stream.side && !in.stream.empty()) {
    in.stream_start = ctx.stream.side->next - in.stream.size();
    literals = f->data.find<StreamLiterals>(stream_literals_slot_);
    if (literals) {
      memory = &literals->directions[static_cast<size_t>(v.direction)];
      memory->expire(in.stream_start, ctx.stream.side->restarts);
      in.stream_literals = &memory->found;
      in.stream_search_whole = memory->lost;
    }
  }
  generation_->signatures->match(in, *scratch_, hits_, ctx.device ? &ctx.device->signatures : nullptr, &notes_);
  if (f && ctx.stream.side && (!notes_.stream_literals.empty() || memory)) {
    if (!memory) {
      memory = &f->data.emplace<StreamLiterals>(stream_literals_slot_).directions[static_cast<size_t>(v.direction)];
      memory->restarts = ctx.stream.side->restarts;
    }
    memory->remember(notes_.stream_literals, in.stream_search_whole);
  }

  const auto& rules = generation_->signatures->rules();
  std::stable_sort(hits_.begin(), hits_.end(), [&](uint32_t a, uint32_t b) {
    return rank_[static_cast<size_t>(rules[a].rule.action)] < rank_[static_cast<size_t>(rules[b].rule.action)];
  });
  for (uint32_t h : hits_) {
    rules::Action a = rules[h].rule.action;
    if (a == rules::Action::kPass) {
      // As Suricata 7: inspection of the packet ends, and where a TCP rule matched payload
      // on a flow's stream (Suricata's stream and app-layer matches) the rest of the flow is
      // passed too (forwarded uninspected, still counted). Header-only and `ip` rules pass the
      // packet alone.
      v.passed = true;
      const rules::Rule& r = rules[h].rule;
      if (f && ctx.stream.side && r.protocol == Transport::kTcp && !r.matches.empty()) {
        f->data.emplace<PassedFlow>(passed_slot_);
      }
      break;
    }
    const bool decides = a != rules::Action::kAlert && !v.drop;
    if (v.alerts.size() >= config_.packet_alert_max && !decides) {
      ++counters_.alerts_discarded;
      continue;
    }
    v.alerts.push_back(h);
    if (std::find(notes_.stream_only.begin(), notes_.stream_only.end(), h) != notes_.stream_only.end()) {
      v.stream_matched = true;
    }
    if (a == rules::Action::kAlert || v.drop) continue;  // the first drop or reject decides
    v.drop = true;
    v.reason = DropReason::kSignature;
    v.blocking_rule = h;
    v.reject = a == rules::Action::kReject;
    if (f) block_flow(ctx, h);
  }
  v.app_http = in.app_http;
  if (!v.alerts.empty() && in.http && http_.size() > 0) record_http(v);
  if (http) http_parsed(ctx, *http);
}

// The message the first alert on an HTTP message matched in (else the last one parsed), for
// the alert's record.
void SoftwareEngine::record_http(Verdict& v) {
  size_t m = http_.size() - 1;
  for (uint32_t a : v.alerts) {
    auto it = std::find_if(notes_.http_message.begin(), notes_.http_message.end(),
                           [&](const auto& n) { return n.first == a; });
    if (it != notes_.http_message.end()) {
      m = it->second;
      break;
    }
  }
  const HttpMessage& msg = http_[m];
  const HttpBuffers& b = http_buffers();
  HttpRecord& r = v.http;
  r.present = true;
  r.request = msg.request;
  r.hostname.assign(msg.get(b.host));
  r.url.assign(msg.get(b.raw_uri));
  r.method.assign(msg.get(b.method));
  r.user_agent.assign(msg.get(b.user_agent));
  r.protocol.assign(msg.get(b.protocol));
  r.status.assign(msg.get(b.stat_code));
  r.content_type.assign(msg.get(b.content_type));
}

// HTTP is parsed over the stream: on a segment that delivered bytes, the messages from the one
// still arriving to the stream's end. Flows without a stream have no HTTP, as in Suricata.
HttpDirection* SoftwareEngine::parse_http(PacketContext& ctx) {
  if (!ctx.flow || !ctx.stream.side || ctx.stream.window.empty()) return nullptr;
  HttpFlow& flow = ctx.flow->data.emplace<HttpFlow>(http_slot_);
  HttpDirection& d = flow.directions[static_cast<size_t>(ctx.verdict.direction)];
  if (d.stream_restarts != ctx.stream.side->restarts) {
    d.restart(ctx.stream.side->restarts);  // the stream took its bytes back and started again
  }
  if (d.not_http) return nullptr;
  std::optional<std::string_view> bytes = streams_.bytes_from(*ctx.stream.side, d.message_start);
  if (!bytes) {
    d.not_http = true;  // the message outgrew what the stream holds for it, or lost bytes
    ++counters_.http_given_up;
    return nullptr;
  }
  d.inflater.share(&inflaters_);
  if (http_.parse(*bytes, &d.inflater) == 0) {
    if (http_.not_http()) d.not_http = true;
    return nullptr;
  }
  flow.seen = true;
  ctx.detection.http = &http_;
  ctx.detection.http_recorded = &d.fired;
  // What the earlier segments inspected of the first message's body holds only while the body
  // keeps its form: a compressed body that starts to inflate is a new one.
  const HttpMessage::BodyForm form = http_[0].body_form();
  if (d.body_seen > 0 && form == d.body_form && form != HttpMessage::BodyForm::kInflatedAnew) {
    ctx.detection.http_body_seen = d.body_seen;
    ctx.detection.http_body_candidates = &d.body_candidates;
  }
  return &d;
}

// After detection: the rules recorded on the message still arriving are remembered with it,
// and parsing moves on past the messages this segment completed.
void SoftwareEngine::http_parsed(PacketContext& ctx, HttpDirection& d) {
  const size_t open = http_[http_.size() - 1].complete ? SIZE_MAX : http_.size() - 1;
  if (open != 0) d.fired.clear();
  if (open != SIZE_MAX) {
    for (const auto& [rule, message] : notes_.http_message) {
      if (message == open) d.fired.push_back(rule);
    }
  }
  // The body the rules saw of the message still arriving: the next segment's inspection
  // needs only what comes after it (SignatureSet::rule_matches).
  d.body_seen = open == 0 ? http_[0].get(http_buffers().file_data).size() : 0;
  d.body_form = open == 0 ? http_[0].body_form() : HttpMessage::BodyForm::kAsSent;
  if (open == 0) {
    d.body_candidates.swap(notes_.body_candidates);
  } else {
    d.body_candidates.clear();
  }
  if (http_.consumed() > 0) d.inflater.close();  // its message is complete: the next one has its own
  d.message_start += http_.consumed();
  StreamReassembler::hold(*ctx.stream.side, d.message_start);
}

}  // namespace picket
