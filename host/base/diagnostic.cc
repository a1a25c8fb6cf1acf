#include "base/diagnostic.h"

#include <map>

namespace picket {
namespace {

// `text` with every byte outside printable ASCII written \xNN.
void append_escaped(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned char c : text) {
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
}

}  // namespace

std::string SourceLocation::to_string() const {
  std::string s;
  append_escaped(s, file.empty() ? "<input>" : file);
  if (line) s += ":" + std::to_string(line);
  if (line && column) s += ":" + std::to_string(column);
  return s;
}

std::string Diagnostic::to_string() const {
  std::string s = location.to_string() + (severity == Severity::kError ? ": error: " : ": warning: ");
  append_escaped(s, message);  // quote() has escaped what it quoted; this catches the rest
  if (sid && message.find("sid ") == std::string::npos) s += " (sid " + std::to_string(sid) + ")";
  return s;
}

std::string quote(std::string_view input, size_t max) {
  std::string s = "'";
  append_escaped(s, input.substr(0, max));
  s += input.size() > max ? "'..." : "'";
  return s;
}

std::vector<std::string> diagnostic_lines(const std::vector<Diagnostic>& diagnostics, bool warnings,
                                          size_t per_file) {
  std::vector<std::string> lines;
  std::map<std::string, size_t> shown, held;  // by file
  for (const Diagnostic& d : diagnostics) {
    if (!warnings && d.severity == Severity::kWarning) continue;
    if (shown[d.location.file]++ < per_file) lines.push_back(d.to_string());
    else ++held[d.location.file];
  }
  for (const auto& [file, n] : held) {
    SourceLocation where{file, 0, 0};
    lines.push_back(where.to_string() + ": " + std::to_string(n) + " more diagnostic" + (n == 1 ? "" : "s") +
                    " not shown (the first " + std::to_string(per_file) + " are above)");
  }
  return lines;
}

}  // namespace picket
