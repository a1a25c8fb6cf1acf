// Bidirectional flows keyed by the 5-tuple and VLAN tags. The endpoint that sent a flow's
// first packet is its client; each packet is then to_server or to_client.
//
// TCP: the three-way handshake is tracked, and a flow is established from the packet that
// completes it (and stays so while it closes). A flow picked up without its SYN is
// established at once when `midstream` is on (Suricata's stream.midstream), and never
// otherwise. UDP, ICMP and other protocols: established from the first packet seen in the
// second direction. ICMP echo request and reply are one flow (keyed by the echo id).
//
// A TCP flow's client is proven only by a SYN: a flow first seen at a SYN/ACK or mid-stream
// takes the first packet's receiver (SYN/ACK) or sender as its client, unproven, and the
// policy then judges its packets both ways (pipeline/software_engine.h).
//
// TCP sequence numbers are checked as the receiver checks them (RFC 9293 3.10.7.4, RFC 5961
// 3.2), once the flow's handshake was seen both ways (so each side's window and its scale are
// known): a segment with data that begins past what its receiver's window allows, or a RST
// whose sequence number is not exactly the next one its sender would send, is refused by the
// receiver, and here too: it changes no state (a refused RST closes nothing) and FlowRef says
// why (TcpCheck). A SYN starts its sender's sequence space again. `async_oneside` (Suricata's
// stream.async-oneside) establishes a flow of which only the client's side is seen (asymmetric
// routing): its SYN, then its ACK of a SYN/ACK that went another way.
//
// The table holds at most `max_flows`; a new flow when it is full evicts a flow that is not
// established, or closed, among the kEvictionScan least recently seen, else the least
// recently seen one; evictions are counted. A flow idle longer than its timeout is gone: the
// next packet of that 5-tuple starts a new flow. Idle time runs on a clock that never goes
// back (the latest packet time seen), so a packet stamped earlier than one before it (a
// capture's reordering, captures replayed one after another) revives no flow that had ended:
// the card's flow table (hw/flow_table.sv) keeps the same clock. Malformed packets, fragments
// and non-IP frames have no flow.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "flow/flow_data.h"
#include "flow/flow_index.h"
#include "packet/decoder.h"

namespace picket {

struct FlowKey {
  IpAddress lo_addr;   // the lower (address, port) endpoint
  IpAddress hi_addr;
  uint16_t lo_port = 0;
  uint16_t hi_port = 0;
  uint8_t ip_proto = 0;
  uint8_t vlan_count = 0;
  uint16_t vlan_ids[kMaxVlanTags] = {};

  bool operator==(const FlowKey&) const = default;
  // Both directions of a packet give the same key. nullopt for packets that have no flow.
  static std::optional<FlowKey> of(const DecodedPacket& p);
};

struct FlowKeyHash {
  size_t operator()(const FlowKey& k) const;
};

enum class Direction : uint8_t { kToServer, kToClient };

enum class TcpState : uint8_t {
  kNone,         // not TCP, or a TCP flow picked up mid-stream with midstream off
  kSynSent,      // client's SYN seen
  kSynReceived,  // server's SYN/ACK seen
  kEstablished,  // handshake complete, or picked up mid-stream
  kClosing,      // a FIN seen
  kClosed,       // a RST seen, or FINs both ways
};

// One end of a TCP flow, by the Direction of what it sends.
struct TcpEndpoint {
  uint32_t isn = 0;         // its initial sequence number (mid-stream: its first, less one)
  uint32_t next_seq = 0;    // after the furthest byte it sent (its SYN and FIN count one each)
  uint32_t window_end = 0;  // how far it lets the other end send: its ACK plus its window, scaled
  int8_t syn_scale = -1;    // the window scale its SYN offered; -1: none
  bool seq_known = false;
  bool window_known = false;
  bool syn_seen = false;
};

// What a TCP packet's receiver would make of its sequence numbers.
enum class TcpCheck : uint8_t {
  kOk,
  kOutOfWindow,  // data beginning past the receiver's window: it discards the segment
  kInvalidRst,   // a RST not at the sender's next sequence number: it closes nothing
};

struct Flow {
  FlowKey key;
  uint64_t id = 0;  // unique per table, never reused; decision records carry it as flow_id
  IpAddress client_addr;
  uint16_t client_port = 0;
  int64_t first_seen_ns = 0;
  int64_t last_seen_ns = 0;
  uint64_t packets[2] = {};  // indexed by Direction
  uint64_t bytes[2] = {};
  TcpState tcp_state = TcpState::kNone;
  bool established = false;
  bool midstream = false;  // picked up without a handshake
  bool client_proven = false;  // TCP: the client sent the flow's first packet, a SYN
  uint8_t fins = 0;        // bit per direction
  TcpEndpoint tcp[2];      // by Direction of the sender

