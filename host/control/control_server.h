// The control API's sockets: a ZeroMQ REP socket that answers commands through a
// ControlHandler, and a PUB socket that sends every decision record, one EVE JSON line a
// message.
//
// Authentication: with a server secret key and an allow-list of client public keys, both
// sockets are CURVE servers and a ZAP handler admits only the listed clients (others never
// complete the handshake, so they get no reply and no records). Without keys, the sockets
// bind to loopback only: an endpoint another host could reach is refused at start.
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

#include "control/control_handler.h"

namespace picket {

struct ControlOptions {
  std::string endpoint = "tcp://127.0.0.1:7700";  // commands (REP)
  std::string publish = "tcp://127.0.0.1:7701";   // decision records (PUB); empty: none
  std::string secret_key_file;                    // the daemon's CURVE secret key
  std::string allow_file;                         // the clients' CURVE public keys
};

// True when `endpoint` can only be reached from this host: tcp on 127.0.0.0/8, ::1 or
// localhost, ipc, inproc.
bool is_loopback_endpoint(std::string_view endpoint);

// Reads a Z85 key (the first non-comment line of `path`); false, with `error`, otherwise.
bool read_z85_key(const std::string& path, std::string& key, std::string& error);

class ControlServer {
 public:
  ControlServer();
  ~ControlServer();

  // Binds the sockets. False, with `error`, when a key file is bad, an endpoint is in use, or
  // an endpoint is not loopback and no keys are given.
  bool start(const ControlOptions& options, std::string& error);
  // Answers requests (and CURVE handshakes) for up to `timeout_ms`.
  void poll(int timeout_ms, ControlHandler& handler);
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
