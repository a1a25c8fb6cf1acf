#include "base/diagnostic.h"

namespace picket {

std::string SourceLocation::to_string() const {
  std::string s = file.empty() ? "<input>" : file;
  if (line) s += ":" + std::to_string(line);
  if (line && column) s += ":" + std::to_string(column);
  return s;
}

std::string Diagnostic::to_string() const {
  std::string s = location.to_string() + (severity == Severity::kError ? ": error: " : ": warning: ");
  s += message;
  if (sid && message.find("sid ") == std::string::npos) s += " (sid " + std::to_string(sid) + ")";
  return s;
}

}  // namespace picket
