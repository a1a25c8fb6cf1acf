#include "rules/buffers.h"

#include <algorithm>
#include <stdexcept>

namespace picket {
namespace {

bool has(const std::vector<std::string>& words, std::string_view w) {
  return std::find(words.begin(), words.end(), w) != words.end();
}

}  // namespace

BufferRegistry::BufferRegistry() { add({"pkt_data", "", {"pkt_data", "raw_data"}, {}, 0, true}); }

BufferId BufferRegistry::add(BufferSpec spec) {
  if (specs_.size() == kMaxBuffers) throw std::logic_error("more than kMaxBuffers inspection buffers");
  if (find(spec.name)) throw std::logic_error("buffer " + spec.name + " registered twice");
  for (const std::string& k : spec.sticky) {
    if (by_sticky(k)) throw std::logic_error("sticky buffer keyword " + k + " registered twice");
  }
  for (const std::string& k : spec.modifiers) {
    if (by_modifier(k)) throw std::logic_error("content modifier " + k + " registered twice");
  }
  if (spec.pcre_flag && by_pcre_flag(spec.pcre_flag)) throw std::logic_error("pcre buffer flag registered twice");
  specs_.push_back(std::move(spec));
  return static_cast<BufferId>(specs_.size() - 1);
}

std::optional<BufferId> BufferRegistry::find(std::string_view name) const {
  for (size_t i = 0; i < specs_.size(); ++i) {
    if (specs_[i].name == name) return static_cast<BufferId>(i);
  }
  return std::nullopt;
}

std::optional<BufferId> BufferRegistry::by_sticky(std::string_view keyword) const {
  for (size_t i = 0; i < specs_.size(); ++i) {
    if (has(specs_[i].sticky, keyword)) return static_cast<BufferId>(i);
  }
  return std::nullopt;
}

std::optional<BufferId> BufferRegistry::by_modifier(std::string_view keyword) const {
  for (size_t i = 0; i < specs_.size(); ++i) {
    if (has(specs_[i].modifiers, keyword)) return static_cast<BufferId>(i);
  }
  return std::nullopt;
}

std::optional<BufferId> BufferRegistry::by_pcre_flag(char flag) const {
  for (size_t i = 0; i < specs_.size(); ++i) {
    if (specs_[i].pcre_flag == flag) return static_cast<BufferId>(i);
  }
  return std::nullopt;
}

std::string_view buffer_name(BufferId id) { return buffers().spec(id).name; }

bool is_app_buffer(BufferId id) { return !buffers().spec(id).protocol.empty(); }

}  // namespace picket
