"""pcap files for the end-to-end tests: reading what picketd wrote, writing what it reads."""
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


def file_header():
    """A microsecond pcap file header for Ethernet frames."""
    return struct.pack("<IHHiIII", MICRO, 2, 4, 0, 0, 65535, 1)


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
