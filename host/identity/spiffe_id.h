// SPIFFE IDs (spiffe://trust-domain/path), validated as the SPIFFE ID specification says:
// scheme "spiffe" in lower case; a non-empty trust domain of lower-case letters, digits, '.',
// '-' and '_' (at most 255 bytes); an optional path of '/'-separated segments of letters,
// digits, '.', '-' and '_', none empty, "." or ".."; no trailing '/'; no port, userinfo,
// query or fragment; at most 2048 bytes in all.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace picket {

constexpr size_t kMaxSpiffeIdLength = 2048;
constexpr size_t kMaxTrustDomainLength = 255;

struct SpiffeIdError {
  size_t offset;  // of the offending byte in the text
  std::string message;
};

// nullopt when `id` is a valid SPIFFE ID.
std::optional<SpiffeIdError> check_spiffe_id(std::string_view id);

}  // namespace picket
