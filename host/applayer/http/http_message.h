// The HTTP/1 buffers of one packet, for rules that inspect http.uri, http.header, ...
//
// Picket inspects packet by packet and does not reassemble streams: a packet whose payload
// starts with a request line ("GET /x HTTP/1.1") or a status line ("HTTP/1.1 200 OK") is parsed
// as the start of a message; its headers and the part of its body that the packet holds
// become the buffers. Packets that continue a message (the rest of a body) have no HTTP
// buffers.
//
//   request:  METHOD SP URI SP HTTP/x.y CRLF  (Name: value CRLF)*  CRLF  body...
//             (METHOD: 1 to 32 upper-case letters)
//   response: HTTP/x.y SP CODE [SP reason] CRLF  (Name: value CRLF)*  CRLF  body...
//
// Buffers follow Suricata's: http.uri is the URI with %XX decoded; http.header is each header
// as "Name: value\r\n"; http.header_names is "\r\nName\r\nName\r\n\r\n"; http.host is
// lower-cased; http.start is the start line and headers with the blank line; a chunked body
// is decoded.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "applayer/http/http_buffers.h"
#include "flow/flow_data.h"

namespace picket {

struct HttpMessage {
  HttpMessage() = default;
  HttpMessage(const HttpMessage&) = delete;  // buffers point into the message itself
  HttpMessage& operator=(const HttpMessage&) = delete;

  bool request = false;
  bool response = false;
  std::array<std::string_view, kMaxBuffers> buffers{};  // by BufferId, valid where `present` says
  uint64_t present = 0;                                  // bit b: buffer b is in this message

  // Parses the message `payload` starts with; false, with nothing present, when it starts
  // none. Views point into `payload` or into this object: both must outlive their use.
  // `end` is where the message ends in `payload` (its headers, and its body as far as
  // Content-Length says, or to the end of the payload), so a pipelined next message can follow.
  bool parse(std::string_view payload, size_t* end = nullptr);

  std::string_view get(BufferId b) const { return has(b) ? buffers[b] : std::string_view{}; }
  bool has(BufferId b) const { return (present >> b) & 1; }

 private:
  void clear();
  bool status_line(std::string_view start);
  bool request_line(std::string_view start);
  size_t headers(std::string_view payload, size_t pos, bool& complete);
  size_t body(std::string_view payload, size_t pos);
  size_t dechunk(std::string_view payload, size_t pos);  // into body_; returns where it ended
  void set(BufferId b, std::string_view v) {
    buffers[b] = v;
    present |= uint64_t{1} << b;
  }
  std::string uri_;
  std::string header_;
  std::string header_names_;
  std::string host_;
  std::string body_;  // a chunked body, decoded
};

// Every message a packet holds: pipelined requests ("GET /a ...\r\n\r\nGET /b ...") are
// inspected one by one, as Suricata inspects each transaction.
class HttpMessages {
 public:
  static constexpr size_t kMax = 8;
  // Returns how many messages the payload starts with (0: not HTTP).
  size_t parse(std::string_view payload);
  size_t size() const { return count_; }
  const HttpMessage& operator[](size_t i) const { return messages_[i]; }

 private:
  std::array<HttpMessage, kMax> messages_;
  size_t count_ = 0;
};

// HTTP's state on a flow (flow/flow_data.h): whether an HTTP message has been seen on it, so
// that `alert http` rules apply to the rest of it.
struct HttpFlow : FlowData {
  bool seen = false;
};
FlowSlot http_flow_slot();

}  // namespace picket
