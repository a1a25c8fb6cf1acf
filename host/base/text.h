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

// 0-15 for a hex digit, -1 otherwise.
int hex_value(char c);

// The whole file, or nullopt when it cannot be read.
std::optional<std::string> read_text_file(const std::string& path);

}  // namespace picket
