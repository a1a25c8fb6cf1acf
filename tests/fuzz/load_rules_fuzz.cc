// libFuzzer target: rule text as an operator's `picketctl load-rules` sends it to a running
// daemon: the input is one rule file in a well-formed load-rules request, so mutations go to
// the rule parser and compiler behind the control API rather than to the protobuf framing.
// It starts from the rule parser's seeds and dictionary (tests/fuzz/run.sh).
#include <cstddef>
#include <cstdint>
#include <string>

#include "control_fixture.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  picket::control::Request request;
  request.set_version(picket::kControlVersion);
  auto* file = request.mutable_load_rules()->add_files();
  file->set_name("fuzz.rules");
  file->set_content(std::string(reinterpret_cast<const char*>(data), size));
  fuzz_support::handle_and_check(request.SerializeAsString());
  return 0;
}
