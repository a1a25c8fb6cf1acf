// Compressed HTTP bodies, as the HTTP-evader cases send them: each framing and each lenient
// Content-Encoding a browser accepts must reach the rules inflated, or the attack in the body
// passes unseen.
#include "applayer/http/http_decompress.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include "applayer/http/http_buffers.h"
#include "applayer/http/http_message.h"
#include "engine_fixture.h"
#include "testing/tcp_conversation.h"

namespace picket {
namespace {

constexpr std::string_view kEicar = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

// `text` compressed with zlib's deflate: window_bits 15 + 16 gzip, 15 zlib, -15 raw.
std::string compress(std::string_view text, int window_bits) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 9, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(text.size() + 128, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string response(std::string_view encoding, const std::string& body) {
  return "HTTP/1.1 200 OK\r\nContent-Encoding:" + std::string(encoding) + "\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

TEST(HttpDecompress, EveryFramingAndLenientHeaderIsInflated) {
  struct Case {
    std::string_view encoding;
    int window_bits;
  };
  for (Case c : {Case{" gzip", 31}, Case{"gzip x", 31}, Case{": gzip", 31}, Case{" deflate", 15},
                 Case{"deflate", -15}, Case{",deflate", 15}, Case{"deflate,identity", -15}, Case{" X-GZIP", 31}}) {
    const std::string wire = response(c.encoding, compress(kEicar, c.window_bits));
    HttpMessage m;  // holds views into `wire`
    ASSERT_TRUE(m.parse(wire)) << c.encoding;
    EXPECT_TRUE(m.complete);
    EXPECT_EQ(m.get(http_buffers().file_data), kEicar) << c.encoding << " " << c.window_bits;
    EXPECT_EQ(m.get(http_buffers().response_body), kEicar) << c.encoding;
  }
}

TEST(HttpDecompress, TwoLayersAndConcatenatedMembers) {
  const std::string layered = response("gzip, deflate", compress(compress(kEicar, 15), 31));
  HttpMessage m;
  ASSERT_TRUE(m.parse(layered));
  EXPECT_EQ(m.get(http_buffers().file_data), kEicar);
  const std::string half = std::string(kEicar.substr(0, 20)), rest = std::string(kEicar.substr(20));
  const std::string members = response("gzip", compress(half, 31) + compress(rest, 31));
  HttpMessage two;
  ASSERT_TRUE(two.parse(members));
  EXPECT_EQ(two.get(http_buffers().file_data), kEicar);
}

TEST(HttpDecompress, ABodyStillArrivingIsInflatedAsFarAsItGoes) {
  const std::string gz = compress(std::string(5000, 'a') + std::string(kEicar), 31);
  std::string p = response("gzip", gz);
  HttpMessage m;
  ASSERT_TRUE(m.parse(std::string_view(p).substr(0, p.size() - 4)));  // the trailer not yet here
  EXPECT_FALSE(m.complete);
  EXPECT_NE(m.get(http_buffers().file_data).find("EICAR-STANDARD"), std::string_view::npos);
}

TEST(HttpDecompress, NotCompressedAfterAllOrNotAsked) {
  const std::string lie = response("gzip", std::string(kEicar));  // says gzip, sends plain bytes
  HttpMessage liar;
  ASSERT_TRUE(liar.parse(lie));
  EXPECT_EQ(liar.get(http_buffers().file_data), kEicar);
  const std::string unasked = response("identity", compress(kEicar, 31));
  HttpMessage plain;
  ASSERT_TRUE(plain.parse(unasked));
  EXPECT_NE(plain.get(http_buffers().file_data), kEicar);  // nothing asked for inflating
  EXPECT_EQ(compression_layers("br"), 0);
  EXPECT_EQ(compression_layers("gzip,gzip,gzip"), 2);
}

TEST(HttpDecompress, ABombStopsAtTheLimit) {
  const std::string bomb = compress(std::string(8 << 20, 'a'), 31);
  std::string out;
  ASSERT_TRUE(inflate_body(bomb, 1, 1 << 16, out));
  EXPECT_EQ(out.size(), size_t{1} << 16);
}

// A body inflated as it arrives gives, for every prefix of the compressed bytes, what inflating
// that prefix from scratch gives: the engine relies on it to inflate each segment's bytes once.
TEST(HttpDecompress, InflatingAsItArrivesEqualsInflatingAnew) {
  const std::string text = std::string(kEicar) + std::string(20000, 'q') + "tail-marker";
  const std::string half = text.substr(0, 9000), rest = text.substr(9000);
  struct Case {
    std::string name;
    std::string bytes;
    size_t limit;
  };
  const std::vector<Case> cases = {
      {"gzip", compress(text, 31), size_t{1} << 20},
      {"zlib", compress(text, 15), size_t{1} << 20},
      {"raw deflate", compress(text, -15), size_t{1} << 20},
      {"two gzip members", compress(half, 31) + compress(rest, 31), size_t{1} << 20},
      {"plain bytes said to be gzip", text, size_t{1} << 20},
      {"cut at the limit", compress(text, 31), 5000},
      {"garbage after the stream", compress(text, 15) + "trailing junk", size_t{1} << 20},
  };
  for (const Case& c : cases) {
    for (size_t step : {size_t{1}, size_t{7}, size_t{1460}}) {
      BodyInflater inflater;
      std::string from_scratch;
      for (size_t n = std::min(step, c.bytes.size());; n = std::min(n + step, c.bytes.size())) {
        const std::string_view prefix = std::string_view(c.bytes).substr(0, n);
        const bool want = inflate_body(prefix, 1, c.limit, from_scratch);
        std::string_view got;
        bool anew = false;
        ASSERT_EQ(inflater.update(prefix, c.limit, got, anew), want) << c.name << " step " << step << " at " << n;
        if (want) {
          ASSERT_EQ(got, from_scratch) << c.name << " step " << step << " at " << n;
        }
        if (n == c.bytes.size()) break;
      }
    }
  }
}

// Through the engine: a compressed response over TCP is inflated for rules on its body, split
// over two segments as it arrives; with no rule on response bodies, the rules on the rest of
// the response still see their buffers.
TEST(HttpDecompress, TheEngineInflatesForBodyRules) {
  const std::string body = compress(std::string(kEicar) + std::string(3000, 'x'), 15 + 16);
  const std::string whole = response("gzip", body);
  for (bool body_rule : {true, false}) {
    testing_support::EngineUnderTest e(
        body_rule ? "alert http any any -> any any (file_data; content:\"EICAR-STANDARD\"; sid:1;)\n"
                  : "alert http any any -> any any (http.stat_code; content:\"200\"; sid:2;)\n");
    TcpConversation c("10.0.0.1", 40000, "10.0.0.2", 80);
    for (auto& f : c.handshake()) e.run(f);
    e.run(c.from_client("GET /f HTTP/1.1\r\nHost: h\r\n\r\n"));
    const size_t half = whole.size() - body.size() / 2;
    const std::vector<uint32_t> first = e.sids(e.run(c.from_server(whole.substr(0, half))));
    const std::vector<uint32_t> second = e.sids(e.run(c.from_server(whole.substr(half))));
    std::vector<uint32_t> all = first;
    all.insert(all.end(), second.begin(), second.end());
    EXPECT_EQ(all, std::vector<uint32_t>{body_rule ? 1u : 2u}) << body_rule;
  }
}

}  // namespace
}  // namespace picket
