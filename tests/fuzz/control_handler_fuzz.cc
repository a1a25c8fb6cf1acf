// libFuzzer target: the control API's handler on arbitrary request bytes (control_fixture.h
// says what every reply must satisfy).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "control_fixture.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz_support::handle_and_check(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
