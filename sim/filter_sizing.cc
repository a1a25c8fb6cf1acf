#include "filter_sizing.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cmath>
#include <cstdio>
#include <map>
#include <random>
#include <set>
#include <unordered_map>

#include "device/table_bits.h"

namespace picket::sim {
namespace {

namespace tbl = hw::table;

constexpr unsigned kBeatBytes = 64;

struct Geometry {
  unsigned bits;       // each bitmap holds 2^bits bits
  unsigned hashes;     // bitmaps per bucket
  bool card = false;   // the card's own filter hashes (register_map.json), not the model's
};

// The geometries compared: the card's, and larger or more bitmaps under the model's hashes.
constexpr Geometry kGeometries[] = {
    {hw::kLiteralFilterBits, hw::kLiteralFilterHashes, true},
    {14, 1}, {15, 1}, {16, 1}, {17, 1}, {14, 2}, {15, 2}, {16, 2}, {14, 3}, {15, 3}, {16, 3}, {14, 4}, {15, 4}};

uint8_t fold(uint8_t b) { return b >= 'A' && b <= 'Z' ? b | 0x20 : b; }

// H3 with a 64-bit output, by bytes: byte j of the input with value v contributes
// column[j][v], so a hash is a handful of lookups. Geometry g's hash i is output bits
// [i * g.bits, (i + 1) * g.bits): disjoint bit ranges of one H3 are independent H3 hashes.
template <unsigned Bytes>
struct WideHash {
  std::array<std::array<uint64_t, 256>, Bytes> column;

  explicit WideHash(uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::array<std::array<uint64_t, 8>, Bytes> bit_column;  // per input bit
    for (auto& byte : bit_column) {
      for (uint64_t& c : byte) c = rng();
    }
    for (unsigned j = 0; j < Bytes; ++j) {
      for (unsigned v = 0; v < 256; ++v) {
        uint64_t h = 0;
        for (unsigned b = 0; b < 8; ++b) {
          if (v >> b & 1) h ^= bit_column[j][b];
        }
        column[j][v] = h;
      }
    }
  }

  // The card's H3 (register_map.h columns: output bit o is the parity of input & column o).
  template <size_t Bits>
  explicit WideHash(const std::array<std::array<uint64_t, 1>, Bits>& columns) {
    static_assert(Bits <= 64);
    for (unsigned j = 0; j < Bytes; ++j) {
      for (unsigned v = 0; v < 256; ++v) {
        uint64_t h = 0;
        for (unsigned o = 0; o < Bits; ++o) {
          h |= static_cast<uint64_t>(__builtin_parityll(columns[o][0] & (uint64_t{v} << (8 * j)))) << o;
        }
        column[j][v] = h;
      }
    }
  }

  // Over folded bytes, the first at p[0].
  uint64_t operator()(const uint8_t* p) const {
    uint64_t h = 0;
    for (unsigned j = 0; j < Bytes; ++j) h ^= column[j][p[j]];
    return h;
  }
};

struct Filter {
  Geometry g;
  std::vector<std::vector<bool>> bitmaps;  // [bucket * g.hashes + i]

  explicit Filter(Geometry geometry) : g(geometry), bitmaps(2 * geometry.hashes, std::vector<bool>(size_t{1} << g.bits)) {}

