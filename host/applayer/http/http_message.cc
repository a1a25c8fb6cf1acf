#include "applayer/http/http_message.h"

#include "applayer/http/http_decompress.h"
#include "applayer/http/http_uri.h"
#include "base/text.h"

#include <array>

namespace picket {
namespace {

// A method's characters: RFC 9110's token characters. Servers take lower-case methods too.
bool is_token_char(char c) {
  if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}
bool is_letter(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool is_space(char c) { return c == ' ' || c == '\t'; }

// How much of a compressed response body is inflated for inspection.
constexpr size_t kMaxInflatedBody = size_t{1} << 20;

// The longest method a request line may have (the longest registered one, UPDATEREDIRECTREF,
// has 17 letters).
constexpr size_t kMaxMethodLength = 32;
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// "HTTP/d.d"
bool is_version(std::string_view s) {
  return s.size() == 8 && s.substr(0, 5) == "HTTP/" && is_digit(s[5]) && s[6] == '.' && is_digit(s[7]);
}

// The line at `pos` without its CR LF (or LF); `next` is where the following line starts,
// npos when the packet ends before the line does.
std::string_view line_at(std::string_view s, size_t pos, size_t& next) {
  size_t lf = s.find('\n', pos);
  if (lf == std::string_view::npos) {
    next = std::string_view::npos;
    return s.substr(pos);
  }
  next = lf + 1;
  size_t end = lf > pos && s[lf - 1] == '\r' ? lf - 1 : lf;
  return s.substr(pos, end - pos);
}


// The headers that have a buffer of their own.
struct NamedHeader {
  std::string_view name;
  BufferId buffer;
};
const std::array<NamedHeader, 12>& named_headers() {
  static const std::array<NamedHeader, 12> headers = [] {
    const HttpBuffers& b = http_buffers();
    return std::array<NamedHeader, 12>{{{"user-agent", b.user_agent},     {"cookie", b.cookie},
                                        {"content-type", b.content_type}, {"content-length", b.content_len},
                                        {"referer", b.referer},           {"accept", b.accept},
                                        {"accept-language", b.accept_lang}, {"accept-encoding", b.accept_enc},
                                        {"connection", b.connection},     {"location", b.location},
                                        {"server", b.server},             {"transfer-encoding", b.transfer_encoding}}};
  }();
  return headers;
}

// Whether `p` can start a message: "HTTP/", or a method of at most kMaxMethodLength token
// characters, starting with a letter, and a space or tab. Most TCP payloads (TLS, SSH, binary
// protocols) fail at the first byte, before any search for a line end; the full checks follow
// in parse(). `more` tells bytes that are too few to say yet.
bool may_start_message(std::string_view p, bool* more = nullptr) {
  if (more) *more = false;
  if (p.empty() || !is_letter(p[0])) return false;
  if (p.size() >= 5 && p.substr(0, 5) == "HTTP/") return true;
  for (size_t i = 1; i < p.size() && i <= kMaxMethodLength; ++i) {
    if (is_space(p[i])) return true;
    if (!is_token_char(p[i])) return false;
  }
  if (more) *more = p.size() <= kMaxMethodLength;
  return false;
}

}  // namespace

bool HttpMessage::may_start(std::string_view bytes) {
  bool more = false;
  if (may_start_message(bytes, &more)) return bytes.find('\n') == std::string_view::npos;
  return more;
}

void HttpMessage::clear() {
  request = response = complete = false;
  present = 0;  // the views are left as they are: get() reads only those present
  uri_.clear();
  header_.clear();
  header_names_.clear();
  host_.clear();
  body_.clear();
  inflated_.clear();
  layers_ = 0;
  chunked_ = false;
  body_form_ = BodyForm::kAsSent;
}

bool HttpMessage::parse(std::string_view p, size_t* end, BodyInflater* inflater) {
  clear();
  inflater_ = inflater;
  if (!may_start_message(p)) return false;
  size_t next = 0;
  std::string_view start = line_at(p, 0, next);
  if (next == std::string_view::npos) return false;  // not even a whole start line
  if (!(start.substr(0, 5) == "HTTP/" ? status_line(start) : request_line(start))) return false;
  if (request && !has(http_buffers().protocol)) {
    // HTTP/0.9: the request line is the whole request.
    set(http_buffers().start, p.substr(0, next));
    complete = true;
    if (end) *end = next;
    return true;
  }
  bool headers_complete = false;
  const size_t headers_end = headers(p, next, headers_complete);
  size_t message_end = headers_end;
  if (headers_complete) message_end = body(p, headers_end);
  if (end) *end = message_end;
  return true;
}

// HTTP/x.y SP CODE [SP reason], read as leniently as clients read it: the protocol runs to
// the first separator (space, tab, vertical tab, form feed or NUL: "HTTP/1.1\0 200"), any run
// of separators follows, and the code is a run of digits ("0200", "2040" too).
bool HttpMessage::status_line(std::string_view start) {
  auto separator = [](char c) { return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\0'; };
  size_t proto_end = 5;
  while (proto_end < start.size() && !separator(start[proto_end])) ++proto_end;
  size_t code = proto_end;
  while (code < start.size() && separator(start[code])) ++code;
  size_t code_end = code;
  while (code_end < start.size() && is_digit(start[code_end])) ++code_end;
  if (code == proto_end || code_end == code || code_end - code > 8 ||
      (code_end < start.size() && !separator(start[code_end]))) {
    return false;
  }
  size_t reason = code_end;
  while (reason < start.size() && separator(start[reason])) ++reason;
  const HttpBuffers& buf = http_buffers();
  response = true;
  set(buf.response_line, start);
  set(buf.protocol, start.substr(0, proto_end));
  set(buf.stat_code, start.substr(code, code_end - code));
  set(buf.stat_msg, start.substr(reason));
  return true;
}

// METHOD SP URI [SP HTTP/x.y], SP being any run of spaces and tabs; without a version, an
// HTTP/0.9 request, which only GET makes.
bool HttpMessage::request_line(std::string_view start) {
  size_t sp1 = 0;
  while (sp1 < start.size() && !is_space(start[sp1])) ++sp1;
  if (sp1 == 0 || sp1 > kMaxMethodLength || sp1 == start.size()) return false;
  std::string_view method = start.substr(0, sp1);
  if (!is_letter(method[0])) return false;
  for (char c : method) {
    if (!is_token_char(c)) return false;
  }
  std::string_view rest = start.substr(sp1);
  while (!rest.empty() && is_space(rest.front())) rest.remove_prefix(1);
  while (!rest.empty() && is_space(rest.back())) rest.remove_suffix(1);
  if (rest.empty()) return false;
  std::string_view raw_uri = rest, version;
  size_t last = rest.size();
  while (last > 0 && !is_space(rest[last - 1])) --last;
  if (last > 0) {
    version = rest.substr(last);
    if (!is_version(version)) return false;
    raw_uri = rest.substr(0, last);
    while (!raw_uri.empty() && is_space(raw_uri.back())) raw_uri.remove_suffix(1);
  } else if (!equals_nocase(method, "GET")) {
    return false;  // HTTP/0.9 had GET alone: other lines of two words are other protocols
  }
  const HttpBuffers& buf = http_buffers();
  request = true;
  set(buf.request_line, start);
  set(buf.method, method);
  if (!version.empty()) set(buf.protocol, version);
  set(buf.raw_uri, raw_uri);
  uri_ = normalize_uri(raw_uri);
  set(buf.uri, uri_);
  return true;
}

// Headers from `pos`, up to the blank line or the end of the packet; returns where they end
// (after the blank line when `ended`).
size_t HttpMessage::headers(std::string_view p, size_t pos, bool& ended) {
  const HttpBuffers& buf = http_buffers();
  const size_t headers_begin = pos;
  size_t next = 0;
  header_names_ = "\r\n";
  while (pos != std::string_view::npos && pos < p.size()) {
    std::string_view line = line_at(p, pos, next);
    // The blank line; one of only spaces ends the headers too, as clients read it (one of tabs
    // is an empty continuation).
    if (line.find_first_not_of(' ') == std::string_view::npos && next != std::string_view::npos) {
      ended = true;
      pos = next;
      break;
    }
    size_t colon = line.find(':');
    if (colon != std::string_view::npos && colon > 0) {
      std::string_view name = line.substr(0, colon);
      // "Content-Encoding : gzip": clients take a name with blanks before its colon.
      std::string_view bare = name;
      while (!bare.empty() && (bare.back() == ' ' || bare.back() == '\t')) bare.remove_suffix(1);
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
      while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
      header_.append(name).append(": ").append(value).append("\r\n");
      header_names_.append(name).append("\r\n");
      // Every Content-Encoding header adds its layers, and any Transfer-Encoding header that
      // says chunked (NULs dropped, any case) makes the body chunked: the reading clients take,
      // where an evasion would have the IPS read it otherwise.
      if (equals_nocase(bare, "content-encoding")) layers_ = std::min(2, layers_ + compression_layers(value));
      if (equals_nocase(bare, "transfer-encoding")) {
        std::string te;
        for (char c : value) {
          if (c != '\0') te.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
        }
        // "chunked", or "chunked;..." as some clients read it; "x chunked" or "chunked\r" is not.
        if (te.starts_with("chunked") && (te.size() == 7 || te[7] == ';')) chunked_ = true;
      }
      if (equals_nocase(bare, "host")) {
        set(buf.raw_host, value);
        host_ = ascii_lower(value);
      }
      for (const NamedHeader& h : named_headers()) {
        if (equals_nocase(bare, h.name)) set(h.buffer, value);
      }
    }
    pos = next;
  }
  const size_t headers_end = ended ? pos : p.size();
  header_names_.append("\r\n");
  set(buf.header, header_);
  set(buf.raw_header, p.substr(headers_begin, headers_end - headers_begin));
  set(buf.header_names, header_names_);
  set(buf.start, p.substr(0, headers_end));
  if (has(buf.raw_host)) set(buf.host, host_);
  return headers_end;
}

// The body from `pos`: Transfer-Encoding chunked is decoded; otherwise it runs for
// Content-Length bytes; a request with neither has none, a response runs to the end of the
// packet. Returns where the message ends.
size_t HttpMessage::body(std::string_view p, size_t pos) {
  const HttpBuffers& buf = http_buffers();
  std::string_view data;
  size_t message_end = pos;
  // An HTTP/0.9 response knows no transfer coding: its body is as Content-Length says.
  const bool http09 = response && get(buf.protocol) == "HTTP/0.9";
  if (chunked_ && !http09) {
    message_end = dechunk(p, pos);
    data = body_;
  } else {
    size_t length = p.size() - pos;
    complete = request;  // a request without a length has no body; a response runs to the close
    if (has(buf.content_len)) {
      std::string_view cl = get(buf.content_len);
      size_t n = 0;
      bool ok = !cl.empty() && cl.size() < 12;
      for (char c : cl) {
        if (!is_digit(c)) ok = false;
        n = n * 10 + static_cast<size_t>(c - '0');
      }
      if (ok) {
        complete = length >= n;
        length = std::min(length, n);
      }
    } else if (request) {
      length = 0;
    }
    data = p.substr(pos, length);
    message_end = pos + length;
  }
  // A compressed response body is inspected as the client reads it, inflated.
  if (response && !data.empty()) {
    if (inflate_ && layers_ == 1 && inflater_ && inflater_->usable()) {
      std::string_view out;
      bool anew = false;
      if (inflater_->update(data, kMaxInflatedBody, out, anew)) {
        data = out;
        body_form_ = anew ? BodyForm::kInflatedAnew : BodyForm::kInflated;
      }
    } else if (inflate_ && layers_ > 0 && inflate_body(data, layers_, kMaxInflatedBody, inflated_)) {
      data = inflated_;
      body_form_ = BodyForm::kInflated;
    }
  }
  if (!data.empty()) {
    set(request ? buf.request_body : buf.response_body, data);
    set(buf.file_data, data);
  }
  return message_end;
}

size_t HttpMessage::dechunk(std::string_view p, size_t pos) {
  //   SIZE-IN-HEX [;extension] CRLF  DATA CRLF  ...  0 CRLF  [trailers] CRLF
  while (pos < p.size()) {
    size_t next = 0;
    std::string_view line = line_at(p, pos, next);
    size_t size = 0, digits = 0;
    while (!line.empty() && (is_space(line.front()) || line.front() == '\r')) line.remove_prefix(1);  // clients skip it
    for (char c : line) {
      int v = hex_value(c);
      if (v < 0 || digits == 8) break;
      size = size * 16 + static_cast<size_t>(v);
      ++digits;
    }
    if (digits == 0 || next == std::string_view::npos) return p.size();  // not a chunk: stop here
    pos = next;
    if (size == 0) {  // last chunk; skip trailers up to the blank line
      while (pos < p.size()) {
        std::string_view trailer = line_at(p, pos, next);
        if (next == std::string_view::npos) return p.size();
        pos = next;
        if (trailer.empty()) {
          complete = true;
          break;
        }
      }
      return pos;
    }
    size_t take = std::min(size, p.size() - pos);
    body_.append(p.substr(pos, take));
    pos += take;
    if (pos >= p.size()) return p.size();
    line_at(p, pos, next);  // the CRLF after the data
    if (next == std::string_view::npos) return p.size();
    pos = next;
  }
  return pos;
}

size_t HttpMessages::parse(std::string_view payload, BodyInflater* first_inflater) {
  count_ = 0;
  consumed_ = 0;
  not_http_ = false;
  size_t pos = 0;
  while (count_ < kMax) {
    // Blank lines between pipelined messages are skipped, as servers and clients do (spaces
    // on them too: " \r\nHTTP/1.1 200").
    for (;;) {
      const size_t blank_end = payload.find_first_not_of(" \t", pos);
      if (blank_end >= payload.size() || (payload[blank_end] != '\r' && payload[blank_end] != '\n')) break;
      pos = blank_end + 1;
    }
    if (pos == payload.size()) {
      consumed_ = pos;
      break;
    }
    size_t end = 0;
    HttpMessage& m = messages_[count_];
    if (!m.parse(payload.substr(pos), &end, count_ == 0 ? first_inflater : nullptr)) {
      not_http_ = !HttpMessage::may_start(payload.substr(pos));
      break;
    }
    ++count_;
    if (!m.complete) break;  // the rest of it is still to come
    pos += end;
    consumed_ = pos;
  }
  return count_;
}

FlowSlot http_flow_slot() {
  static const FlowSlot slot = register_flow_slot("http");
  return slot;
}

}  // namespace picket
