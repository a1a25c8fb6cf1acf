// The HTTP/1 buffers, as the HTTP parser registers them (rules/buffers.h) and fills them
// (applayer/http/http_message.h). Names and keywords follow Suricata's (http.uri, http_uri,
// pcre /U) and Snort 3's.
#pragma once

#include "rules/buffers.h"

namespace picket {

struct HttpBuffers {
  BufferId uri = 0;  // normalized request URI
  BufferId raw_uri = 0;
  BufferId method = 0;
  BufferId request_line = 0;
  BufferId protocol = 0;
  BufferId header = 0;  // normalized headers
  BufferId raw_header = 0;
  BufferId header_names = 0;
  BufferId start = 0;  // request or response line and headers
  BufferId host = 0;
  BufferId raw_host = 0;
  BufferId user_agent = 0;
  BufferId cookie = 0;
  BufferId content_type = 0;
  BufferId content_len = 0;
  BufferId referer = 0;
  BufferId accept = 0;
  BufferId accept_lang = 0;
  BufferId accept_enc = 0;
  BufferId connection = 0;
  BufferId location = 0;
  BufferId server = 0;
  BufferId request_body = 0;
  BufferId response_body = 0;
  BufferId file_data = 0;  // the body of the HTTP message in the packet's direction
  BufferId stat_code = 0;
  BufferId stat_msg = 0;
  BufferId response_line = 0;
  BufferId transfer_encoding = 0;  // not a rule keyword: the HTTP parser's view of Transfer-Encoding
};

// Registers HTTP's buffers and their keywords in `registry`.
HttpBuffers register_http_buffers(BufferRegistry& registry);

// HTTP's buffer ids in buffers() (registered by detect/buffer_setup.cc).
const HttpBuffers& http_buffers();

}  // namespace picket
