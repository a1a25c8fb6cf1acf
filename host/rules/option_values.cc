#include "rules/option_values.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <charconv>

#include "rules/header_values.h"

namespace picket::rules {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

QuotedValue split_quoted(std::string_view value, size_t offset, bool allow_negation) {
  QuotedValue q;
  size_t i = 0;
  while (i < value.size() && is_space(value[i])) ++i;
  if (allow_negation && i < value.size() && value[i] == '!') {
    q.negated = true;
    ++i;
    while (i < value.size() && is_space(value[i])) ++i;
  }
  if (i >= value.size() || value[i] != '"') throw ParseError(offset + i, "expected '\"' to open the value");
  // The closing quote is the last one: expressions in the wild hold unescaped quotes.
  size_t open = i;
  i = value.rfind('"');
  if (i == open) throw ParseError(offset + open, "unclosed '\"'");
  q.inner = value.substr(open + 1, i - open - 1);
  q.inner_offset = offset + open + 1;
  q.rest = value.substr(i + 1);
  q.rest_offset = offset + i + 1;
  return q;
}

std::string decode_content(std::string_view s, size_t offset) {
  std::string out;
  bool hex = false;
  size_t hex_open = 0;
  int high = -1;  // first digit of a hex pair, waiting for the second
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (hex) {
      if (c == '|') {
        if (high >= 0) throw ParseError(offset + i, "odd number of hex digits in |...|");
        hex = false;
      } else if (is_space(c)) {
        if (high >= 0) throw ParseError(offset + i, "a hex byte is split by a space");
      } else {
        int d = hex_value(c);
        if (d < 0) throw ParseError(offset + i, std::string("'") + c + "' is not a hex digit");
        if (high < 0) {
          high = d;
        } else {
          out.push_back(static_cast<char>(high << 4 | d));
          high = -1;
        }
      }
      continue;
    }
    if (c == '|') {
      hex = true;
      hex_open = i;
    } else if (c == '\\') {
      if (i + 1 >= s.size()) throw ParseError(offset + i, "'\\' at the end of the content");
      char e = s[++i];
      if (e != '"' && e != '\\' && e != ';' && e != ':' && e != '|') {
        throw ParseError(offset + i - 1, std::string("unknown escape '\\") + e +
                                             "' (use |hex| for bytes; escapes are \\\" \\\\ \\; \\: \\|)");
      }
      out.push_back(e);
    } else {
      out.push_back(c);
    }
  }
  if (hex) throw ParseError(offset + hex_open, "unclosed '|' in content");
  if (out.empty()) throw ParseError(offset - 1, "empty content");
  return out;
}

std::string decode_text(std::string_view value, size_t offset) {
  std::string_view t = trim(value);
  if (t.empty() || t.front() != '"') return std::string(t);
  QuotedValue q = split_quoted(value, offset, false);
  if (!trim(q.rest).empty()) throw ParseError(q.rest_offset, "unexpected text after the closing '\"'");
  std::string out;
  for (size_t i = 0; i < q.inner.size(); ++i) {
    if (q.inner[i] == '\\' && i + 1 < q.inner.size()) ++i;
    out.push_back(q.inner[i]);
  }
  return out;
}

