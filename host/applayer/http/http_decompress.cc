#include "applayer/http/http_decompress.h"

#include <zlib.h>

#include <algorithm>

#include "base/text.h"

namespace picket {
namespace {

// One layer: gzip or zlib framing as the header says (inflateInit2 with 15 + 32), else raw
// deflate. Returns whether any bytes came out or the stream ended cleanly.
bool inflate_layer(std::string_view in, size_t limit, std::string& out, bool raw) {
  out.clear();
  z_stream z{};
  if (inflateInit2(&z, raw ? -15 : 15 + 32) != Z_OK) return false;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(std::min<size_t>(in.size(), UINT32_MAX));
  char chunk[16384];
  int rc = Z_OK;
  while (out.size() < limit) {
    z.next_out = reinterpret_cast<Bytef*>(chunk);
    z.avail_out = sizeof chunk;
    rc = inflate(&z, Z_NO_FLUSH);
    const size_t got = sizeof chunk - z.avail_out;
    out.append(chunk, std::min(got, limit - out.size()));
    if (rc == Z_STREAM_END && z.avail_in > 0 && !raw) {
      // Concatenated gzip members, as gzip writes them: the next one follows.
      if (inflateReset(&z) != Z_OK) break;
      continue;
    }
    if (rc != Z_OK || (got == 0 && z.avail_in == 0)) break;
  }
  inflateEnd(&z);
  return !out.empty() || rc == Z_STREAM_END;
}

}  // namespace

int compression_layers(std::string_view ce) {
  int layers = 0;
  size_t i = 0;
  while (i < ce.size() && layers < 2) {
    size_t j = i;
    auto word = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'; };
    while (j < ce.size() && word(ce[j])) ++j;
    std::string_view token = ce.substr(i, j - i);
    if (equals_nocase(token, "gzip") || equals_nocase(token, "x-gzip") || equals_nocase(token, "deflate") ||
        equals_nocase(token, "x-deflate")) {
      ++layers;
    }
    i = j == i ? j + 1 : j;
  }
  return layers;
}

bool inflate_body(std::string_view body, int layers, size_t limit, std::string& out) {
  out.clear();
  std::string in(body), layer;
  bool any = false;
  for (int l = 0; l < layers; ++l) {
    if (!inflate_layer(in, limit, layer, false) && !inflate_layer(in, limit, layer, true)) break;
    any = true;
    in.swap(layer);
  }
  if (!any) return false;
  out.swap(in);
  return true;
}

}  // namespace picket
