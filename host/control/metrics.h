// The counters `picketctl counters` shows, for Prometheus: the text exposition format
// (version 0.0.4) over plain HTTP, GET /metrics, served by the inline daemon's control thread.
//
//   picketd --metrics 127.0.0.1:9464 ... -- EAL...      curl http://127.0.0.1:9464/metrics
//
//   # TYPE picket_packets_received_total counter
//   picket_packets_received_total{node="edge-1"} 1126
//   picket_packets_dropped_total{node="edge-1",reason="signature"} 17
//
// Every sample carries the node's name (--node, by default the host name), so one Prometheus
// scraping a fleet tells the nodes apart. The endpoint answers one request at a time between
// the control thread's other work, each read and write bounded by a short timeout, so a slow
// or idle client delays it by at most that and never stalls the datapath, which does not
// serve it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "control/control.pb.h"

namespace picket {

// The exposition text of `c` and `h` for node `node`.
std::string prometheus_text(const control::Counters& c, const control::Health& h, std::string_view node);

class MetricsEndpoint {
 public:
  MetricsEndpoint() = default;
  ~MetricsEndpoint();
  MetricsEndpoint(const MetricsEndpoint&) = delete;
  MetricsEndpoint& operator=(const MetricsEndpoint&) = delete;

  // Listens on HOST:PORT (TCP); false and `error` when it cannot.
  bool start(std::string_view address, std::string& error);
  // Answers the requests waiting, at most `max` of them; `render` makes the body of each.
  template <typename Render>
  void poll(Render render, int max = 4) {
    for (int i = 0; i < max; ++i) {
      const int client = accept_one();
      if (client < 0) return;
      answer(client, render);
    }
  }

 private:
  int accept_one();
  template <typename Render>
  void answer(int client, Render& render) {
    std::string path;
    if (read_request(client, path)) {
      if (path == "/metrics") {
        respond(client, "200 OK", render());
      } else {
        respond(client, "404 Not Found", "only /metrics is served here\n");
      }
    }
    close_client(client);
  }
  bool read_request(int client, std::string& path);
  void respond(int client, std::string_view status, const std::string& body);
  void close_client(int client);

  int listener_ = -1;
};

}  // namespace picket
