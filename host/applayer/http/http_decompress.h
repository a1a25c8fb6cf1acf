// HTTP bodies as the client reads them: a body its Content-Encoding says is gzip or deflate
// compressed is inflated before rules see it (http.response_body, file.data), as libhtp does.
//
// Servers and clients are lenient about the header, and evasions exploit that ("gzip x",
// ":gzip", ",deflate", "deflate,identity", deflate sent raw or with a zlib header): any
// gzip or deflate token asks for decoding, and the data says which framing it has (a gzip
// header, a zlib header, or raw deflate). Up to two layers are undone ("gzip,deflate").
// A body still arriving is inflated as far as it goes; bytes that do not inflate end the
// decoded body there; output past `limit` is cut (a compression bomb gets no further).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace picket {

// How many layers of gzip or deflate `content_encoding` names (0: none, at most 2).
int compression_layers(std::string_view content_encoding);

// Inflates `body` through `layers` layers into `out` (at most `limit` bytes); false, `out`
// empty, when its first bytes do not inflate at all.
bool inflate_body(std::string_view body, int layers, size_t limit, std::string& out);

}  // namespace picket
