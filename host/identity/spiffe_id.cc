#include "identity/spiffe_id.h"

namespace picket {
namespace {

bool trust_domain_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
}
bool path_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == '_';
}

}  // namespace

std::optional<SpiffeIdError> check_spiffe_id(std::string_view id) {
  constexpr std::string_view kScheme = "spiffe://";
  if (id.size() > kMaxSpiffeIdLength) {
    return SpiffeIdError{kMaxSpiffeIdLength, "SPIFFE ID longer than 2048 bytes"};
  }
  if (id.substr(0, kScheme.size()) != kScheme) {
    return SpiffeIdError{0, "SPIFFE ID must start with \"spiffe://\""};
  }
  size_t i = kScheme.size();
  size_t td_start = i;
  while (i < id.size() && id[i] != '/') {
    char c = id[i];
    if (!trust_domain_char(c)) {
      std::string what = c == ':' ? "a port" : c == '@' ? "userinfo" : c == '?' ? "a query"
                         : c == '#' ? "a fragment" : (c >= 'A' && c <= 'Z') ? "upper case"
                                                                            : "this character";
      return SpiffeIdError{i, "trust domain cannot contain " + what + " ('" + std::string(1, c) + "')"};
    }
    ++i;
  }
  if (i == td_start) return SpiffeIdError{i, "SPIFFE ID has an empty trust domain"};
  if (i - td_start > kMaxTrustDomainLength) {
    return SpiffeIdError{td_start, "trust domain longer than 255 bytes"};
  }
  while (i < id.size()) {  // at a '/'
    size_t seg = ++i;
    while (i < id.size() && id[i] != '/') {
      if (!path_char(id[i])) {
        char c = id[i];
        std::string what = c == '?' ? "a query" : c == '#' ? "a fragment" : "this character";
        return SpiffeIdError{i, "path cannot contain " + what + " ('" + std::string(1, c) + "')"};
      }
      ++i;
    }
    std::string_view segment = id.substr(seg, i - seg);
    if (segment.empty()) {
      return SpiffeIdError{seg, i == id.size() ? "SPIFFE ID cannot end with '/'"
                                               : "path has an empty segment"};
    }
    if (segment == "." || segment == "..") {
      return SpiffeIdError{seg, "path segment cannot be '.' or '..'"};
    }
  }
  return std::nullopt;
}

}  // namespace picket