  uint32_t index(uint64_t h, unsigned i) const { return static_cast<uint32_t>(h >> (i * g.bits)) & ((1u << g.bits) - 1); }
  void add(unsigned bucket, uint64_t h) {
    for (unsigned i = 0; i < g.hashes; ++i) bitmaps[bucket * g.hashes + i][index(h, i)] = true;
  }
  bool hit(unsigned bucket, uint64_t h) const {
    for (unsigned i = 0; i < g.hashes; ++i) {
      if (!bitmaps[bucket * g.hashes + i][index(h, i)]) return false;
    }
    return true;
  }
  double fill(unsigned bucket) const {
    const auto& b = bitmaps[bucket * g.hashes];
    return double(std::count(b.begin(), b.end(), true)) / double(b.size());
  }
  // One copy per byte position of a beat, per bucket and hash, each with both banks; a
  // RAMB36 holds 32 Kibit (1,024 x 32).
  unsigned ramb36() const {
    const unsigned per_copy = std::max(1u, (2u << g.bits) / 32768u);
    return kBeatBytes * 2 * g.hashes * per_copy;
  }
};

struct Counts {
  uint64_t beats = 0, hits = 0, frames_over_lanes = 0, frames_handed = 0;
};

// The literal in slot `e` ending at frame byte `end` matches, as the card compares it.
bool exact(std::span<const uint32_t> e, const std::vector<uint8_t>& frame, size_t end) {
  if (!hw::get_field(e, tbl::literal_4::kValid)) return false;
  const unsigned len = static_cast<unsigned>(hw::get_field(e, tbl::literal_4::kLength));
  if (len < 1 || len > 8 || end + 1 < len) return false;
  const bool nocase = hw::get_field(e, tbl::literal_4::kNocase) != 0;
  const uint64_t bytes = hw::get_field(e, tbl::literal_4::kBytes);
  for (unsigned k = 0; k < len; ++k) {
    uint8_t b = frame[end + 1 - len + k];
    if (nocase) b = fold(b);
    if (b != static_cast<uint8_t>(bytes >> (8 * k))) return false;
  }
  return true;
}

}  // namespace

void print_filter_sizing(const std::string& what, const TableImage& image,
                         const std::vector<std::vector<Packet>>& captures) {
  const WideHash<4> hash4(0x5049434b45543034), card4(hw::kLiteral4FilterHashColumns);
  const WideHash<8> hash8(0x5049434b45543038), card8(hw::kLiteral8FilterHashColumns);
  std::vector<Filter> filters;
  for (Geometry g : kGeometries) filters.emplace_back(g);

  // The windows filed: bucket 0 hashes the last 4 bytes of a 4..7-byte P, bucket 1 all 8.
  size_t filed[2] = {0, 0};
  for (unsigned bucket = 0; bucket < 2; ++bucket) {
    const uint8_t table = bucket ? tbl::literal_8::kId : tbl::literal_4::kId;
    for (uint32_t slot = 0; slot < tbl::literal_4::kDepth; ++slot) {
      auto e = image.entry(table, slot);
      if (!hw::get_field(e, tbl::literal_4::kValid)) continue;
      const unsigned len = static_cast<unsigned>(hw::get_field(e, tbl::literal_4::kLength));
      const uint64_t bytes = hw::get_field(e, tbl::literal_4::kBytes);
      uint8_t key[8];
      const unsigned from = bucket ? 0 : len - 4;
      for (unsigned k = 0; k < (bucket ? 8u : 4u); ++k) key[k] = fold(static_cast<uint8_t>(bytes >> (8 * (from + k))));
      const uint64_t h = bucket ? hash8(key) : hash4(key), c = bucket ? card8(key) : card4(key);
      for (Filter& f : filters) f.add(bucket, f.g.card ? c : h);
      ++filed[bucket];
    }
  }

  std::vector<Counts> counts(filters.size());
  std::map<std::pair<unsigned, uint32_t>, uint64_t> frames_of_slot;  // frames each literal hit
  std::set<std::pair<unsigned, uint32_t>> hit_in_frame;
  std::set<std::pair<unsigned, uint32_t>> in_payload;  // listed at a place surely in the payload
  constexpr size_t kPayloadSure = 142;
  uint64_t frames = 0, frames_over_exact = 0;
  std::vector<uint8_t> folded;
  std::vector<unsigned> beat_hits(filters.size());
  std::vector<bool> over(filters.size());
  for (const auto& packets : captures) {
    for (const Packet& p : packets) {
      const std::vector<uint8_t>& b = p.bytes;
      ++frames;
      folded.resize(b.size());
      std::transform(b.begin(), b.end(), folded.begin(), fold);
      std::fill(over.begin(), over.end(), false);
      unsigned exact_hits = 0;
      hit_in_frame.clear();
      in_payload.clear();
      for (size_t beat = 0; beat * kBeatBytes < b.size(); ++beat) {
        std::fill(beat_hits.begin(), beat_hits.end(), 0);
        const size_t last = std::min(b.size(), (beat + 1) * kBeatBytes);
        for (size_t end = beat * kBeatBytes; end < last; ++end) {
          if (end < 3) continue;
          // Inside a run of one byte value no position is a candidate (hw/literal_prefilter.sv):
          // the 5 bytes ending here one value for the 4-byte bucket, 9 for the 8-byte one.
          auto run = [&](size_t from) { return std::all_of(b.begin() + from, b.begin() + end + 1, [&](uint8_t c) { return c == b[end]; }); };
          const bool in4 = end >= 4 && run(end - 4);
          const bool in8 = end >= 8 && run(end - 8);
          const uint64_t h4 = hash4(&folded[end - 3]), c4 = card4(&folded[end - 3]);
          const bool has8 = end >= 7 && !in8;
          const uint64_t h8 = has8 ? hash8(&folded[end - 7]) : 0, c8 = has8 ? card8(&folded[end - 7]) : 0;
          for (size_t i = 0; i < filters.size(); ++i) {
            const bool card = filters[i].g.card;
            beat_hits[i] += (!in4 && filters[i].hit(0, card ? c4 : h4)) + (has8 && filters[i].hit(1, card ? c8 : h8));
          }
          // Exact hits, at the card's own slots: they do not depend on the bitmaps.
          const uint32_t k4 = folded[end - 3] | folded[end - 2] << 8 | folded[end - 1] << 16 | uint32_t{folded[end]} << 24;
          const uint32_t s4 = hw::literal_4_hash(k4);
          auto e4 = image.entry(tbl::literal_4::kId, s4);
          // A literal with no final rule takes no more places in the frame's list once listed
          // past the longest headers (`once`, hw/literal_prefilter.sv).
          auto list = [&](std::span<const uint32_t> e, unsigned bucket, uint32_t slot) {
            hit_in_frame.insert({bucket, slot});
            if (hw::get_field(e, tbl::literal_4::kOnce) && in_payload.count({bucket, slot})) return;
            ++exact_hits;
            const size_t start = end + 1 - hw::get_field(e, tbl::literal_4::kLength);
            if (start >= kPayloadSure) in_payload.insert({bucket, slot});
          };
          if (!in4 && hw::get_field(e4, tbl::literal_4::kLength) < 8 && exact(e4, b, end)) list(e4, 0, s4);
          if (has8) {
            uint64_t k8 = 0;
            for (unsigned k = 0; k < 8; ++k) k8 |= uint64_t{folded[end - 7 + k]} << (8 * k);
            const uint32_t s8 = hw::literal_8_hash(k8);
            auto e8 = image.entry(tbl::literal_8::kId, s8);
            if (exact(e8, b, end)) list(e8, 1, s8);
          }
        }
        for (size_t i = 0; i < filters.size(); ++i) {
          counts[i].beats += 1;
          counts[i].hits += beat_hits[i];
          if (beat_hits[i] > hw::kBeatHits) over[i] = true;
        }
      }
      for (const auto& slot : hit_in_frame) ++frames_of_slot[slot];
      const bool too_many = exact_hits > hw::kFrameHits;
      frames_over_exact += too_many;
      for (size_t i = 0; i < filters.size(); ++i) {
        counts[i].frames_over_lanes += over[i];
        counts[i].frames_handed += over[i] || too_many;
      }
    }
  }

  auto pct = [&](uint64_t n) { return 100.0 * double(n) / double(std::max<uint64_t>(1, frames)); };
  std::printf("# bitmap sizing, %s: %zu literals filed (4-byte bucket %zu, 8-byte %zu), %llu frames; "
              "frames with more than %u exact hits %.2f %% whatever the bitmaps\n",
              what.c_str(), filed[0] + filed[1], filed[0], filed[1], static_cast<unsigned long long>(frames),
              hw::kFrameHits, pct(frames_over_exact));
  std::printf("%-22s %12s %9s %14s %20s %18s\n", "bitmaps per bucket", "fill 4 / 8", "RAMB36", "hits per beat",
              "frames over 8 lanes", "handed for hits");
  for (size_t i = 0; i < filters.size(); ++i) {
    const Filter& f = filters[i];
    char geometry[32], fill[32];
    std::snprintf(geometry, sizeof geometry, "%u x 2^%u bits%s", f.g.hashes, f.g.bits, f.g.card ? " (card)" : "");
    std::snprintf(fill, sizeof fill, "%.1f / %.1f %%", 100 * f.fill(0), 100 * f.fill(1));
    std::printf("%-22s %12s %9u %14.2f %18.2f %% %16.2f %%\n", geometry, fill, f.ramb36(),
                double(counts[i].hits) / double(std::max<uint64_t>(1, counts[i].beats)), pct(counts[i].frames_over_lanes),
                pct(counts[i].frames_handed));
  }

  // The literals in the most frames: what a rarer choice of fast pattern would spare.
  std::vector<std::pair<uint64_t, std::pair<unsigned, uint32_t>>> top;
  for (const auto& [slot, n] : frames_of_slot) top.push_back({n, slot});
  std::sort(top.rbegin(), top.rend());
  std::printf("literals in the most frames:");
  for (size_t i = 0; i < std::min<size_t>(12, top.size()); ++i) {
    auto e = image.entry(top[i].second.first ? tbl::literal_8::kId : tbl::literal_4::kId, top[i].second.second);
    const unsigned len = static_cast<unsigned>(hw::get_field(e, tbl::literal_4::kLength));
    const uint64_t bytes = hw::get_field(e, tbl::literal_4::kBytes);
    std::string text;
    for (unsigned k = 0; k < len; ++k) {
      const auto c = static_cast<uint8_t>(bytes >> (8 * k));
      char hex[8];
      std::snprintf(hex, sizeof hex, c >= 0x20 && c < 0x7f && c != '|' ? "%c" : "|%02x|", c);
      text += hex;
    }
    std::printf("%s \"%s\" %.1f %%", i ? "," : "", text.c_str(), pct(top[i].first));
  }
  std::printf("\n");
}

void print_common_grams(const std::vector<std::vector<Packet>>& captures, size_t count) {
  std::unordered_map<uint32_t, uint64_t> seen;
  uint64_t positions = 0;
  for (const auto& packets : captures) {
    for (const Packet& p : packets) {
      uint32_t gram = 0;
      for (size_t i = 0; i < p.bytes.size(); ++i) {
        gram = gram >> 8 | uint32_t{fold(p.bytes[i])} << 24;  // the first byte in bits 7..0
        if (i < 3) continue;
        ++seen[gram];
        ++positions;
      }
    }
  }
  std::vector<std::pair<uint64_t, uint32_t>> by_count;
  for (const auto& [gram, n] : seen) by_count.push_back({n, gram});
  std::sort(by_count.rbegin(), by_count.rend());
  by_count.resize(std::min(count, by_count.size()));
  std::vector<std::pair<uint32_t, unsigned>> table;
  for (const auto& [n, gram] : by_count) {
    table.push_back({gram, static_cast<unsigned>(std::lround(-4 * std::log2(double(n) / double(positions))))});
  }
  std::sort(table.begin(), table.end());
  std::printf("// %zu of %zu distinct 4-byte strings over %llu positions\n", table.size(), seen.size(),
              static_cast<unsigned long long>(positions));
  for (size_t i = 0; i < table.size(); ++i) {
    std::printf("{0x%08xu, %u},%s", table[i].first, table[i].second, i % 6 == 5 ? "\n" : " ");
  }
  std::printf("\n");
}

}  // namespace picket::sim
