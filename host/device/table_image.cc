#include "device/table_image.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "device/table_image.pb.h"

namespace picket {

TableImage::TableImage() {
  for (size_t t = 0; t < tables.size(); ++t) tables[t].assign(size_t{hw::kTables[t].depth} * hw::kTables[t].words, 0);
}

std::span<uint32_t> TableImage::entry(uint8_t table, uint32_t index) {
  unsigned w = hw::kTables[table].words;
  return std::span<uint32_t>(tables[table]).subspan(size_t{index} * w, w);
}

std::span<const uint32_t> TableImage::entry(uint8_t table, uint32_t index) const {
  unsigned w = hw::kTables[table].words;
  return std::span<const uint32_t>(tables[table]).subspan(size_t{index} * w, w);
}

uint64_t TableImage::checksum() const {
  uint64_t h = 0xcbf29ce484222325ULL;
  auto add = [&](uint32_t word) {
    for (int i = 0; i < 4; ++i) {
      h ^= (word >> (8 * i)) & 0xff;
      h *= 0x100000001b3ULL;
    }
  };
  add(format_version);
  add(control);
  for (char c : source) add(static_cast<uint8_t>(c));
  for (const auto& t : tables) {
    for (uint32_t w : t) add(w);
  }
  for (const SourceFile& f : sources) {
    add(static_cast<uint32_t>(f.kind));
    for (char c : f.name) add(static_cast<uint8_t>(c));
    add(0);
    for (char c : f.text) add(static_cast<uint8_t>(c));
    add(0);
  }
  for (const auto& [name, value] : settings) {
    for (char c : name) add(static_cast<uint8_t>(c));
    add(0);
    for (char c : value) add(static_cast<uint8_t>(c));
    add(0);
  }
  return h;
}

std::string serialize_table_image(const TableImage& image) {
  image::TableImage msg;
  msg.set_format_version(image.format_version);
  msg.set_control(image.control);
  msg.set_source(image.source);
  msg.set_checksum(image.checksum());
  for (const SourceFile& f : image.sources) {
    image::SourceFile& out = *msg.add_sources();
    out.set_kind(static_cast<image::SourceFile::Kind>(f.kind));
    out.set_name(f.name);
    out.set_text(f.text);
  }
  for (const auto& [name, value] : image.settings) (*msg.mutable_settings())[name] = value;
  for (uint8_t t = 0; t < hw::table::kCount; ++t) {
    const hw::TableShape& shape = hw::kTables[t];
    image::Region* region = nullptr;
    for (uint32_t i = 0; i < shape.depth; ++i) {
      std::span<const uint32_t> e = image.entry(t, i);
      bool zero = std::all_of(e.begin(), e.end(), [](uint32_t w) { return w == 0; });
      if (zero) {
        region = nullptr;
        continue;
      }
      if (!region) {
        region = msg.add_regions();
        region->set_table(t);
        region->set_first_entry(i);
        region->set_words_per_entry(shape.words);
      }
      for (uint32_t w : e) region->add_words(w);
    }
  }
  return msg.SerializeAsString();
}

std::optional<TableImage> parse_table_image(const std::string& bytes, std::string& error) {
  image::TableImage msg;
  if (!msg.ParseFromString(bytes)) {
    error = "not a table image (the bytes do not parse)";
    return std::nullopt;
  }
  if (msg.format_version() != hw::kRegmapVersion) {
    std::ostringstream s;
    s << "table image format 0x" << std::hex << msg.format_version() << ", this build reads 0x"
      << hw::kRegmapVersion << ": recompile it with this picketc";
    error = s.str();
    return std::nullopt;
  }
  TableImage image;
  image.control = msg.control();
  image.source = msg.source();
  for (int r = 0; r < msg.regions_size(); ++r) {
    const image::Region& region = msg.regions(r);
    if (region.table() >= hw::table::kCount) {
      error = "region " + std::to_string(r) + ": no table " + std::to_string(region.table());
      return std::nullopt;
    }
    const hw::TableShape& shape = hw::kTables[region.table()];
    uint64_t entries = region.words_size() / std::max(1u, region.words_per_entry());
    if (region.words_per_entry() != shape.words || region.words_size() % shape.words != 0 ||
        region.first_entry() + entries > shape.depth) {
      error = "region " + std::to_string(r) + " does not fit table " + shape.name;
      return std::nullopt;
    }
    std::copy(region.words().begin(), region.words().end(),
              image.tables[region.table()].begin() + size_t{region.first_entry()} * shape.words);
  }
  for (int i = 0; i < msg.sources_size(); ++i) {
    const image::SourceFile& f = msg.sources(i);
    if (!image::SourceFile::Kind_IsValid(f.kind())) {
      error = "source file " + std::to_string(i) + ": unknown kind " + std::to_string(f.kind());
      return std::nullopt;
    }
    image.sources.push_back({static_cast<SourceFile::Kind>(f.kind()), f.name(), f.text()});
  }
  for (const auto& [name, value] : msg.settings()) image.settings[name] = value;
  if (image.checksum() != msg.checksum()) {
    error = "table image checksum mismatch: the file is damaged";
    return std::nullopt;
  }
  return image;
}

bool write_table_image_file(const TableImage& image, const std::string& path, std::string& error) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  std::string bytes = serialize_table_image(image);
  if (!out.write(bytes.data(), static_cast<std::streamsize>(bytes.size())) || !out.flush()) {
    error = path + ": cannot write";
    return false;
  }
  return true;
}

std::optional<TableImage> read_table_image_file(const std::string& path, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = path + ": cannot open";
    return std::nullopt;
  }
  std::ostringstream s;
  s << in.rdbuf();
  auto image = parse_table_image(s.str(), error);
  if (!image) error = path + ": " + error;
  return image;
}

}  // namespace picket
