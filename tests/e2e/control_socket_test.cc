// The control API over its real socket, against a real picketd forwarding frames from a
// net_null port: bad bytes get an error reply while the daemon keeps its tables and keeps
// forwarding; with CURVE keys, only listed clients are answered.
//
// Arguments come from the build: PICKETD and POLICY_DIR.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "control/control.pb.h"
#include "control/control_handler.h"

namespace picket {
namespace {

namespace fs = std::filesystem;

struct KeyPair {
  std::string public_key, secret_key;
};

KeyPair make_keys() {
  std::array<char, 41> pub{}, sec{};
  EXPECT_EQ(zmq_curve_keypair(pub.data(), sec.data()), 0);
  return {pub.data(), sec.data()};
}

void write_file(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }

// A picketd inline on one net_null port (which receives frames as fast as it is asked).
class Daemon {
 public:
  Daemon(const std::string& name, std::vector<std::string> extra) {
    dir_ = fs::temp_directory_path() / ("picket-control-" + name + "-" + std::to_string(getpid()));
    fs::create_directories(dir_);
    endpoint_ = "ipc://" + (dir_ / "control").string();
    std::vector<std::string> args = {PICKETD, "-q", "--engine", "sw", "-S", std::string(POLICY_DIR) + "/demo.rules",
                                     "--eve", "-", "--control", endpoint_, "--publish", "none", "--ports", "0"};
    args.insert(args.end(), extra.begin(), extra.end());
    for (const char* a : {"--", "--no-huge", "--no-pci", "--no-shconf", "-m", "256", "--log-level", "lib.eal:error",
                          "-l", "0-1", "--vdev", "net_null0"}) {
      args.emplace_back(a);
    }
    pid_ = fork();
    if (pid_ == 0) {
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      freopen((dir_ / "log").c_str(), "w", stdout);
      freopen((dir_ / "log").c_str(), "a", stderr);
      execv(argv[0], argv.data());
      _exit(127);
    }
  }
  ~Daemon() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
    fs::remove_all(dir_);
  }
  const std::string& endpoint() const { return endpoint_; }
  const fs::path& dir() const { return dir_; }

 private:
  fs::path dir_;
  std::string endpoint_;
  pid_t pid_ = -1;
};

// One request, as bytes, on a fresh REQ socket; nullopt when no reply comes in time.
std::optional<control::Reply> ask(const std::string& endpoint, const std::string& bytes, const KeyPair* client = nullptr,
                                  const std::string& server_key = "", int timeout_ms = 3000) {
  zmq::context_t context(1);
  zmq::socket_t socket(context, zmq::socket_type::req);
  socket.set(zmq::sockopt::rcvtimeo, timeout_ms);
  socket.set(zmq::sockopt::linger, 0);
  if (client) {
    socket.set(zmq::sockopt::curve_serverkey, server_key);
    socket.set(zmq::sockopt::curve_publickey, client->public_key);
    socket.set(zmq::sockopt::curve_secretkey, client->secret_key);
  }
  socket.connect(endpoint);
  socket.send(zmq::buffer(bytes), zmq::send_flags::none);
  zmq::message_t m;
  if (!socket.recv(m)) return std::nullopt;
  control::Reply reply;
  EXPECT_TRUE(reply.ParseFromArray(m.data(), static_cast<int>(m.size())));
  return reply;
}

std::string command(void (*set)(control::Request&), uint32_t version = kControlVersion) {
  control::Request r;
  r.set_version(version);
  set(r);
  return r.SerializeAsString();
}

std::string health() { return command([](control::Request& r) { r.mutable_health(); }); }
std::string counters() { return command([](control::Request& r) { r.mutable_counters(); }); }

// Waits for the daemon to answer (the EAL takes a moment to start).
std::optional<control::Reply> wait_up(const std::string& endpoint, const KeyPair* client = nullptr,
                                      const std::string& server_key = "") {
  for (int i = 0; i < 100; ++i) {
    if (auto r = ask(endpoint, health(), client, server_key, 300)) return r;
  }
  return std::nullopt;
}

uint64_t forwarded(const std::string& endpoint) {
  auto r = ask(endpoint, counters());
  return r ? r->counters().forwarded() : 0;
}

TEST(ControlSocket, BadMessagesGetErrorRepliesAndTheDaemonKeepsForwarding) {
  Daemon d("bad", {"--identities", std::string(POLICY_DIR) + "/demo.identities"});
  auto up = wait_up(d.endpoint());
  ASSERT_TRUE(up) << "picketd did not answer; its log is in " << d.dir();
  const uint32_t generation = up->health().generation();
  const uint32_t bindings = up->health().bindings();

  control::Request bad_binding;
  bad_binding.set_version(kControlVersion);
  auto* b = bad_binding.mutable_upsert()->add_bindings();
  b->set_identity("spiffe://demo.picket/api");
  b->set_prefix("300.1.2.3");
  const std::vector<std::pair<std::string, control::Error::Code>> cases = {
      {"garbage \xff\xfe\x01 not protobuf", control::Error::BAD_MESSAGE},
      {command([](control::Request& r) { r.mutable_health(); }, 99), control::Error::BAD_VERSION},
      {std::string(kMaxRequestBytes + 16, 'x'), control::Error::BAD_MESSAGE},
      {command([](control::Request&) {}), control::Error::UNKNOWN_COMMAND},
      {bad_binding.SerializeAsString(), control::Error::INVALID},
  };
  uint64_t before = forwarded(d.endpoint());
  for (const auto& [bytes, code] : cases) {
    auto reply = ask(d.endpoint(), bytes, nullptr, "", 10000);
    ASSERT_TRUE(reply) << "no reply to a bad message (code " << code << ")";
    EXPECT_FALSE(reply->ok());
    EXPECT_EQ(reply->error().code(), code) << reply->error().message();
    EXPECT_EQ(reply->generation(), generation);
  }
  auto after = ask(d.endpoint(), health());
  ASSERT_TRUE(after);
  EXPECT_EQ(after->health().state(), "running");
  EXPECT_EQ(after->health().generation(), generation);
  EXPECT_EQ(after->health().bindings(), bindings);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_GT(forwarded(d.endpoint()), before);  // frames still flow
}

TEST(ControlSocket, WithCurveKeysOnlyListedClientsAreAnswered) {
  KeyPair server = make_keys(), listed = make_keys(), stranger = make_keys();
  fs::path keys = fs::temp_directory_path() / ("picket-keys-" + std::to_string(getpid()));
  fs::create_directories(keys);
  write_file(keys / "server.key", "# the daemon's secret key\n" + server.secret_key + "\n");
  write_file(keys / "allow", "# clients\n" + listed.public_key + "\n");
  Daemon d("curve", {"--curve-key", (keys / "server.key").string(), "--curve-allow", (keys / "allow").string()});
  auto up = wait_up(d.endpoint(), &listed, server.public_key);
  ASSERT_TRUE(up) << "the listed client got no answer; the log is in " << d.dir();
  EXPECT_TRUE(up->ok());
  EXPECT_FALSE(ask(d.endpoint(), health(), &stranger, server.public_key, 500)) << "an unlisted key was answered";
  EXPECT_FALSE(ask(d.endpoint(), health(), nullptr, "", 500)) << "a client without CURVE was answered";
  EXPECT_TRUE(ask(d.endpoint(), health(), &listed, server.public_key));  // and the listed one still is
  fs::remove_all(keys);
}

}  // namespace
}  // namespace picket
