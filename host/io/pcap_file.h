// Captures on disk, through libpcap: pcap (microsecond or nanosecond timestamps, either byte
// order) and pcapng are read; pcap is written. Timestamps are kept in nanoseconds.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

#include "packet/packet.h"

typedef struct pcap pcap_t;
typedef struct pcap_dumper pcap_dumper_t;

namespace picket {

class PcapError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class PcapReader {
 public:
  // Throws PcapError naming the file when it cannot be opened or is not a capture, or when
  // its link type is not one the decoder knows.
  explicit PcapReader(const std::string& path);
  ~PcapReader();
  PcapReader(const PcapReader&) = delete;
  PcapReader& operator=(const PcapReader&) = delete;

  // Fills `packet` with the next packet and its 1-based index; false at the end of the file.
  // Reading stops at a damaged record, and error() says which record, at which byte offset:
  // a last record or block cut short (truncated(): the capture was copied or written while
  // still growing), or one whose length is impossible (over the file's snaplen or 256 KiB).
  bool next(Packet& packet);

  LinkType link_type() const { return link_type_; }
  const std::string& path() const { return path_; }
  // Non-empty when reading stopped on a damaged record rather than at the end.
  const std::string& error() const { return error_; }
  // Whether that record was only cut short, the capture being otherwise sound.
  bool truncated() const { return truncated_; }

 private:
  std::string path_;
  pcap_t* handle_ = nullptr;
  LinkType link_type_ = LinkType::kEthernet;
  uint64_t count_ = 0;
  std::string error_;
  bool truncated_ = false;
  // Where the next record starts, for messages. Counted in a classic pcap file (a 16-byte
  // header and the captured bytes: no system call a packet); asked of the file (ftell) in
  // pcapng, whose blocks vary, and whenever libpcap may have skipped bytes past the snapshot.
  bool counted_ = false;
  long offset_ = 0;
};

enum class TimestampPrecision { kMicro, kNano };

class PcapWriter {
 public:
  PcapWriter(const std::string& path, LinkType link = LinkType::kEthernet,
             TimestampPrecision precision = TimestampPrecision::kMicro,
             uint32_t snaplen = 262144);
  ~PcapWriter();
  PcapWriter(const PcapWriter&) = delete;
  PcapWriter& operator=(const PcapWriter&) = delete;

  void write(const Packet& packet);
  // `wire_length` below `length` (or 0) means the packet is whole.
  void write(const uint8_t* data, uint32_t length, int64_t timestamp_ns, uint32_t wire_length = 0);
  void flush();
  uint64_t count() const { return count_; }

 private:
  pcap_t* dead_ = nullptr;
  pcap_dumper_t* dumper_ = nullptr;
  TimestampPrecision precision_;
  uint64_t count_ = 0;
};

}  // namespace picket
