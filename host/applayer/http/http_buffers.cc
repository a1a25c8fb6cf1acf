#include "applayer/http/http_buffers.h"

namespace picket {

// name, protocol, sticky buffer keywords, content modifiers, pcre flag, verbatim (a slice of the
// message as sent: the header values, the request and status lines; not the normalized URI,
// the lowercased host, the rebuilt header blocks or the bodies, which may be chunked or
// compressed)
HttpBuffers register_http_buffers(BufferRegistry& r) {
  HttpBuffers b;
  b.uri = r.add({"http.uri", "http", {"http.uri"}, {"http_uri"}, 'U'});
  b.raw_uri = r.add({"http.uri.raw", "http", {"http.uri.raw"}, {"http_raw_uri"}, 'I', true});
  b.method = r.add({"http.method", "http", {"http.method"}, {"http_method"}, 'M', true});
  b.request_line = r.add({"http.request_line", "http", {"http.request_line", "http_request_line"}, {}, 0, true});
  b.protocol = r.add({"http.protocol", "http", {"http.protocol", "http_protocol"}, {"http_version"}, 0, true});
  b.header = r.add({"http.header", "http", {"http.header"}, {"http_header"}, 'H'});
  b.raw_header = r.add({"http.header.raw", "http", {"http.header.raw"}, {"http_raw_header"}, 'D'});
  b.header_names = r.add({"http.header_names", "http", {"http.header_names", "http_header_names"}, {}, 0});
  b.start = r.add({"http.start", "http", {"http.start", "http_start"}, {}, 0});
  b.host = r.add({"http.host", "http", {"http.host"}, {"http_host"}, 'W'});
  b.raw_host = r.add({"http.host.raw", "http", {"http.host.raw"}, {"http_raw_host"}, 'Z', true});
  b.user_agent = r.add({"http.user_agent", "http", {"http.user_agent"}, {"http_user_agent"}, 'V', true});
  b.cookie = r.add({"http.cookie", "http", {"http.cookie"}, {"http_cookie", "http_raw_cookie"}, 'C', true});
  b.content_type = r.add({"http.content_type", "http", {"http.content_type", "http_content_type"}, {}, 0, true});
  b.content_len = r.add({"http.content_len", "http", {"http.content_len", "http_content_len"}, {}, 0, true});
  b.referer = r.add({"http.referer", "http", {"http.referer", "http_referer"}, {}, 0, true});
  b.accept = r.add({"http.accept", "http", {"http.accept", "http_accept"}, {}, 0, true});
  b.accept_lang = r.add({"http.accept_lang", "http", {"http.accept_lang", "http_accept_lang"}, {}, 0, true});
  b.accept_enc = r.add({"http.accept_enc", "http", {"http.accept_enc", "http_accept_enc"}, {}, 0, true});
  b.connection = r.add({"http.connection", "http", {"http.connection", "http_connection"}, {}, 0, true});
  b.location = r.add({"http.location", "http", {"http.location"}, {}, 0, true});
  b.server = r.add({"http.server", "http", {"http.server"}, {}, 0, true});
  b.request_body = r.add({"http.request_body", "http", {"http.request_body"}, {"http_client_body"}, 'P'});
  b.response_body = r.add({"http.response_body", "http", {"http.response_body"}, {"http_server_body"}, 0});
  b.file_data = r.add({"file.data", "http", {"file_data", "file.data"}, {}, 'Q'});
  b.stat_code = r.add({"http.stat_code", "http", {"http.stat_code"}, {"http_stat_code"}, 'S', true});
  b.stat_msg = r.add({"http.stat_msg", "http", {"http.stat_msg"}, {"http_stat_msg"}, 'Y', true});
  b.response_line = r.add({"http.response_line", "http", {"http.response_line", "http_response_line"}, {}, 0, true});
  b.transfer_encoding = r.add({"http.transfer_encoding", "http", {}, {}, 0});
  return b;
}

}  // namespace picket
