// Small text helpers every parser of operators' files shares: lines with their numbers,
// words with their columns, trimming, hex digits, reading a whole file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace picket {

// Lines of a text, numbered from 1, without their "\n" or "\r\n":
//   for (LineReader lines(text); lines.next();) use(lines.line(), lines.number());
class LineReader {
 public:
  explicit LineReader(std::string_view text) : rest_(text) {}
  bool next();
  std::string_view line() const { return line_; }
  uint32_t number() const { return number_; }

 private:
  std::string_view rest_;
  std::string_view line_;
  uint32_t number_ = 0;
  bool done_ = false;
};

struct Word {
  std::string_view text;
  uint32_t column;  // 1-based
};

// The blank-separated words of a line, up to a '#' that starts a word (a comment).
std::vector<Word> split_words(std::string_view line);

std::string_view trim(std::string_view s);

// The one ASCII case fold (rules' nocase, HTTP names, the card's literal compare): 'A'-'Z' to
// 'a'-'z', every other byte as it is.
constexpr uint8_t ascii_lower(uint8_t c) { return c >= 'A' && c <= 'Z' ? static_cast<uint8_t>(c | 0x20) : c; }
constexpr char ascii_lower(char c) { return static_cast<char>(ascii_lower(static_cast<uint8_t>(c))); }
std::string ascii_lower(std::string_view s);
bool equals_nocase(std::string_view a, std::string_view b);

// 0-15 for a hex digit, -1 otherwise.
int hex_value(char c);

// The whole file, or nullopt when it cannot be read.
std::optional<std::string> read_text_file(const std::string& path);

}  // namespace picket
