// Where a problem is, and what it is: every parser of outside input (rules, variables,
// identities, policy) reports through these, as `file:line:column: severity: message`.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace picket {

struct SourceLocation {
  std::string file;
  uint32_t line = 0;    // 1-based; 0 when unknown
  uint32_t column = 0;  // 1-based; 0 when unknown

  std::string to_string() const;
};

enum class Severity : uint8_t { kError, kWarning };

struct Diagnostic {
  Severity severity = Severity::kError;
  SourceLocation location;
  std::string message;
  // For a skipped rule: why, as a short key to count by ("keyword flowbits",
  // "protocol dns", "undefined variable"). Empty for errors.
  std::string skip_reason;
  uint32_t sid = 0;  // the rule's sid when it is known

  static Diagnostic error(SourceLocation where, std::string message) {
    Diagnostic d;
    d.location = std::move(where);
    d.message = std::move(message);
    return d;
  }

  std::string to_string() const;
};

// Thrown by parsers at the first problem of one item; the caller turns it into a Diagnostic.
class ParseError : public std::runtime_error {
 public:
  ParseError(size_t at, std::string message) : std::runtime_error(std::move(message)), offset(at) {}
  size_t offset;  // byte offset in the text being parsed
};

}  // namespace picket
