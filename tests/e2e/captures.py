"""pcap files for the end-to-end tests: reading what picketd wrote, writing what it reads."""
import json
import os
import struct
import subprocess

MICRO, NANO = 0xA1B2C3D4, 0xA1B23C4D


def frames(path):
    """The frames of a pcap file (micro- or nanosecond magic), in order."""
    with open(path, "rb") as f:
        data = f.read()
    assert struct.unpack("<I", data[:4])[0] in (MICRO, NANO), path
    out, at = [], 24
    while at < len(data):
        caplen = struct.unpack("<I", data[at + 8:at + 12])[0]
        out.append(data[at + 16:at + 16 + caplen])
        at += 16 + caplen
    return out


ETHERNET, RAW, LINUX_SLL = 1, 101, 113


def file_header(link_type=ETHERNET):
    """A microsecond pcap file header for frames of `link_type` (a LINKTYPE_* value)."""
    return struct.pack("<IHHiIII", MICRO, 2, 4, 0, 0, 65535, link_type)


def link_type(path):
    """The LINKTYPE_* value of a pcap file."""
    with open(path, "rb") as f:
        return struct.unpack("<I", f.read(24)[20:24])[0]


def checksum(data):
    """RFC 1071: the ones'-complement of the ones'-complement sum of 16-bit words."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ipv4_tcp(src, dst, sport, dport, flags, seq, ack, payload=b"", urgent=0):
    """An IPv4 packet (no link header) carrying one TCP segment, checksums filled in.
    `src` and `dst` are 4-byte addresses; flags as in the TCP header (0x18 is PSH+ACK, 0x20
    URG, with the urgent pointer `urgent`)."""
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, urgent) + payload
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", checksum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return ip + tcp


def udp_frame(src, dst, sport, dport, payload):
    """An Ethernet frame carrying one IPv4 UDP datagram; `src` and `dst` as dotted text."""
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload  # checksum 0: none (IPv4)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0, bytes(int(x) for x in src.split(".")),
                     bytes(int(x) for x in dst.split(".")))
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x08\x00" + ip + udp


def record(frame, seconds=0.0):
    """One frame's record: its header (at `seconds`) and its bytes."""
    return struct.pack("<IIII", int(seconds), int(seconds % 1 * 1e6), len(frame), len(frame)) + frame


def write_pcap(path, header, packets):
    with open(path, "wb") as f:
        f.write(header)
        for p in packets:
            f.write(record(p))


def demo_capture(trafgen, policy_dir, work):
    """The demo's capture, as picket-trafgen makes it from policy/demo.scenario, in `work`."""
    os.makedirs(work, exist_ok=True)
    path = os.path.join(work, "demo.pcap")
    subprocess.run([trafgen, os.path.join(policy_dir, "demo.scenario"), "-o", path], check=True,
                   capture_output=True)
    return path


def eve_records(path):
    """The records of a decision log (EVE JSON lines); none when it is not there yet."""
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f]


def pcap_fifo(path):
    """A FIFO at `path` (made anew) that a net_pcap port reads as a capture: its file header is
    written, and the descriptor returned takes each frame's record. It is open for reading and
    writing, so neither side's open waits for the other."""
    if os.path.exists(path):
        os.remove(path)
    os.mkfifo(path)
    fd = os.open(path, os.O_RDWR)
    os.write(fd, file_header())
    return fd
