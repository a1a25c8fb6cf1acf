#!/usr/bin/env python3
"""Evasions, tried as an attacker would: the same attack split, reordered, overlapped, hidden
around urgent data and fragmented (in order, reordered, tiny, overlapping with other bytes), through picketd offline on the software engine and on the Verilator model. Each
case asserts what the server could read from forwarded.pcap, reassembled as a receiver does
(in sequence order, the first bytes at a place stand, up to the first gap), and that both
engines forward the same frames.

usage: evasion_test.py PICKETD WORK_DIR
"""
import json
import os
import struct
import subprocess
import sys
import unittest

from captures import checksum, file_header, frames, ipv4_tcp, write_pcap

PICKETD, WORK = sys.argv[1:3]
ATTACK = b"/etc/passwd"
RULES = ('drop tcp any any -> any 80 (content:"/etc/passwd"; sid:1;)\n'
         'drop http any any -> any any (http.uri; content:"/etc/passwd"; sid:2;)\n')
CLIENT, SERVER = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
ISN_C, ISN_S = 1000, 5000
ETHERNET = b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00"


def from_client(offset, payload, flags=0x18, urgent=0):
    return ETHERNET + ipv4_tcp(CLIENT, SERVER, 40000, 80, flags, ISN_C + 1 + offset, ISN_S + 1, payload, urgent)


def handshake():
    return [ETHERNET + ipv4_tcp(CLIENT, SERVER, 40000, 80, 0x02, ISN_C, 0),
            ETHERNET + ipv4_tcp(SERVER, CLIENT, 80, 40000, 0x12, ISN_S, ISN_C + 1),
            ETHERNET + ipv4_tcp(CLIENT, SERVER, 40000, 80, 0x10, ISN_C + 1, ISN_S + 1)]


def in_order(*parts):
    """Segments of the client's stream, one per part, in order."""
    out, at = [], 0
    for p in parts:
        out.append(from_client(at, p))
        at += len(p)
    return out


def ipv4_fragment(offset, more, payload, ident=7):
    """An IPv4 fragment of a TCP datagram: `payload` at byte `offset` of it."""
    flags = (0x2000 if more else 0) | offset // 8
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, flags, 64, 6, 0, CLIENT, SERVER)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return ETHERNET + ip + payload


def datagrams(path, favour):
    """The client's IPv4 datagrams in `path` as a receiver gets them: fragments reassembled where
    every byte arrived, overlaps kept as `favour` says ("first" or "last" bytes stand)."""
    pending = {}
    for f in frames(path):
        ip = f[14:]
        ihl = (ip[0] & 0x0f) * 4
        if ip[12:16] != CLIENT:
            continue
        flags = struct.unpack("!H", ip[6:8])[0]
        data = ip[ihl:struct.unpack("!H", ip[2:4])[0]]
        if not flags & 0x3fff:
            yield ip[9], data
            continue
        d = pending.setdefault(struct.unpack("!H", ip[4:6])[0], {"bytes": {}, "total": None})
        at = (flags & 0x1fff) * 8
        for i, b in enumerate(data):
            if favour == "last" or at + i not in d["bytes"]:
                d["bytes"][at + i] = b
        if not flags & 0x2000:
            d["total"] = at + len(data)
        if d["total"] is not None and all(i in d["bytes"] for i in range(d["total"])):
            yield ip[9], bytes(d["bytes"][i] for i in range(d["total"]))
            d["bytes"], d["total"] = {}, None


def receivable(path, favour="first", urgent_inline=False):
    """What the server's application could read of the client's stream in `path`. Its stack
    reads the byte an urgent pointer marks out of band (RFC 6093), unless `urgent_inline`."""
    stream, urgent = {}, set()
    for proto, tcp in datagrams(path, favour):
        if proto != 6:
            continue
        seq = struct.unpack("!I", tcp[4:8])[0]
        pointer = struct.unpack("!H", tcp[18:20])[0]
        if tcp[13] & 0x20 and pointer and not urgent_inline:
            urgent.add(seq - (ISN_C + 1) + pointer - 1)
        data = tcp[(tcp[12] >> 4) * 4:]
        for i, b in enumerate(data):
            stream.setdefault(seq - (ISN_C + 1) + i, b)
    out, at = bytearray(), 0
    while at in stream:
        if at not in urgent:
            out.append(stream[at])
        at += 1
    return bytes(out)


