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

#include <zlib.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace picket {

// How many layers of gzip or deflate `content_encoding` names (0: none, at most 2).
int compression_layers(std::string_view content_encoding);

// Inflates `body` through `layers` layers into `out` (at most `limit` bytes); false, `out`
// empty, when its first bytes do not inflate at all.
bool inflate_body(std::string_view body, int layers, size_t limit, std::string& out);

// How many BodyInflaters may hold zlib state at once (each up to ~40 KB and its output, up to
// the limit), counted by those that share it.
struct InflaterBudget {
  size_t open = 0;
  size_t max = 64;
};

// One layer inflated as the body arrives: gzip or zlib framing as the header says, else raw
// deflate; concatenated gzip members one after another. A body still arriving is parsed again
// from its start on each segment; given the compressed bytes so far each time (they only
// grow), this inflates only those it has not taken yet, and gives what inflating them all at
// once gives (inflate_body is that, layer by layer).
class BodyInflater {
 public:
  BodyInflater() = default;
  ~BodyInflater();
  // The budget it counts itself in while it holds zlib state (none: no bound).
  void share(InflaterBudget* budget) { budget_ = budget; }
  // Whether update() may be called: it holds state already, or the budget has room.
  bool usable() const { return mode_ != Mode::kNone || !budget_ || budget_->open < budget_->max; }
  // Frees the zlib state and the output: the next update() starts from scratch.
  void close();
  BodyInflater(const BodyInflater&) = delete;
  BodyInflater& operator=(const BodyInflater&) = delete;

  // The body inflated so far (inflate_body's result and `out`); `anew` is set when the bytes
  // are not the ones given before continued (they are inflated from scratch), or when the
  // answer is a one-off guess that the next bytes may overturn.
  bool update(std::string_view body, size_t limit, std::string_view& out, bool& anew);

 private:
  enum class Mode : uint8_t { kNone, kFramed, kRaw };  // framed: a gzip or zlib header, or raw deflate
  bool open(Mode mode);
  bool feed(std::string_view body, size_t limit);  // false when the framing failed before any output
  z_stream z_{};
  Mode mode_ = Mode::kNone;
  bool stopped_ = false;       // an error, or the output limit: nothing more comes out
  bool member_ended_ = false;  // a gzip member ended at the last byte given: another may follow
  size_t taken_ = 0;           // bytes of the body given to zlib
  std::string out_;
  std::string guess_;          // a raw-deflate answer while the framing is undecided
  InflaterBudget* budget_ = nullptr;
};

}  // namespace picket
