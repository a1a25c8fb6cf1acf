// The HTTP/1 buffers of one packet, for rules that inspect http.uri, http.header, ...
//
// Picket inspects packet by packet and does not reassemble streams: a packet whose payload
// starts with a request line ("GET /x HTTP/1.1") or a status line ("HTTP/1.1 200 OK") is parsed
// as the start of a message; its headers and the part of its body that the packet holds
// become the buffers. Packets that continue a message (the rest of a body) have no HTTP
// buffers.
//
//   request:  METHOD SP URI SP HTTP/x.y CRLF  (Name: value CRLF)*  CRLF  body...
//   response: HTTP/x.y SP CODE [SP reason] CRLF  (Name: value CRLF)*  CRLF  body...
//
// Buffers follow Suricata's: http.uri is the URI with %XX decoded; http.header is each header
// as "Name: value\r\n"; http.header_names is "\r\nName\r\nName\r\n\r\n"; http.host is
// lower-cased; http.start is the start line and headers with the blank line.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "rules/rule.h"

namespace picket {

struct HttpMessage {
  HttpMessage() = default;
  HttpMessage(const HttpMessage&) = delete;  // buffers point into the message itself
  HttpMessage& operator=(const HttpMessage&) = delete;

  bool request = false;
  bool response = false;
  std::array<std::string_view, static_cast<size_t>(rules::Buffer::kCount)> buffers{};
  std::array<bool, static_cast<size_t>(rules::Buffer::kCount)> present{};

  // Parses `payload`; false, with nothing present, when it does not start an HTTP message.
  // Views point into `payload` or into this object: both must outlive their use.
  bool parse(std::string_view payload);

  std::string_view get(rules::Buffer b) const { return buffers[static_cast<size_t>(b)]; }
  bool has(rules::Buffer b) const { return present[static_cast<size_t>(b)]; }

 private:
  void clear();
  void set(rules::Buffer b, std::string_view v) {
    buffers[static_cast<size_t>(b)] = v;
    present[static_cast<size_t>(b)] = true;
  }
  std::string uri_;
  std::string header_;
  std::string header_names_;
  std::string host_;
};

}  // namespace picket