def attack_segment():
    """The attack as one TCP segment (its header and data): the datagram the fragments cut."""
    return ipv4_tcp(CLIENT, SERVER, 40000, 80, 0x18, ISN_C + 1, ISN_S + 1, b"GET /etc/passwd HTTP/1.0\r\n\r\n")[20:]


class Evasion(unittest.TestCase):
    def judge(self, name, packets, engine="sw", extra=()):
        folder = os.path.join(WORK, name, engine)
        os.makedirs(folder, exist_ok=True)
        capture = os.path.join(WORK, name, "in.pcap")
        write_pcap(capture, file_header(), packets)
        rules = os.path.join(WORK, "evasion.rules")
        with open(rules, "w") as f:
            f.write(RULES)
        run = subprocess.run([PICKETD, "-q", "-r", capture, "-S", rules, "--engine", engine, "-l", folder, *extra],
                             capture_output=True, text=True)
        if engine == "sim" and "without the Verilator model" in run.stderr:
            return None, None
        self.assertEqual(run.returncode, 0, run.stderr)
        return os.path.join(folder, "forwarded.pcap"), os.path.join(folder, "eve.json")

    def assert_stopped(self, name, packets, extra=(), urgent_inline=False):
        """The attack is in the packets, yet the server cannot read it; the model agrees."""
        forwarded, eve = self.judge(name, packets, extra=extra)
        for favour in ("first", "last"):  # whichever bytes the server keeps where fragments overlap
            self.assertNotIn(ATTACK, receivable(forwarded, favour, urgent_inline), f"{name}, {favour} bytes standing")
        with open(eve) as f:
            records = [json.loads(l) for l in f]
        # An alert of its rules, or the drop of a segment or fragment that rewrote given bytes.
        seen = [r for r in records if r.get("alert", {}).get("signature_id") in (1, 2) or
                r.get("drop", {}).get("stream_event") in ("overlap_conflict", "urgent_data") or
                r.get("drop", {}).get("reason") == "fragment"]
        self.assertTrue(seen, f"{name}: no record of the attack")
        sim_forwarded, _ = self.judge(name, packets, engine="sim", extra=extra)
        if sim_forwarded:
            self.assertEqual(frames(sim_forwarded), frames(forwarded), f"{name}: sim forwards other frames")

    def test_one_segment(self):
        self.assert_stopped("one", handshake() + in_order(b"GET /etc/passwd HTTP/1.0\r\n\r\n"))

    def test_two_segments(self):
        self.assert_stopped("two", handshake() + in_order(b"GET /etc/pa", b"sswd HTTP/1.0\r\n\r\n"))

    def test_one_byte_per_segment(self):
        request = b"GET /etc/passwd HTTP/1.0\r\n\r\n"
        self.assert_stopped("bytes", handshake() + in_order(*[request[i:i + 1] for i in range(len(request))]))

    def test_out_of_order(self):
        self.assert_stopped("reordered", handshake() + [from_client(11, b"sswd HTTP/1.0\r\n\r\n"),
                                                        from_client(0, b"GET /etc/pa")])

    def test_overlap_with_other_bytes_in_order(self):
        self.assert_stopped("overlap-in-order", handshake() + [from_client(0, b"GET /etc/paXXXX HTTP/1.0\r\n"),
                                                               from_client(0, b"GET /etc/passwd HTTP/1.0\r\n\r\n")],)

    def test_overlap_with_other_bytes_out_of_order(self):
        self.assert_stopped("overlap-reordered", handshake() + [from_client(11, b"sswd HTTP/1.0\r\n\r\n"),
                                                                from_client(0, b"GET /etc/paXXXX"),
                                                                from_client(0, b"GET /etc/pa")])

    def test_request_line_in_three_segments(self):
        self.assert_stopped("three", handshake() + in_order(b"GET /et", b"c/pas", b"swd HTTP/1.1\r\nHost: a\r\n\r\n"))

    def test_second_request_of_a_kept_alive_connection(self):
        self.assert_stopped("keepalive", handshake() + in_order(b"GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /etc/p",
                                                                b"asswd HTTP/1.1\r\n\r\n"))

    def test_normalised_uri(self):
        self.assert_stopped("uri", handshake() + in_order(b"get /x/%2e%2e/etc//pass", b"wd HTTP/1.1\r\n\r\n"))

    def test_a_retransmission_after_the_drop_is_dropped_too(self):
        packets = handshake() + in_order(b"GET /etc/pa", b"sswd HTTP/1.0\r\n\r\n") + [from_client(11, b"sswd HTTP/1.0\r\n\r\n")]
        self.assert_stopped("retransmitted", packets)

    def test_urgent_byte_read_out_of_band(self):
        # "X" is urgent data: a server's stack reads it out of band, so its application reads
        # /etc/passwd. Picket leaves the byte out of the stream too (--stream-urgent oob).
        self.assert_stopped("urgent", handshake() + [from_client(0, b"GET /etc/pa"),
                                                     from_client(11, b"X", flags=0x38, urgent=1),
                                                     from_client(12, b"sswd HTTP/1.0\r\n\r\n")])

    def test_urgent_byte_read_inline(self):
        # For a server that reads urgent data inline, the urgent byte is the attack's own.
        self.assert_stopped("urgent-inline", handshake() + [from_client(0, b"GET /etc/pa"),
                                                            from_client(11, b"s", flags=0x38, urgent=1),
                                                            from_client(12, b"swd HTTP/1.0\r\n\r\n")],
                            extra=("--stream-urgent", "inline"), urgent_inline=True)

    def test_urgent_data_dropped(self):
        # With --stream-urgent drop, no segment with urgent data reaches either kind of server.
        packets = handshake() + [from_client(0, b"GET /etc/pa"), from_client(11, b"s", flags=0x38, urgent=1),
                                 from_client(12, b"swd HTTP/1.0\r\n\r\n")]
        self.assert_stopped("urgent-drop", packets, extra=("--stream-urgent", "drop"), urgent_inline=True)
        self.assert_stopped("urgent-drop", packets, extra=("--stream-urgent", "drop"))

    def test_fragments_in_order(self):
        segment = attack_segment()
        self.assert_stopped("fragments", handshake() + [ipv4_fragment(0, True, segment[:24]),
                                                        ipv4_fragment(24, False, segment[24:])])

    def test_fragments_out_of_order(self):
        segment = attack_segment()
        self.assert_stopped("fragments-reordered", handshake() + [ipv4_fragment(24, False, segment[24:]),
                                                                  ipv4_fragment(0, True, segment[:24])])

    def test_tiny_fragments_split_the_tcp_header(self):
        segment = attack_segment()
        pieces = [ipv4_fragment(at, at + 8 < len(segment), segment[at:at + 8]) for at in range(0, len(segment), 8)]
        self.assert_stopped("fragments-tiny", handshake() + pieces)

    def test_overlapping_fragment_with_other_bytes_after(self):
        # The whole attack, then a fragment that says other bytes for its path: a server that
        # keeps the first bytes reads the attack, one that keeps the last does not; the IPS
        # must not guess. The rewrite is dropped and the datagram judged as first given.
        segment = attack_segment()
        self.assert_stopped("fragments-overlap-after", handshake() + [
            ipv4_fragment(0, True, segment[:32]), ipv4_fragment(24, True, b"/xxx/pas"),
            ipv4_fragment(32, False, segment[32:])])

    def test_overlapping_fragment_with_other_bytes_before(self):
        segment = attack_segment()
        self.assert_stopped("fragments-overlap-before", handshake() + [
            ipv4_fragment(24, True, b"/xxx/pas"), ipv4_fragment(0, True, segment[:32]),
            ipv4_fragment(32, False, segment[32:])])


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]], verbosity=2)
