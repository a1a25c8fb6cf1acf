#include "tools/trafgen/scenario.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "base/text.h"
#include "base/time_text.h"
#include "testing/packet_builder.h"
#include "testing/tcp_conversation.h"

namespace picket::trafgen {
namespace {

std::optional<double> number(std::string_view s) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  std::string t(s);
  char* end = nullptr;
  double v = std::strtod(t.c_str(), &end);
  if (*end || !std::isfinite(v) || v < 0) return std::nullopt;
  return v;
}

// Decodes a payload's escapes; on error, `bad` is the offset of the bad escape.
std::optional<std::string> unescape(std::string_view s, size_t& bad) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\') {
      out.push_back(s[i]);
      continue;
    }
    bad = i;
    if (++i >= s.size()) return std::nullopt;
    switch (s[i]) {
      case 'r': out.push_back('\r'); break;
      case 'n': out.push_back('\n'); break;
      case 't': out.push_back('\t'); break;
      case '\\': out.push_back('\\'); break;
      case 'x': {
        int hi = i + 1 < s.size() ? hex_value(s[i + 1]) : -1, lo = i + 2 < s.size() ? hex_value(s[i + 2]) : -1;
        if (hi < 0 || lo < 0) return std::nullopt;
        out.push_back(static_cast<char>(hi << 4 | lo));
        i += 2;
        break;
      }
      default: return std::nullopt;
    }
  }
  return out;
}

bool endpoint(std::string_view text, std::string& name, uint16_t& port) {
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  name = std::string(text.substr(0, colon));
  auto p = number(text.substr(colon + 1));
  if (!p || *p > 65535 || *p != std::floor(*p)) return false;
  port = static_cast<uint16_t>(*p);
  return true;
}

}  // namespace

const IpAddress* Scenario::host(const std::string& name) const {
  for (const auto& [n, a] : hosts) {
    if (n == name) return &a;
  }
  return nullptr;
}

std::optional<Scenario> parse_scenario(std::string_view text, const std::string& file, std::vector<Diagnostic>& errors) {
  Scenario s;
  size_t before = errors.size();
  Session* open = nullptr;
  bool started = false;
  for (LineReader lines(text); lines.next();) {
    std::string_view line = lines.line();
    uint32_t line_no = lines.number();
    std::vector<Word> t = split_words(line);
    if (t.empty()) continue;
    auto error = [&](uint32_t column, std::string message) {
      errors.push_back(Diagnostic::error({file, line_no, column}, std::move(message)));
    };
    std::string_view word = t[0].text;
    if (open) {
      if (word == ">" || word == "<") {
        // The payload is the rest of the line, '#' included.
        size_t from = t[0].column;
        while (from < line.size() && (line[from] == ' ' || line[from] == '\t')) ++from;
        std::string_view raw = line.substr(std::min(from, line.size()));
        size_t bad = 0;
        auto payload = unescape(raw, bad);
        if (!payload || payload->empty()) {
          error(static_cast<uint32_t>(from + 1 + bad),
                payload ? "empty payload" : "bad escape (use \\r \\n \\t \\\\ \\xHH)");
          continue;
        }
        open->steps.push_back({word == ">" ? Step::Kind::kClient : Step::Kind::kServer, *payload, 0});
      } else if (word == "wait") {
        auto secs = t.size() == 2 ? number(t[1].text) : std::nullopt;
        if (!secs) error(t.size() > 1 ? t[1].column : t[0].column, "expected 'wait SECONDS'");
        else open->steps.push_back({Step::Kind::kWait, {}, *secs});
      } else if (word == "end") {
        open = nullptr;
      } else {
        error(t[0].column, "expected '>', '<', 'wait' or 'end' inside a session");
      }
      continue;
    }
    if (word == "start") {
      auto ns = t.size() == 2 ? parse_rfc3339(t[1].text) : std::nullopt;
      if (!ns) error(t.size() > 1 ? t[1].column : t[0].column, "expected 'start RFC3339-TIME'");
      else s.start_ns = *ns, started = true;
    } else if (word == "host") {
      auto addr = t.size() == 3 ? IpAddress::parse(t[2].text) : std::nullopt;
      if (!addr) error(t.size() == 3 ? t[2].column : t[0].column, "expected 'host NAME ADDRESS'");
      else if (s.host(std::string(t[1].text))) error(t[1].column, "host '" + std::string(t[1].text) + "' is defined twice");
      else s.hosts.emplace_back(std::string(t[1].text), *addr);
    } else if (word == "session") {
      Session ses;
      ses.line = line_no;
      auto at = t.size() >= 6 ? number(t[1].text) : std::nullopt;
      if (!at || t[3].text != "->") {
        error(t[0].column, "expected 'session AT CLIENT:PORT -> SERVER:PORT tcp|udp [repeat N every SECONDS]'");
        continue;
      }
      ses.at = *at;
      if (!endpoint(t[2].text, ses.client, ses.client_port) || !s.host(ses.client)) {
        error(t[2].column, "expected a defined host and a port, NAME:PORT");
        continue;
      }
      if (!endpoint(t[4].text, ses.server, ses.server_port) || !s.host(ses.server)) {
        error(t[4].column, "expected a defined host and a port, NAME:PORT");
        continue;
      }
      if (s.host(ses.client)->is_v4() != s.host(ses.server)->is_v4()) {
        error(t[4].column, "client and server are of different address families");
        continue;
      }
      if (t[5].text != "tcp" && t[5].text != "udp") {
        error(t[5].column, "expected tcp or udp");
        continue;
      }
      ses.tcp = t[5].text == "tcp";
      if (t.size() > 6) {
        bool form = t.size() == 10 && t[6].text == "repeat" && t[8].text == "every";
        double n = form ? number(t[7].text).value_or(0) : 0;
        double every = form ? number(t[9].text).value_or(-1) : -1;
        if (n < 1 || n > 100000 || n != std::floor(n) || every < 0) {
          error(t[6].column, "expected 'repeat N every SECONDS' (N from 1 to 100000)");
          continue;
        }
        ses.repeat = static_cast<uint32_t>(n);
        ses.every = every;
      }
      s.sessions.push_back(std::move(ses));
      open = &s.sessions.back();
    } else {
      error(t[0].column, "expected 'start', 'host' or 'session'");
    }
  }
  if (open) errors.push_back(Diagnostic::error({file, open->line, 1}, "session is not closed with 'end'"));
  if (!started) errors.push_back(Diagnostic::error({file, 0, 0}, "no 'start TIME' line"));
  if (errors.size() != before) return std::nullopt;
  return s;
}