void decode_pcre(std::string_view s, size_t offset, Match& m) {
  if (s.empty() || s.front() != '/') throw ParseError(offset, "expected '/' to open the expression");
  size_t close = s.rfind('/');
  if (close == 0) throw ParseError(offset, "expected '/' to close the expression");
  m.kind = Match::Kind::kPcre;
  m.pcre = std::string(s.substr(1, close - 1));
  m.pcre_flags = std::string(s.substr(close + 1));
  for (size_t i = close + 1; i < s.size(); ++i) {
    char f = s[i];
    switch (f) {
      case 'i': m.caseless = true; break;
      case 's': m.dotall = true; break;
      case 'm': m.multiline = true; break;
      case 'x': m.extended = true; break;
      case 'A': m.anchored = true; break;
      case 'E': m.dollar_endonly = true; break;
      case 'G': m.ungreedy = true; break;
      case 'R': m.relative = true; break;
      case 'O': case 'B': break;  // match-limit override, Snort 2 rawbytes: no effect here
      default:
        // A buffer's flag (/U http.uri, ...), as the buffers registered them.
        if (std::optional<BufferId> b = buffers().by_pcre_flag(f)) {
          m.buffer = *b;
          break;
        }
        throw ParseError(offset + i, std::string("unknown pcre flag '") + f + "'");
    }
  }
  int error = 0;
  PCRE2_SIZE error_offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(m.pcre.data()), m.pcre.size(),
                                   pcre2_compile_options(m), &error, &error_offset, nullptr);
  if (!code) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error, message, sizeof message);
    throw ParseError(offset + 1 + error_offset,
                     std::string("pcre does not compile: ") + reinterpret_cast<char*>(message));
  }
  pcre2_code_free(code);
}

uint32_t pcre2_compile_options(const Match& m) {
  uint32_t o = 0;
  if (m.caseless) o |= PCRE2_CASELESS;
  if (m.dotall) o |= PCRE2_DOTALL;
  if (m.multiline) o |= PCRE2_MULTILINE;
  if (m.extended) o |= PCRE2_EXTENDED;
  if (m.anchored) o |= PCRE2_ANCHORED;
  if (m.dollar_endonly) o |= PCRE2_DOLLAR_ENDONLY;
  if (m.ungreedy) o |= PCRE2_UNGREEDY;
  return o;
}

NumericTest parse_numeric_test(std::string_view text, size_t offset, uint32_t max, std::string_view what) {
  std::string_view v = trim(text);
  const size_t at = offset + static_cast<size_t>(v.data() - text.data());
  NumericTest t;
  auto num = [&](std::string_view s, size_t off) { return static_cast<uint32_t>(parse_integer(s, off, 0, max, what)); };
  if (size_t between = v.find("<>"); between != std::string_view::npos) {
    t.op = NumericTest::Op::kBetween;
    t.a = num(v.substr(0, between), at);
    t.b = num(v.substr(between + 2), at + between + 2);
    if (t.b <= t.a) throw ParseError(at, std::string(what) + " range MIN<>MAX needs MIN below MAX");
  } else if (v.starts_with("<=")) {
    t.op = NumericTest::Op::kLe, t.a = num(v.substr(2), at + 2);
  } else if (v.starts_with(">=")) {
    t.op = NumericTest::Op::kGe, t.a = num(v.substr(2), at + 2);
  } else if (v.starts_with("<")) {
    t.op = NumericTest::Op::kLt, t.a = num(v.substr(1), at + 1);
  } else if (v.starts_with(">")) {
    t.op = NumericTest::Op::kGt, t.a = num(v.substr(1), at + 1);
  } else if (v.starts_with("!")) {
    t.op = NumericTest::Op::kNe, t.a = num(v.substr(1), at + 1);
  } else if (v.starts_with("=")) {
    t.a = num(v.substr(1), at + 1);
  } else {
    t.a = num(v, at);
  }
  return t;
}

int64_t parse_integer(std::string_view text, size_t offset, int64_t min, int64_t max,
                      std::string_view what) {
  std::string_view t = trim(text);
  size_t lead = t.empty() ? 0 : static_cast<size_t>(t.data() - text.data());
  int64_t v = 0;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || ec != std::errc() || p != t.data() + t.size()) {
    throw ParseError(offset + lead, "expected a number for " + std::string(what));
  }
  if (v < min || v > max) {
    throw ParseError(offset + lead, std::string(what) + " must be between " + std::to_string(min) +
                                        " and " + std::to_string(max));
  }
  return v;
}

}  // namespace picket::rules
