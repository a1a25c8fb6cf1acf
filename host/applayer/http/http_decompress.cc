#include "applayer/http/http_decompress.h"

#include <algorithm>

#include "base/text.h"

namespace picket {
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
  std::string in(body);
  bool any = false;
  for (int l = 0; l < layers; ++l) {
    BodyInflater layer;  // all of this layer's bytes at once
    std::string_view got;
    bool anew = false;
    if (!layer.update(in, limit, got, anew)) break;
    any = true;
    in.assign(got);
  }
  if (!any) return false;
  out.swap(in);
  return true;
}

BodyInflater::~BodyInflater() { close(); }

void BodyInflater::close() {
  if (mode_ != Mode::kNone) {
    inflateEnd(&z_);
    if (budget_) --budget_->open;
  }
  z_ = z_stream{};
  mode_ = Mode::kNone;
  stopped_ = member_ended_ = false;
  taken_ = 0;
  out_.clear();
  out_.shrink_to_fit();
  guess_.clear();
  guess_.shrink_to_fit();
}

bool BodyInflater::open(Mode mode) {
  close();
  if (inflateInit2(&z_, mode == Mode::kRaw ? -15 : 15 + 32) != Z_OK) return false;
  mode_ = mode;
  if (budget_) ++budget_->open;
  return true;
}

// Inflates the bytes not taken yet, until they run out, the stream ends or fails, or the output
// reaches the limit.
bool BodyInflater::feed(std::string_view body, size_t limit) {
  std::string_view in = body.substr(taken_);
  if (stopped_ || in.empty()) return true;
  if (member_ended_) {  // concatenated gzip members: the next one follows
    if (inflateReset(&z_) != Z_OK) {
      stopped_ = true;
      return true;
    }
    member_ended_ = false;
  }
  z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z_.avail_in = static_cast<uInt>(std::min<size_t>(in.size(), UINT32_MAX));
  char chunk[16384];
  bool failed = false;
  while (out_.size() < limit) {
    z_.next_out = reinterpret_cast<Bytef*>(chunk);
    z_.avail_out = sizeof chunk;
    const int rc = inflate(&z_, Z_NO_FLUSH);
    const size_t got = sizeof chunk - z_.avail_out;
    out_.append(chunk, std::min(got, limit - out_.size()));
    if (rc == Z_STREAM_END && mode_ == Mode::kFramed) {
      if (z_.avail_in == 0) {
        member_ended_ = true;
        break;
      }
      if (inflateReset(&z_) != Z_OK) {
        stopped_ = true;
        break;
      }
      continue;
    }
    if (rc == Z_STREAM_END) {
      stopped_ = true;
      member_ended_ = true;  // the raw stream ended cleanly
      break;
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      stopped_ = true;
      failed = out_.empty();
      break;
    }
    if (got == 0 && z_.avail_in == 0) break;  // wants more bytes
    if (rc == Z_BUF_ERROR) break;
  }
  if (out_.size() >= limit) stopped_ = true;
  taken_ = body.size() - z_.avail_in;
  return !failed;
}

bool BodyInflater::update(std::string_view body, size_t limit, std::string_view& out, bool& anew) {
  anew = false;
  if (mode_ == Mode::kNone || body.size() < taken_) {
    anew = mode_ != Mode::kNone;
    if (!open(Mode::kFramed)) return false;
  }
  if (mode_ == Mode::kFramed && !feed(body, limit)) {
    // The header is no gzip or zlib one: raw deflate, from the start.
    anew = true;
    if (!open(Mode::kRaw)) return false;
  }
  if (mode_ == Mode::kRaw) feed(body, limit);
  if (!out_.empty() || member_ended_) {
    out = out_;
    return true;
  }
  if (mode_ == Mode::kFramed && !stopped_) {
    // Nothing out of the framing yet, which more bytes may still give: for now these bytes
    // are tried as raw deflate, from the start, as a one-off.
    anew = true;
    BodyInflater raw;
    if (raw.open(Mode::kRaw)) {
      raw.feed(body, limit);
      if (!raw.out_.empty() || raw.member_ended_) {
        guess_.swap(raw.out_);
        out = guess_;
        return true;
      }
    }
  }
  return false;
}

}  // namespace picket
