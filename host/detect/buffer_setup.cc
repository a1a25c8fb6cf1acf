// The one list of what fills inspection buffers (rules/buffers.h): pkt_data, then each
// application-layer parser's. A new protocol adds its registration here.
#include "applayer/http/http_buffers.h"
#include "rules/buffers.h"

namespace picket {
namespace {

struct Setup {
  BufferRegistry registry;
  HttpBuffers http;
  Setup() : http(register_http_buffers(registry)) {}
};

const Setup& setup() {
  static const Setup s;  // made on first use, by whichever thread asks first
  return s;
}

}  // namespace

const BufferRegistry& buffers() { return setup().registry; }
const HttpBuffers& http_buffers() { return setup().http; }

}  // namespace picket
