#include "device/device_engine.h"

#include <algorithm>
#include <chrono>

namespace picket {

std::unique_ptr<DeviceEngine> DeviceEngine::create(std::unique_ptr<Device> device,
                                                   std::unique_ptr<SoftwareEngine> engine, std::string& error) {
  std::unique_ptr<DeviceEngine> d(new DeviceEngine);
  d->tables_ = engine->generation()->device;
  if (!d->tables_) {
    error = "generation " + std::to_string(engine->generation()->number) + " was built without device tables";
    return nullptr;
  }
  device->use_packet_time(true);  // judge each packet at its own time, as the software engine does
  DeviceFlowSettings flows;
  flows.min_idle_ns = engine->flows().config().shortest_timeout_ns();
  flows.max_idle_ns = engine->flows().config().longest_timeout_ns();
  flows.checksums = engine->config().checksums != ChecksumMode::kNone;
  flows.checksum_drop = engine->config().checksums == ChecksumMode::kDrop;
  if (!device->set_flows(flows, error)) return nullptr;
  if (!device->load(d->tables_->image, error)) return nullptr;
  d->device_ = std::move(device);
  d->engine_ = std::move(engine);
  return d;
}

bool DeviceEngine::adopt(std::shared_ptr<const Generation> next, std::string& error) {
  if (!next->device) {
    error = "generation " + std::to_string(next->number) + " has no device tables";
    return false;
  }
  if (!device_->load(next->device->image, error)) return false;
  tables_ = next->device;
  engine_->adopt(std::move(next));
  return true;
}

void DeviceEngine::take(const DeviceResult& r) {
  HardwareView& v = view_;
  v.signatures.final_rules.clear();
  v.signatures.candidates.clear();
  v.decoded = r.ip && !r.host_decode;
  v.src_id = r.src_id;
  v.dst_id = r.dst_id;
  v.policy_known = v.decoded && r.src_id < hw::table::policy_mask::kDepth && r.dst_id < hw::table::policy_mask::kDepth;
  v.to_server = {r.fwd_allow, r.fwd_statement, kNever};
  v.to_client = {r.rev_allow, r.rev_statement, kNever};
  v.signatures.complete = v.decoded && !r.hit_overflow;
  for (const DeviceResult::Hit& h : r.hits) {
    if (!h.valid || h.literal >= tables_->plan.rules_of_literal.size()) continue;
    const auto& rules = tables_->plan.rules_of_literal[h.literal];
    if (h.final) {
      v.signatures.final_rules.push_back(rules.front());
    } else {
      v.signatures.candidates.insert(v.signatures.candidates.end(), rules.begin(), rules.end());
    }
  }
}

// Why the device handed the frame over, as its result says.
void DeviceEngine::count_punt(const DeviceResult& r) {
  ++stats_.punted;
  if (r.host_decode) ++stats_.punted_decode;
  if (r.punt_policy) {
    ++stats_.punted_policy;
    if (r.src_id >= hw::table::policy_mask::kDepth || r.dst_id >= hw::table::policy_mask::kDepth) {
      ++stats_.punted_policy_identity;
    } else if (r.flow_state == hw::FlowState::kUntrusted) {
      ++stats_.punted_policy_untrusted;
    } else if (r.flow_state == hw::FlowState::kFull) {
      ++stats_.punted_policy_full;
    } else {
      ++stats_.punted_policy_no_flow;
    }
  }
  if (!r.punt_rules) return;
  ++stats_.punted_rules;
  bool candidate = std::any_of(r.hits.begin(), r.hits.end(), [](const DeviceResult::Hit& h) { return h.valid && !h.final; });
  if (r.hit_overflow) {
    ++stats_.punted_overflow;
  } else if (candidate) {
    ++stats_.punted_candidates;
    for (size_t i = 0; i < r.hits.size(); ++i) {
      const DeviceResult::Hit& h = r.hits[i];
      if (!h.valid || h.final) continue;
      bool again = false;
      for (size_t k = 0; k < i; ++k) again |= r.hits[k].valid && !r.hits[k].final && r.hits[k].literal == h.literal;
      if (again) continue;
      if (h.literal >= literal_punts_.size()) literal_punts_.resize(h.literal + 1u, 0);
      ++literal_punts_[h.literal];
    }
  } else if (r.anchored) {
    ++stats_.punted_anchored;
  } else if (r.short_literal) {
    ++stats_.punted_short;
  } else if (r.punt_http) {
    ++stats_.punted_host_http;
  } else {
    ++stats_.punted_host_rules;
  }
}

void DeviceEngine::check(const DeviceResult& r, const HardwareView& view, const PacketView& p, const Verdict& v) {
  std::string why;
  if (!r.host_decode && !v.decoded.reassembled && r.malformed != static_cast<uint8_t>(v.malformed)) {
    why = "malformed code";  // (a datagram the host reassembled is not what the device decoded)
  }
  // The device knows no flows, streams or fragments and checks no checksums: where the host's
  // verdict came from them, the host's stands, and the device's own answer is not compared.
  const bool by_flow = v.flow_was_blocked || v.flow_passed || v.reason == DropReason::kStream || v.bad_checksum ||
                       v.decoded.reassembled || v.reason == DropReason::kFragment || v.reason == DropReason::kMidstream;
  if (r.verdict == hw::Verdict::kPunt) count_punt(r);
  switch (r.flow_state) {
    case hw::FlowState::kKnown: ++stats_.flow_known; break;
    case hw::FlowState::kUntrusted: ++stats_.flow_untrusted; break;
    case hw::FlowState::kFull: ++stats_.flow_full; break;
    case hw::FlowState::kNone: break;
  }
  if (r.no_http) ++stats_.no_http;
  // A flow the card is sure carries no HTTP must carry none for the host either: rules that
  // need one are not handed over for its frames.
  if (r.no_http && v.app_http && !v.bad_checksum && !v.decoded.reassembled) {
    why = "the host parsed HTTP on a flow the device says carries none";
  }
  // A direction the card trusts must be the host's: the client -> server side, and whether a
  // SYN proved it where that matters (the server's TCP packets). (A packet the host tracks no
  // flow for is judged as to_server there.)
  if (r.flow_state == hw::FlowState::kKnown && !v.bad_checksum && !v.decoded.reassembled) {
    const bool host_to_server = !v.has_flow || v.direction == Direction::kToServer;
    if (r.to_server != host_to_server) {
      why = "the device's flow direction is not the host's";
    } else if (!r.to_server && v.decoded.is_tcp() && r.client_proven != v.client_proven) {
      why = "the device's flow has another proof of its client than the host's";
    }
  }
  if (by_flow || v.stream_matched) {
    ++(by_flow ? stats_.needs_flow_state : stats_.needs_stream);
    if (r.verdict == hw::Verdict::kDrop) ++stats_.device_drops;
  } else if (r.verdict == hw::Verdict::kDrop) {
    ++stats_.device_drops;
    hw::Reason want = v.reason == DropReason::kMalformed ? hw::Reason::kMalformed
                      : v.reason == DropReason::kPolicy  ? hw::Reason::kPolicy
                                                         : hw::Reason::kSignature;
    if (!v.drop || r.reason != want) why = "the device dropped a packet the host forwards, or for another reason";
  } else if (r.verdict == hw::Verdict::kForward) {
    if (v.drop) why = "the device forwarded a packet the host drops";
    for (uint32_t a : v.alerts) {
      if (std::find(view.signatures.final_rules.begin(), view.signatures.final_rules.end(), a) ==
          view.signatures.final_rules.end())
        why = "the device forwarded without punting a packet a host rule matches";
    }
  }
  if (why.empty()) return;
  ++stats_.disagreements;
  if (disagreement_notes_.size() < 20) {
    disagreement_notes_.push_back("packet " + std::to_string(p.index) + ": " + why);
  }
}

bool DeviceEngine::process(std::span<const PacketView> batch, std::vector<Verdict>& out, std::string& error) {
  out.resize(batch.size());
  // The hardware takes whole Ethernet frames up to jumbo size. Anything else is the host's
  // alone: other links, and frames a capture cut short (snaplen), which never come off a wire.
  sent_index_.assign(batch.size(), SIZE_MAX);
  auto for_device = [](const PacketView& p) {
    return p.link_type == LinkType::kEthernet && p.bytes.size() <= kMaxDeviceFrame && p.bytes.size() == p.wire_length;
  };
  bool all_ethernet = std::all_of(batch.begin(), batch.end(), for_device);
  if (all_ethernet) {
    for (size_t i = 0; i < batch.size(); ++i) sent_index_[i] = i;
    if (!device_->process(batch, results_, error)) return false;
  } else {
    // The card's flow table must hear of an IP packet only the host sees before the frames
    // after it: the frames before go first, then the card is told (Device::host_packet).
    results_.clear();
    sent_.clear();
    auto send = [&]() {
      if (sent_.empty()) return true;
      if (!device_->process(sent_, part_, error)) return false;
      results_.insert(results_.end(), part_.begin(), part_.end());
      sent_.clear();
      return true;
    };
    for (size_t i = 0; i < batch.size(); ++i) {
      const PacketView& p = batch[i];
      if (for_device(p)) {
        sent_index_[i] = results_.size() + sent_.size();
        sent_.push_back(p);
        continue;
      }
      const DecodedPacket d = decode(p.bytes.data(), static_cast<uint32_t>(p.bytes.size()), p.wire_length, p.link_type);
      if (!d.ok() || !d.is_ip()) continue;
      if (!send()) return false;
      device_->host_packet(d.src, d.dst, p.timestamp_ns);
    }
    if (!send()) return false;
  }
  const auto host_start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < batch.size(); ++i) {
    ++stats_.packets;
    if (sent_index_[i] == SIZE_MAX) {
      ++stats_.host_only;
      engine_->process(batch[i], out[i], nullptr);
      continue;
    }
    const DeviceResult& r = results_[sent_index_[i]];
    take(r);
    engine_->process(batch[i], out[i], &view_);
    check(r, view_, batch[i], out[i]);
  }
  stats_.host_ns += static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - host_start).count());
  return true;
}

}  // namespace picket
