// Times as operators write them in policy and identity files: RFC 3339 with a zone
// ("2023-11-14T22:15:00Z", "2023-11-14T23:15:00.5+01:00"). Nanoseconds since the Unix epoch.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace picket {

constexpr int64_t kNever = INT64_MAX;  // a not_after or until that never comes

// nullopt for malformed text, and for times outside what 64-bit nanoseconds hold (1677-2262).
std::optional<int64_t> parse_rfc3339(std::string_view text);
// "2023-11-14T22:13:20.123456+0000", the timestamp form of Suricata's EVE records.
std::string format_eve_time(int64_t ns);
std::string format_rfc3339(int64_t ns);
// "30s", "500ms", "5m", "2h", "1d", or a number of seconds, in milliseconds; nullopt otherwise.
std::optional<int64_t> parse_duration_ms(std::string_view text);

}  // namespace picket
