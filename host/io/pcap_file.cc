#include "io/pcap_file.h"

#include <pcap/pcap.h>

#include <cstdio>

namespace picket {
namespace {

constexpr uint32_t kMaxRecord = 256 * 1024;  // bytes; no link Picket reads has longer frames

bool link_type_known(int dlt, LinkType& out) {
  switch (dlt) {
    case DLT_NULL:
    case DLT_LOOP: out = LinkType::kNull; return true;
    case DLT_EN10MB: out = LinkType::kEthernet; return true;
    case DLT_RAW:  // libpcap maps the file's LINKTYPE_RAW (101) to this
    case 14:       // DLT_RAW as OpenBSD numbers it
    case 101: out = LinkType::kRaw; return true;
    case DLT_LINUX_SLL: out = LinkType::kLinuxSll; return true;
    case DLT_IPV4: out = LinkType::kIpv4; return true;
    case DLT_IPV6: out = LinkType::kIpv6; return true;
    default: return false;
  }
}

// The libpcap DLT_* value to write a link type with: LINKTYPE_RAW (101) is DLT_RAW, which
// libpcap numbers 12 on Linux and maps back to 101 in the file; the others are their own.
int dlt_of(LinkType link) {
  switch (link) {
    case LinkType::kNull: return DLT_NULL;
    case LinkType::kEthernet: return DLT_EN10MB;
    case LinkType::kRaw: return DLT_RAW;
    case LinkType::kLinuxSll: return DLT_LINUX_SLL;
    case LinkType::kIpv4: return DLT_IPV4;
    case LinkType::kIpv6: return DLT_IPV6;
  }
  return DLT_EN10MB;
}

// Whether the file starts with a classic pcap magic number (either byte order, micro- or
// nanosecond): records of a 16-byte header and their bytes, back to back.
bool classic_pcap(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  uint8_t m[4] = {};
  const bool read = std::fread(m, 1, 4, f) == 4;
  std::fclose(f);
  if (!read) return false;
  const uint32_t magic = uint32_t{m[0]} | uint32_t{m[1]} << 8 | uint32_t{m[2]} << 16 | uint32_t{m[3]} << 24;
  return magic == 0xa1b2c3d4 || magic == 0xd4c3b2a1 || magic == 0xa1b23c4d || magic == 0x4d3cb2a1;
}

}  // namespace

PcapReader::PcapReader(const std::string& path) : path_(path) {
  char err[PCAP_ERRBUF_SIZE] = {};
  handle_ = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, err);
  if (!handle_) throw PcapError(path + ": " + err);
  int dlt = pcap_datalink(handle_);
  if (!link_type_known(dlt, link_type_)) {
    const char* name = pcap_datalink_val_to_name(dlt);
    pcap_close(handle_);
    handle_ = nullptr;
    throw PcapError(path + ": link type " + std::to_string(dlt) + " (" +
                    (name ? name : "unknown") + ") is not supported");
  }
  counted_ = classic_pcap(path);
  if (counted_) offset_ = std::ftell(pcap_file(handle_));  // past the file header
}

PcapReader::~PcapReader() {
  if (handle_) pcap_close(handle_);
}

bool PcapReader::next(Packet& packet) {
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  const long offset = counted_ ? offset_ : std::ftell(pcap_file(handle_));  // where the record starts
  int rc = pcap_next_ex(handle_, &header, &data);
  if (rc == PCAP_ERROR_BREAK) return false;
  auto stop = [&](std::string why) {
    error_ = path_ + ": record " + std::to_string(count_ + 1) + " (after packet " + std::to_string(count_) +
             ") at byte " + std::to_string(offset) + ": " + why;
  };
  if (rc != 1) {
    const std::string why = pcap_geterr(handle_);
    // libpcap's words for a file that ends inside a record header, record or pcapng block.
    truncated_ = why.find("truncated") != std::string::npos;
    stop(why);
    return false;
  }
  if (header->caplen > kMaxRecord) {  // libpcap took it, as pcapng allows up to its own limit
    stop("captured length " + std::to_string(header->caplen) + " is over " + std::to_string(kMaxRecord));
    return false;
  }
  if (counted_) {
    offset_ += 16 + static_cast<long>(header->caplen);
    // A record longer than the snapshot is cut to it, and the rest skipped: ask the file.
    if (header->caplen >= static_cast<bpf_u_int32>(pcap_snapshot(handle_))) offset_ = std::ftell(pcap_file(handle_));
  }
  packet.bytes.assign(data, data + header->caplen);
  packet.wire_length = header->len;
  packet.timestamp_ns = int64_t{header->ts.tv_sec} * 1'000'000'000 + header->ts.tv_usec;
  packet.index = ++count_;
  packet.link_type = link_type_;
  return true;
}

PcapWriter::PcapWriter(const std::string& path, LinkType link, TimestampPrecision precision,
                       uint32_t snaplen)
    : precision_(precision) {
  dead_ = pcap_open_dead_with_tstamp_precision(
      dlt_of(link), static_cast<int>(snaplen),
      precision == TimestampPrecision::kNano ? PCAP_TSTAMP_PRECISION_NANO
                                             : PCAP_TSTAMP_PRECISION_MICRO);
  if (!dead_) throw PcapError(path + ": cannot create a pcap handle");
  dumper_ = pcap_dump_open(dead_, path.c_str());
  if (!dumper_) {
    std::string why = pcap_geterr(dead_);
    pcap_close(dead_);
    throw PcapError(path + ": " + why);
  }
}

PcapWriter::~PcapWriter() {
  if (dumper_) pcap_dump_close(dumper_);
  if (dead_) pcap_close(dead_);
}

void PcapWriter::write(const Packet& packet) {
  write(packet.bytes.data(), static_cast<uint32_t>(packet.bytes.size()), packet.timestamp_ns,
        packet.wire_length);
}

void PcapWriter::write(const uint8_t* data, uint32_t length, int64_t timestamp_ns,
                       uint32_t wire_length) {
  pcap_pkthdr header{};
  header.ts.tv_sec = static_cast<time_t>(timestamp_ns / 1'000'000'000);
  int64_t fraction = timestamp_ns % 1'000'000'000;
  header.ts.tv_usec =
      static_cast<suseconds_t>(precision_ == TimestampPrecision::kNano ? fraction : fraction / 1000);
  header.caplen = length;
  header.len = wire_length > length ? wire_length : length;
  pcap_dump(reinterpret_cast<u_char*>(dumper_), &header, data);
  ++count_;
}

void PcapWriter::flush() { pcap_dump_flush(dumper_); }

}  // namespace picket
