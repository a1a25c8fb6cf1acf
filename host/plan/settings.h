// The engine settings that change verdicts, spelt as picketd's flags: picketd and picketc parse
// them here, and a table image records them, so an image is judged under the settings it was
// compiled for or refused with the setting named.
//
//   flag               values                          default
//   --malformed        drop | forward                  drop
//   --action-order     pass, drop, reject, alert,      pass,drop,reject,alert
//                      each once, comma-separated
//   --midstream        (no value; recorded on | off)   off
//   --checksums        validate | drop | none          validate
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "pipeline/software_engine.h"

namespace picket {

// Whether `flag` ("--malformed") is one of these settings, and whether it takes a value.
bool is_engine_setting(std::string_view flag);
bool engine_setting_takes_value(std::string_view flag);

// Applies one flag (with its value, empty for --midstream) to `config`. False, with `error`
// saying what the flag takes, when the value is not one of its values.
bool apply_engine_setting(std::string_view flag, std::string_view value, EngineConfig& config, std::string& error);

// The settings of `config`, by flag name without "--": {"action-order", "checksums", "malformed",
// "midstream"}.
using EngineSettings = std::map<std::string, std::string>;
EngineSettings engine_settings(const EngineConfig& config);

// Why an image compiled under `image` may not be judged under `here`, naming the first setting
// that differs; nullopt when they agree. A setting the image does not record is its default.
std::optional<std::string> settings_differ(const EngineSettings& image, const EngineSettings& here);

}  // namespace picket
