// Where a problem is, and what it is: every parser of outside input (rules, variables,
// identities, policy) reports through these, as `file:line:column: severity: message`.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

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

// A piece of outside input for a message, in single quotes: bytes outside printable ASCII are
// written \xNN (so a file from elsewhere cannot rewrite the operator's terminal), and more
// than `max` bytes are cut, with "..." after them.
std::string quote(std::string_view input, size_t max = 60);

// The diagnostics as the lines to show: errors, and warnings unless `warnings` is false; at
// most `per_file` of them for each file, then one line counting the rest of that file's.
std::vector<std::string> diagnostic_lines(const std::vector<Diagnostic>& diagnostics, bool warnings = true,
                                          size_t per_file = 20);

// Thrown by parsers at the first problem of one item; the caller turns it into a Diagnostic.
class ParseError : public std::runtime_error {
 public:
  ParseError(size_t at, std::string message) : std::runtime_error(std::move(message)), offset(at) {}
  size_t offset;  // byte offset in the text being parsed
};

}  // namespace picket
