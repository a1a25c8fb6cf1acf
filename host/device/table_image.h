// The table image: the contents of every data-plane table, plus the CONTROL bits they need.
// One format for every engine and tool: picketc writes it, the sim and xrt devices load it.
#pragma once

#include <array>
#include <map>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "plan/sources.h"
#include "register_map.h"

namespace picket {

struct TableImage {
  uint32_t format_version = hw::kRegmapVersion;
  uint32_t control = 0;
  std::string source;
  std::vector<SourceFile> sources;  // the files compiled, byte for byte (picketc -o)
  // The engine settings it was compiled for, by flag name: {"malformed", "forward"}, ...
  // (plan/settings.h). An image from before they were recorded has none: the defaults.
  std::map<std::string, std::string> settings;
  // Per table id: depth x words-per-entry words, entry i at [i * words, (i + 1) * words).
  std::array<std::vector<uint32_t>, hw::table::kCount> tables;

  TableImage();
  std::span<uint32_t> entry(uint8_t table, uint32_t index);
  std::span<const uint32_t> entry(uint8_t table, uint32_t index) const;
  uint64_t checksum() const;
};

// The image as Protobuf bytes, and back. Parsing refuses (nullopt, `error` says why) bytes that
// are not an image, another format version, a bad checksum, or regions outside the tables.
std::string serialize_table_image(const TableImage& image);
std::optional<TableImage> parse_table_image(const std::string& bytes, std::string& error);

bool write_table_image_file(const TableImage& image, const std::string& path, std::string& error);
std::optional<TableImage> read_table_image_file(const std::string& path, std::string& error);

}  // namespace picket
