#include "control/control_server.h"

#include <sys/stat.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <vector>

#include "base/text.h"

namespace picket {

namespace {

constexpr const char* kZapEndpoint = "inproc://zeromq.zap.01";  // fixed by the ZAP specification
constexpr const char* kZapDomain = "picket";

// The transport cuts off anything larger without a word; between kMaxRequestBytes and this the
// handler answers with an error, which tells a client what went wrong.
constexpr int64_t kTransportLimit = 2 * static_cast<int64_t>(kMaxRequestBytes);

// The keys of a key file: the first word of each line, '#' comments left out; with line numbers.
std::vector<std::pair<std::string, uint32_t>> key_lines(std::string_view text) {
  std::vector<std::pair<std::string, uint32_t>> out;
  for (LineReader lines(text); lines.next();) {
    std::vector<Word> words = split_words(lines.line());
    if (!words.empty()) out.emplace_back(std::string(words[0].text), lines.number());
  }
  return out;
}

bool z85_to_binary(const std::string& z85, std::string& out) {
  if (z85.size() != 40) return false;
  std::array<uint8_t, 32> bin{};
  if (!zmq_z85_decode(bin.data(), z85.c_str())) return false;
  out.assign(reinterpret_cast<const char*>(bin.data()), bin.size());
  return true;
}

}  // namespace

bool read_z85_key(const std::string& path, std::string& key, std::string& error) {
  std::optional<std::string> text = read_text_file(path);
  if (!text) {
    error = path + ": cannot read the key file";
    return false;
  }
  auto keys = key_lines(*text);
  std::string bin;
  if (keys.empty() || !z85_to_binary(keys[0].first, bin)) {
    error = path + ":" + std::to_string(keys.empty() ? 1 : keys[0].second) +
            ":1: not a Z85 key (40 characters, as picketctl keygen writes)";
    return false;
  }
  key = keys[0].first;
  return true;
}

namespace {

// Binds `socket`; an ipc:// socket file is made with mode 0600. libzmq binds an ipc endpoint
// in the calling thread, so the umask set around it is the one the file is made under (and no
// other thread is making files while the control sockets start).
bool bind_private(zmq::socket_t& socket, const std::string& endpoint, std::string& error) {
  const std::string path = ipc_path(endpoint);
  if (path.empty()) {
    socket.bind(endpoint);
    return true;
  }
  const mode_t before = umask(0177);
  try {
    socket.bind(endpoint);
  } catch (...) {
    umask(before);
    throw;
  }
  umask(before);
  if (chmod(path.c_str(), 0600) != 0) {
    error = path + ": cannot make the control socket owner-only: " + std::strerror(errno);
    return false;
  }
  return true;
}

}  // namespace

ControlServer::ControlServer() : context_(1) {}

ControlServer::~ControlServer() {
  rep_.close();
  pub_.close();
  zap_.close();
  context_.close();
}

bool ControlServer::start(const ControlOptions& o, std::string& error) {
  bool curve = !o.secret_key_file.empty() || !o.allow_file.empty();
  if (curve && (o.secret_key_file.empty() || o.allow_file.empty())) {
    error = "CURVE needs both the daemon's secret key and the allow-list of client keys";
    return false;
  }
  for (const std::string* e : {&o.endpoint, &o.publish}) {
    if (!curve && !e->empty() && !is_local_endpoint(*e)) {
      error = *e + ": without CURVE keys the control sockets are Unix sockets only (ipc://, owner-only); give "
                   "--curve-key and --curve-allow to listen on TCP, loopback included";
      return false;
    }
    // The default home is made private here; a socket elsewhere is private by its own mode.
    const std::string path = ipc_path(*e);
    const std::string dir = path.substr(0, path.rfind('/'));
    if (!path.empty() && dir == default_run_directory() && !prepare_private_directory(dir, error)) return false;
  }
  try {
    std::string secret;
    if (curve) {
      if (!zmq_has("curve")) {
        error = "this libzmq was built without CURVE";
        return false;
      }
      if (!read_z85_key(o.secret_key_file, secret, error)) return false;
      std::optional<std::string> listed = read_text_file(o.allow_file);
      if (!listed) {
        error = o.allow_file + ": cannot read the allow-list";
        return false;
      }
      for (const auto& [key, line] : key_lines(*listed)) {
        std::string bin;
        if (!z85_to_binary(key, bin)) {
          error = o.allow_file + ":" + std::to_string(line) + ":1: not a Z85 public key (40 characters)";
          return false;
        }
        allowed_.insert(bin);
      }
      if (allowed_.empty()) {
        error = o.allow_file + ": no client key listed, so no client could connect";
        return false;
      }
      zap_ = zmq::socket_t(context_, zmq::socket_type::rep);
      zap_.bind(kZapEndpoint);
    }
    auto secure = [&](zmq::socket_t& s) {
      if (!curve) return;
      s.set(zmq::sockopt::curve_server, 1);
      s.set(zmq::sockopt::curve_secretkey, secret);
      s.set(zmq::sockopt::zap_domain, kZapDomain);
    };
    rep_ = zmq::socket_t(context_, zmq::socket_type::rep);
    rep_.set(zmq::sockopt::maxmsgsize, kTransportLimit);
    rep_.set(zmq::sockopt::linger, 0);
    secure(rep_);
    if (!bind_private(rep_, o.endpoint, error)) return false;
    endpoint_ = rep_.get(zmq::sockopt::last_endpoint);
    if (!o.publish.empty()) {
      pub_ = zmq::socket_t(context_, zmq::socket_type::pub);
      pub_.set(zmq::sockopt::linger, 0);
      pub_.set(zmq::sockopt::maxmsgsize, int64_t{1} << 16);  // subscribers send only subscriptions
      secure(pub_);
      if (!bind_private(pub_, o.publish, error)) return false;
      publishing_ = true;
    }
  } catch (const zmq::error_t& e) {
    error = "control sockets (" + o.endpoint + ", " + o.publish + "): " + e.what();
    return false;
  }
  return true;
}

void ControlServer::answer_zap() {
  // ZAP request: version, request id, domain, address, routing id, mechanism, credentials...
  std::vector<zmq::message_t> parts;
  do {
    parts.emplace_back();
    if (!zap_.recv(parts.back(), zmq::recv_flags::dontwait)) return;
  } while (parts.back().more());
  bool admit = parts.size() >= 7 && parts[5].to_string() == "CURVE" && allowed_.count(parts[6].to_string()) > 0;
  std::array<std::string, 6> answer = {"1.0", parts.size() > 1 ? parts[1].to_string() : "",
                                       admit ? "200" : "400", admit ? "OK" : "client key not allowed", "", ""};
  for (size_t i = 0; i < answer.size(); ++i) {
    zap_.send(zmq::buffer(answer[i]), i + 1 < answer.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
  }
}

void ControlServer::poll(int timeout_ms, ControlHandler& handler, int wake_fd) {
  std::vector<zmq::pollitem_t> items = {{rep_.handle(), 0, ZMQ_POLLIN, 0}};
  if (zap_) items.push_back({zap_.handle(), 0, ZMQ_POLLIN, 0});
  if (wake_fd >= 0) items.push_back({nullptr, wake_fd, ZMQ_POLLIN, 0});  // the caller reads it
  try {
    zmq::poll(items, std::chrono::milliseconds(timeout_ms));
  } catch (const zmq::error_t& e) {
    if (e.num() == EINTR) return;  // a signal: the caller checks why
    throw;
  }
  if (zap_ && (items[1].revents & ZMQ_POLLIN)) answer_zap();
  if (!(items[0].revents & ZMQ_POLLIN)) return;
  zmq::message_t request;
  if (!rep_.recv(request, zmq::recv_flags::dontwait)) return;
  bool multipart = false;
  while (request.more()) {  // a REP socket must take every part before it may answer
    zmq::message_t rest;
    if (!rep_.recv(rest, zmq::recv_flags::dontwait)) break;
    multipart = true;
    if (!rest.more()) break;
  }
  std::string reply = multipart ? handler.refuse("a request is one message part; this one had several")
                                : handler.handle(request.to_string_view());
  rep_.send(zmq::buffer(reply), zmq::send_flags::none);
}

void ControlServer::publish(std::string_view lines) {
  if (!publishing_ || lines.empty()) return;
  std::lock_guard lock(pub_mutex_);
  size_t at = 0;
  while (at < lines.size()) {
    size_t nl = std::min(lines.find('\n', at), lines.size());
    if (nl > at) {
      pub_.send(zmq::buffer(lines.substr(at, nl - at)), zmq::send_flags::dontwait);
      ++published_;
    }
    at = nl + 1;
  }
}

uint64_t ControlServer::published() const {
  std::lock_guard lock(pub_mutex_);
  return published_;
}

}  // namespace picket
