#include "log/json_line.h"

#include <cstdio>

namespace picket {

void JsonLine::escape(std::string_view in, std::string& out) {
  for (unsigned char c : in) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c >= 0x7f) {  // control bytes and non-ASCII: keep the line pure ASCII JSON
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
}

void JsonLine::key(std::string_view k) {
  if (!first_) s_ += ',';
  first_ = false;
  s_ += '"';
  escape(k, s_);
  s_ += "\":";
}

JsonLine& JsonLine::field(std::string_view k, std::string_view value) {
  key(k);
  s_ += '"';
  escape(value, s_);
  s_ += '"';
  return *this;
}

JsonLine& JsonLine::field(std::string_view k, int64_t value) {
  key(k);
  s_ += std::to_string(value);
  return *this;
}

JsonLine& JsonLine::field(std::string_view k, uint64_t value) {
  key(k);
  s_ += std::to_string(value);
  return *this;
}

JsonLine& JsonLine::field(std::string_view k, bool value) {
  key(k);
  s_ += value ? "true" : "false";
  return *this;
}

JsonLine& JsonLine::begin(std::string_view k) {
  key(k);
  s_ += '{';
  first_ = true;
  return *this;
}

JsonLine& JsonLine::end() {
  s_ += '}';
  first_ = false;
  return *this;
}

JsonLine& JsonLine::begin_array(std::string_view k) {
  key(k);
  s_ += '[';
  first_ = true;
  return *this;
}

JsonLine& JsonLine::element(uint64_t value) {
  if (!first_) s_ += ',';
  first_ = false;
  s_ += std::to_string(value);
  return *this;
}

JsonLine& JsonLine::element(std::string_view value) {
  if (!first_) s_ += ',';
  first_ = false;
  s_ += '"';
  escape(value, s_);
  s_ += '"';
  return *this;
}

JsonLine& JsonLine::end_array() {
  s_ += ']';
  first_ = false;
  return *this;
}

std::string JsonLine::finish() {
  s_ += "}\n";
  return std::move(s_);
}

}  // namespace picket
