#include "plan/settings.h"

#include <array>

namespace picket {
namespace {

constexpr std::string_view kMalformed = "--malformed";
constexpr std::string_view kActionOrder = "--action-order";
constexpr std::string_view kMidstream = "--midstream";
constexpr std::string_view kChecksums = "--checksums";

bool parse_action_order(std::string_view text, std::array<rules::Action, 4>& out) {
  using rules::Action;
  std::array<Action, 4> order{};
  size_t n = 0, i = 0;
  uint32_t seen = 0;
  while (i <= text.size()) {
    size_t comma = std::min(text.find(',', i), text.size());
    std::string_view item = text.substr(i, comma - i);
    Action a;
    if (item == "pass") a = Action::kPass;
    else if (item == "drop") a = Action::kDrop;
    else if (item == "reject") a = Action::kReject;
    else if (item == "alert") a = Action::kAlert;
    else return false;
    uint32_t bit = 1u << static_cast<int>(a);
    if ((seen & bit) || n == 4) return false;
    seen |= bit;
    order[n++] = a;
    i = comma + 1;
  }
  if (n != 4) return false;
  out = order;
  return true;
}

}  // namespace

bool is_engine_setting(std::string_view flag) {
  return flag == kMalformed || flag == kActionOrder || flag == kMidstream || flag == kChecksums;
}

bool engine_setting_takes_value(std::string_view flag) { return flag != kMidstream; }

bool apply_engine_setting(std::string_view flag, std::string_view value, EngineConfig& config, std::string& error) {
  if (flag == kMidstream) {
    config.flows.midstream = true;
    return true;
  }
  if (flag == kMalformed) {
    if (value != "drop" && value != "forward") {
      error = "--malformed takes drop or forward";
      return false;
    }
    config.drop_malformed = value == "drop";
    return true;
  }
  if (flag == kChecksums) {
    if (value == "validate") config.checksums = ChecksumMode::kValidate;
    else if (value == "drop") config.checksums = ChecksumMode::kDrop;
    else if (value == "none") config.checksums = ChecksumMode::kNone;
    else {
      error = "--checksums takes validate, drop or none";
      return false;
    }
    return true;
  }
  if (flag == kActionOrder) {
    if (!parse_action_order(value, config.action_order)) {
      error = "--action-order takes pass, drop, reject and alert, each once, comma-separated";
      return false;
    }
    return true;
  }
  error = "unknown engine setting " + quote(flag);
  return false;
}

EngineSettings engine_settings(const EngineConfig& config) {
  std::string order;
  for (rules::Action a : config.action_order) order += (order.empty() ? "" : ",") + std::string(rules::action_name(a));
  const char* checksums = config.checksums == ChecksumMode::kValidate ? "validate"
                          : config.checksums == ChecksumMode::kDrop   ? "drop"
                                                                       : "none";
  return {{"action-order", order},
          {"checksums", checksums},
          {"malformed", config.drop_malformed ? "drop" : "forward"},
          {"midstream", config.flows.midstream ? "on" : "off"}};
}

std::optional<std::string> settings_differ(const EngineSettings& image, const EngineSettings& here) {
  const EngineSettings defaults = engine_settings(EngineConfig{});
  for (const auto& [name, value] : here) {
    auto it = image.find(name);
    const std::string& theirs = it != image.end() ? it->second : defaults.at(name);
    if (theirs == value) continue;
    return "the image was compiled with --" + name + " " + theirs + ", this picketd runs with --" + name + " " +
           value + " (give picketc the same setting)";
  }
  return std::nullopt;
}

}  // namespace picket
