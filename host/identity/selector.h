// An identity selector, as policy statements and the src_identity/dst_identity rule keywords
// write it:
//
//   any                        every identity, unknown included
//   world                      the reserved identity operators bind to outside prefixes
//   unknown                    an address with no applying binding
//   spiffe://td/path           exactly that SPIFFE ID
//   spiffe://td/path/*         every SPIFFE ID below spiffe://td/path/
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace picket {

struct IdentitySelector {
  enum class Kind : uint8_t { kAny, kWorld, kUnknown, kExact, kPrefix };
  Kind kind = Kind::kAny;
  std::string id;  // kExact: the SPIFFE ID; kPrefix: the ID the "/*" follows

  struct Error {
    size_t offset;
    std::string message;
  };
  // The selector `text` says, or where and why it is not one.
  static IdentitySelector parse(std::string_view text, std::optional<Error>& error);

  // Whether an identity matches. `spiffe_id` is empty for the reserved identities, which
  // `reserved` names then ("unknown" or "world").
  bool matches(std::string_view spiffe_id, std::string_view reserved = {}) const;
  std::string to_string() const;
  bool operator==(const IdentitySelector&) const = default;
};

}  // namespace picket
