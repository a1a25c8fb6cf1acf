// A TCP session through the engine under test, and what its server could read: the test
// sends client segments in any order and asks what reached the server's application.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "engine_fixture.h"
#include "packet/decoder.h"
#include "testing/tcp_conversation.h"

namespace picket::testing_support {

using Frame = std::vector<uint8_t>;

inline constexpr const char* kDropPasswd = "drop tcp any any -> any 80 (content:\"/etc/passwd\"; sid:1;)\n";
inline constexpr uint32_t kClientFirstSeq = 1001;  // TcpConversation's client ISN plus the SYN

// What the server's application could read of the client's stream: the forwarded segments,
// in arrival order, each byte the first one seen at its place, up to the first gap. With
// `urgent_out_of_band`, as a stack that reads urgent data out of band (the default of Linux,
// BSD and Windows: RFC 6093): the byte an urgent pointer marks is no part of the stream.
class Receiver {
 public:
  explicit Receiver(bool urgent_out_of_band = true) : oob_(urgent_out_of_band) {}
  void take(const Frame& f) {
    DecodedPacket d = decode(f.data(), static_cast<uint32_t>(f.size()), static_cast<uint32_t>(f.size()));
    if (!d.is_tcp() || d.src_port == 80) return;
    if (oob_ && (d.tcp_flags & tcp_flag::kUrg) && d.tcp_urgent > 0) {
      urgent_.insert(d.tcp_seq - kClientFirstSeq + d.tcp_urgent - 1);
    }
    for (uint32_t i = 0; i < d.payload_length; ++i) {
      bytes_.emplace(d.tcp_seq - kClientFirstSeq + i, static_cast<char>(f[d.payload_offset + i]));
    }
  }
  std::string stream() const {
    std::string s;
    uint32_t next = 0;
    for (auto it = bytes_.begin(); it != bytes_.end() && it->first == next; ++it, ++next) {
      if (!urgent_.count(it->first)) s.push_back(it->second);
    }
    return s;
  }

 private:
  bool oob_;
  std::map<uint32_t, char> bytes_;  // by offset in the client's sequence space
  std::set<uint32_t> urgent_;
};

struct Session {
  explicit Session(std::string_view rules = kDropPasswd, EngineConfig config = {}, bool urgent_out_of_band = true)
      : engine(rules, "", "", config), server(urgent_out_of_band) {
    for (const Frame& f : c.handshake()) send(f);
  }
  Verdict send(const Frame& f) {
    Verdict v = engine.run(f, at += 0.001);
    if (!v.drop) server.take(f);
    return v;
  }
  TcpConversation c{"10.0.0.1", 40000, "10.0.0.2", 80};
  EngineUnderTest engine;
  Receiver server;
  double at = 0;
};

}  // namespace picket::testing_support