std::vector<TimedFrame> generate(const Scenario& s) {
  constexpr int64_t kMs = 1'000'000;
  std::vector<TimedFrame> out;
  for (const Session& ses : s.sessions) {
    std::string client = s.host(ses.client)->to_string(), server = s.host(ses.server)->to_string();
    for (uint32_t r = 0; r < ses.repeat; ++r) {
      int64_t t = s.start_ns + static_cast<int64_t>((ses.at + r * ses.every) * 1e9);
      auto port = static_cast<uint16_t>(ses.client_port + r);
      auto emit = [&](std::vector<uint8_t> f, int64_t gap_ms) {
        t += gap_ms * kMs;
        out.push_back({t, std::move(f)});
      };
      if (ses.tcp) {
        TcpConversation c(client, port, server, ses.server_port);
        emit(c.syn(), 0);
        emit(c.syn_ack(), 1);
        emit(c.ack_from_client(), 1);
        for (const Step& step : ses.steps) {
          if (step.kind == Step::Kind::kWait) {
            t += static_cast<int64_t>(step.seconds * 1e9);
          } else if (step.kind == Step::Kind::kClient) {
            emit(c.from_client(step.payload), 2);
            emit(c.ack_from_server(), 1);
          } else {
            emit(c.from_server(step.payload), 2);
            emit(c.ack_from_client(), 1);
          }
        }
        emit(c.fin_from_client(), 2);
        emit(c.fin_from_server(), 1);
        emit(c.ack_from_client(), 1);
      } else {
        for (const Step& step : ses.steps) {
          if (step.kind == Step::Kind::kWait) {
            t += static_cast<int64_t>(step.seconds * 1e9);
            continue;
          }
          bool from_client = step.kind == Step::Kind::kClient;
          PacketBuilder b;
          if (s.host(ses.client)->is_v4()) b.ipv4(from_client ? client : server, from_client ? server : client);
          else b.ipv6(from_client ? client : server, from_client ? server : client);
          b.udp(from_client ? port : ses.server_port, from_client ? ses.server_port : port).payload(step.payload);
          emit(b.build(), 2);
        }
      }
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const TimedFrame& a, const TimedFrame& b) { return a.timestamp_ns < b.timestamp_ns; });
  return out;
}

std::vector<Packet> generate_packets(const Scenario& s) {
  std::vector<Packet> packets;
  for (TimedFrame& f : generate(s)) {
    Packet p;
    p.wire_length = static_cast<uint32_t>(f.bytes.size());
    p.bytes = std::move(f.bytes);
    p.timestamp_ns = f.timestamp_ns;
    p.index = packets.size() + 1;
    packets.push_back(std::move(p));
  }
  return packets;
}

}  // namespace picket::trafgen
