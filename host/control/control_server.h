// The control API's sockets: a ZeroMQ REP socket that answers commands through a
// ControlHandler, and a PUB socket that sends every decision record, one EVE JSON line a
// message.
//
// Authentication: with a server secret key and an allow-list of client public keys, both
// sockets are CURVE servers and a ZAP handler admits only the listed clients (others never
// complete the handshake, so they get no reply and no records), on any endpoint. Without keys,
// the sockets are Unix sockets (ipc://) made with mode 0600, by default in a run directory of
// mode 0700 (control/control_endpoint.h): only their owner can connect. A TCP endpoint without
// keys is refused at start, loopback included.
//
// Key files hold Z85 text (40 characters), as zmq_curve_keypair makes them and
// `picketctl keygen` writes them; an allow-list holds one public key a line, '#' comments.
#pragma once

#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <zmq.hpp>

#include "control/control_endpoint.h"
#include "control/control_handler.h"

namespace picket {

struct ControlOptions {
  std::string endpoint = default_control_endpoint();  // commands (REP)
  std::string publish = default_publish_endpoint();   // decision records (PUB); empty: none
  std::string secret_key_file;                    // the daemon's CURVE secret key
  std::string allow_file;                         // the clients' CURVE public keys
};

// Reads a Z85 key (the first non-comment line of `path`); false, with `error`, otherwise.
bool read_z85_key(const std::string& path, std::string& key, std::string& error);

class ControlServer {
 public:
  ControlServer();
  ~ControlServer();

  // Binds the sockets. False, with `error`, when a key file is bad, an endpoint is in use, the
  // run directory is not private, or an endpoint is TCP and no keys are given.
  bool start(const ControlOptions& options, std::string& error);
  // Answers requests (and CURVE handshakes) for up to `timeout_ms`, or until `wake_fd` (when
  // given) is readable: other work for the same thread.
  void poll(int timeout_ms, ControlHandler& handler, int wake_fd = -1);
  // Sends each line of `lines` as one message. Any thread; safe alongside poll().
  void publish(std::string_view lines);
  uint64_t published() const;
  const std::string& endpoint() const { return endpoint_; }

 private:
  void answer_zap();

  zmq::context_t context_;
  zmq::socket_t rep_, pub_, zap_;
  bool publishing_ = false;
  std::set<std::string> allowed_;  // 32-byte public keys
  std::string endpoint_;
  mutable std::mutex pub_mutex_;
  uint64_t published_ = 0;
};

}  // namespace picket