  // What features keep on the flow (detection's block, HTTP, ...): flow/flow_data.h.
  FlowDataList data;
};

struct FlowConfig {
  size_t max_flows = 1 << 20;
  bool midstream = false;
  bool async_oneside = false;
  bool check_sequence = true;  // refuse what the receiver refuses (TcpCheck)
  int64_t tcp_new_timeout_ns = 60'000'000'000;
  int64_t tcp_established_timeout_ns = 600'000'000'000;
  int64_t tcp_closed_timeout_ns = 60'000'000'000;
  int64_t new_timeout_ns = 30'000'000'000;           // UDP, ICMP, others
  int64_t established_timeout_ns = 300'000'000'000;  // UDP, ICMP, others

  // The shortest and the longest of the idle timeouts above (the card's flow table needs both).
  int64_t shortest_timeout_ns() const {
    return std::min({tcp_new_timeout_ns, tcp_established_timeout_ns, tcp_closed_timeout_ns, new_timeout_ns,
                     established_timeout_ns});
  }
  int64_t longest_timeout_ns() const {
    return std::max({tcp_new_timeout_ns, tcp_established_timeout_ns, tcp_closed_timeout_ns, new_timeout_ns,
                     established_timeout_ns});
  }
};

struct FlowCounters {
  uint64_t created = 0;
  uint64_t expired = 0;  // removed because idle past their timeout
  uint64_t evicted = 0;  // removed to make room when the table was full
  uint64_t evicted_established = 0;  // of them, established and not closing: none other was near the end
};

// Why a flow left the table.
enum class FlowEnd : uint8_t {
  kTimeout,   // idle past its timeout
  kEvicted,   // removed to make room
  kShutdown,  // still live when the run ended (end_all)
};
std::string_view flow_end_name(FlowEnd e);  // "timeout", "evicted", "shutdown"

// What tracking one packet tells its caller.
struct FlowRef {
  Flow* flow = nullptr;  // valid until the next call that changes the table
  Direction direction = Direction::kToServer;
  bool created = false;  // this packet started the flow
  TcpCheck tcp_check = TcpCheck::kOk;  // not kOk: the packet changed nothing
};

class FlowTable {
 public:
  explicit FlowTable(FlowConfig config = {});

  // Finds or creates the packet's flow and updates its direction counters and TCP state with
  // this packet. nullopt for packets that have no flow. `now_ns` is the packet's time.
  std::optional<FlowRef> track(const DecodedPacket& packet, uint32_t wire_length, int64_t now_ns);

  // Removes idle flows from the least recently seen end at `now_ns`, up to the first one still
  // alive: a flow with a short timeout behind one with a longer timeout stays until that one
  // goes. It is never used again all the same: track() checks the packet's own flow's timeout.
  void expire(int64_t now_ns);

  // Calls `visit(Flow&)` on every live flow, the most recently seen first.
  template <typename Visit>
  void for_each_flow(Visit visit) {
    for (uint32_t i = head_; i != kNil; i = slots_[i].older) visit(flows_[i]);
  }

  // Called with each flow as it leaves the table, before its state goes.
  void on_end(std::function<void(const Flow&, FlowEnd)> observer) { on_end_ = std::move(observer); }
  // Reports every live flow as ended (kShutdown) to the observer, oldest first; the table
  // stays as it is.
  void end_all();

  size_t size() const { return index_.size(); }
  const FlowCounters& counters() const { return counters_; }
  const FlowConfig& config() const { return config_; }

 private:
  static constexpr uint32_t kNil = FlowIndex::kEmpty;
  static constexpr int kEvictionScan = 64;
  // Where a flow sits in the index and the LRU list, apart from the flow itself: moving a
  // flow to the head touches its neighbours' links, which stay in a small, warm array.
  struct Slot {
    uint64_t hash = 0;      // FlowKeyHash of the flow's key, its place in index_
    uint32_t newer = kNil;  // LRU links: the most recently seen flow is the head
    uint32_t older = kNil;
  };

  int64_t timeout(const Flow& f) const;
  void unlink(uint32_t i);
  void push_head(uint32_t i);
  void remove(uint32_t i, FlowEnd why);
  uint32_t allocate();
  void evict_one();
  TcpCheck check_sequence(const Flow& f, const DecodedPacket& p, Direction d) const;
  TcpCheck update_tcp(Flow& f, const DecodedPacket& p, Direction d);

  FlowConfig config_;
  FlowIndex index_;
  std::vector<Flow> flows_;  // by slot
  std::vector<Slot> slots_;
  std::vector<uint32_t> free_;
  uint32_t head_ = kNil;  // most recently seen
  uint32_t tail_ = kNil;  // least recently seen
  uint64_t next_id_ = 1;
  int64_t clock_ns_ = INT64_MIN;  // the latest time seen
  FlowCounters counters_;
  std::function<void(const Flow&, FlowEnd)> on_end_;
};

}  // namespace picket
