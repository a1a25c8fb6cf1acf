// Inspection buffers, by name. A buffer is registered by the parser that fills it: pkt_data,
// the packet's payload, by the rule model itself; http.uri and the other HTTP buffers by the
// HTTP parser (applayer/http/http_buffers.h); next, dns.query or tls.sni by theirs. With each
// buffer come the rule keywords that select it:
//
//   sticky      Suricata 5+ and Snort 3 sticky buffers: `http.uri; content:"/a";`
//   modifiers   Suricata's content modifiers, after the content: `content:"/a"; http_uri;`
//               (in Snort 3 the same names are sticky buffers)
//   pcre flag   `pcre:"/a/U";`
//
// Rules name buffers by id (a Match's `buffer`); parsers fill them by id. The one list of
// registrants is detect/buffer_setup.cc: a new protocol's buffers are its own file and a line
// there, not an edit of the rule parser.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace picket {

using BufferId = uint8_t;
constexpr BufferId kPacketBuffer = 0;  // pkt_data
constexpr size_t kMaxBuffers = 64;     // ids fit a per-message array and a 64-bit mask

struct BufferSpec {
  std::string name;                    // "http.uri": reports, fast-pattern listings
  std::string protocol;                // the application-layer parser that fills it; "" for pkt_data
  std::vector<std::string> sticky;     // keywords selecting it for the options after them
  std::vector<std::string> modifiers;  // content modifiers putting the content before them in it
  char pcre_flag = 0;                  // the pcre flag inspecting it, or 0
  // Its bytes are sent as they are (a slice of the packet's payload or of the message), so a
  // literal found in it is on the wire too: the card can search for it in raw frames.
  bool verbatim = false;
};

class BufferRegistry {
 public:
  BufferRegistry();  // with pkt_data (and raw_data, its Snort name)

  // Registers a buffer. A name or keyword registered twice, or more than kMaxBuffers buffers,
  // is a programming error: std::logic_error.
  BufferId add(BufferSpec spec);

  size_t size() const { return specs_.size(); }
  const BufferSpec& spec(BufferId id) const { return specs_.at(id); }
  std::optional<BufferId> find(std::string_view name) const;
  std::optional<BufferId> by_sticky(std::string_view keyword) const;
  std::optional<BufferId> by_modifier(std::string_view keyword) const;
  std::optional<BufferId> by_pcre_flag(char flag) const;

 private:
  std::vector<BufferSpec> specs_;
};

// Every buffer a parser of this build fills (registered by detect/buffer_setup.cc).
const BufferRegistry& buffers();

std::string_view buffer_name(BufferId id);
// Whether an application-layer parser fills the buffer: its conditions hold together on one
// message (one transaction), as in Suricata.
bool is_app_buffer(BufferId id);

}  // namespace picket
