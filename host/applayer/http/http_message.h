// The HTTP/1 buffers of one message, for rules that inspect http.uri, http.header, ...
//
// Messages are parsed from a TCP stream (SoftwareEngine::parse_http says which bytes): a request
// line or a status line starts a message; its headers and as much of its body as has arrived
// become the buffers, and it is `complete` once its headers and its body (as Content-Length or
// the chunked encoding say; a request with neither has none) are all there.
//
//   request:  METHOD SP URI [SP HTTP/x.y] CRLF  (Name: value CRLF)*  CRLF  body...
//             (METHOD: up to 32 token characters from a letter, any case; SP: spaces or
//             tabs; without a version, an HTTP/0.9 GET: the line is all of it)
//   response: HTTP/x.y SP CODE [SP reason] CRLF  (Name: value CRLF)*  CRLF  body...
//
// Buffers follow Suricata's: http.uri is the URI normalised as libhtp does (http_uri.h);
// http.header is each header as "Name: value\r\n"; http.header_names is
// "\r\nName\r\nName\r\n\r\n"; http.host is lower-cased; http.start is the start line and
// headers with the blank line; a chunked body is decoded, and a response body compressed with
// gzip or deflate inflated.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "applayer/http/http_buffers.h"
#include "applayer/http/http_decompress.h"
#include "flow/flow_data.h"

namespace picket {

struct HttpMessage {
  HttpMessage() = default;
  HttpMessage(const HttpMessage&) = delete;  // buffers point into the message itself
  HttpMessage& operator=(const HttpMessage&) = delete;

  bool request = false;
  bool response = false;
  bool complete = false;  // the headers and the whole body are in the bytes parsed
  std::array<std::string_view, kMaxBuffers> buffers{};  // by BufferId, valid where `present` says
  uint64_t present = 0;                                  // bit b: buffer b is in this message

  // Parses the message `payload` starts with; false, with nothing present, when it starts
  // none. Views point into `payload` or into this object: both must outlive their use.
  // `end` is where the message ends in `payload` (its headers, and its body as far as
  // Content-Length says, or to the end of the payload), so a pipelined next message can follow.
  // With `inflater` (the one kept for this message while it arrives), a compressed body of one
  // layer is inflated from where the last parse of it left off.
  bool parse(std::string_view payload, size_t* end = nullptr, BodyInflater* inflater = nullptr);
  // Whether a compressed response body is inflated (the default) or left as it came: the
  // engine inflates only when a rule reads response bodies.
  void inflate_bodies(bool on) { inflate_ = on; }

  // Whether `bytes` could still become the start of a message once more of them arrive.
  static bool may_start(std::string_view bytes);

  std::string_view get(BufferId b) const { return has(b) ? buffers[b] : std::string_view{}; }
  // What the body buffers hold: the body as it came, or inflated; kInflatedAnew says the
  // inflated bytes do not continue those an earlier parse of this message gave.
  enum class BodyForm : uint8_t { kAsSent, kInflated, kInflatedAnew };
  BodyForm body_form() const { return body_form_; }
  bool has(BufferId b) const { return (present >> b) & 1; }

 private:
  void clear();
  bool status_line(std::string_view start);
  bool request_line(std::string_view start);
  size_t headers(std::string_view payload, size_t pos, bool& ended);
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
  std::string inflated_;  // a compressed response body, inflated (applayer/http/http_decompress.h)
  int layers_ = 0;        // gzip/deflate layers the Content-Encoding headers name
  bool inflate_ = true;
  BodyForm body_form_ = BodyForm::kAsSent;
  BodyInflater* inflater_ = nullptr;
  bool chunked_ = false;  // a Transfer-Encoding header says chunked
};

// The messages a run of bytes holds, one after another: pipelined requests ("GET /a
// ...\r\n\r\nGET /b ...") are inspected one by one, as Suricata inspects each transaction.
// Parsing stops after a message that is not complete yet.
class HttpMessages {
 public:
  static constexpr size_t kMax = 8;
  // Returns how many messages the bytes hold (0: none). `first_inflater` is the first
  // message's (HttpMessage::parse).
  size_t parse(std::string_view bytes, BodyInflater* first_inflater = nullptr);
  void inflate_bodies(bool on) {
    for (HttpMessage& m : messages_) m.inflate_bodies(on);
  }
  size_t size() const { return count_; }
  const HttpMessage& operator[](size_t i) const { return messages_[i]; }
  // Where in the bytes the complete messages end: the next message starts there.
  size_t consumed() const { return consumed_; }
  // The bytes at consumed() are not the start of an HTTP message, however many more come.
  bool not_http() const { return not_http_; }

 private:
  std::array<HttpMessage, kMax> messages_;
  size_t count_ = 0;
  size_t consumed_ = 0;
  bool not_http_ = false;
};

// HTTP's state on one direction of a TCP stream: where the message being received starts,
// and the rules already recorded on it, so each rule is recorded once per message however
// many segments the message takes.
struct HttpDirection {
  uint64_t message_start = 0;   // stream offset of the first message not complete yet
  bool not_http = false;        // the direction's bytes are not HTTP (or were lost): no more parsing
  std::vector<uint32_t> fired;  // rules recorded on the message at message_start
  size_t body_seen = 0;         // its body bytes the rules were tried on
  HttpMessage::BodyForm body_form = HttpMessage::BodyForm::kAsSent;  // the form those bytes had
  std::vector<uint32_t> body_candidates;  // the rules its body's literals name (SignatureSet::Notes)
  BodyInflater inflater;        // its compressed body's inflation so far
  uint32_t stream_restarts = 0; // the stream's restarts (StreamSide::restarts) it has followed

  // Back to the start of a stream: nothing parsed, nothing recorded.
  void restart(uint32_t restarts) {
    message_start = 0;
    not_http = false;
    fired.clear();
    body_seen = 0;
    body_form = HttpMessage::BodyForm::kAsSent;
    body_candidates.clear();
    inflater.close();
    stream_restarts = restarts;
  }
};

// HTTP's state on a flow (flow/flow_data.h): whether an HTTP message has been seen on it, so
// that `alert http` rules apply to the rest of it, and each direction's parsing.
struct HttpFlow : FlowData {
  bool seen = false;
  HttpDirection directions[2];  // by Direction of the sender
};
FlowSlot http_flow_slot();

}  // namespace picket
