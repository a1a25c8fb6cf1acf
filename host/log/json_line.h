// Builds one JSON object on one line, fields in the order they are added: the EVE records
// are read by log pipelines that expect exactly that shape.
//
//   JsonLine j;
//   j.field("event_type", "alert").begin("alert").field("signature_id", 7).end();
//   out += j.finish();   // {"event_type":"alert","alert":{"signature_id":7}}\n
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace picket {

class JsonLine {
 public:
  JsonLine() { s_ = "{"; }
  JsonLine& field(std::string_view key, std::string_view value);
  JsonLine& field(std::string_view key, const char* value) { return field(key, std::string_view(value)); }
  JsonLine& field(std::string_view key, int64_t value);
  JsonLine& field(std::string_view key, uint64_t value);
  JsonLine& field(std::string_view key, uint32_t value) { return field(key, uint64_t{value}); }
  JsonLine& field(std::string_view key, int value) { return field(key, int64_t{value}); }
  JsonLine& field(std::string_view key, bool value);
  JsonLine& begin(std::string_view key);  // a nested object
  JsonLine& end();
  JsonLine& begin_array(std::string_view key);  // an array of numbers or strings
  JsonLine& element(uint64_t value);
  JsonLine& element(std::string_view value);
  JsonLine& end_array();
  // The object with its closing brace and a newline.
  std::string finish();

  static void escape(std::string_view in, std::string& out);

 private:
  void key(std::string_view k);
  std::string s_;
  bool first_ = true;
};

}  // namespace picket
