#!/usr/bin/env python3
"""The command lines as an operator meets them: help, exit codes, and errors that name
file:line:column and leave nothing half-done.

usage: cli_test.py PICKETC PICKETD TRAFGEN POLICY_DIR WORK_DIR
"""
import os
import re
import struct
import subprocess
import sys
import unittest

from captures import LINUX_SLL, RAW, checksum, demo_capture, file_header, frames, ipv4_tcp, link_type, record, write_pcap

PICKETC, PICKETD, TRAFGEN, POLICY, WORK = sys.argv[1:6]


def run(*args):
    return subprocess.run(list(args), capture_output=True, text=True)


def write(name, text):
    path = os.path.join(WORK, name)
    with open(path, "w") as f:
        f.write(text)
    return path


class Cli(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.capture = demo_capture(TRAFGEN, POLICY, WORK)

    def test_help_and_usage_errors(self):
        for prog in (PICKETC, PICKETD, TRAFGEN):
            r = run(prog, "--help")
            self.assertEqual(r.returncode, 0, prog)
            self.assertIn("usage:", r.stdout)
            self.assertEqual(run(prog, "--no-such-option").returncode, 2, prog)
        self.assertEqual(run(PICKETD).returncode, 2)  # no capture
        self.assertEqual(run(PICKETD, "-r", self.capture, "--action-order", "drop,drop").returncode, 2)

    def test_a_configuration_file_reads_as_its_flags(self):
        flags = ["-S", os.path.join(POLICY, "demo.rules"), "--identities", os.path.join(POLICY, "demo.identities"),
                 "--policy", os.path.join(POLICY, "demo.policy"), "--eve", "-", "--forward", "-", "-q"]
        by_flags = run(PICKETD, "-r", self.capture, *flags)
        conf = write("picketd.conf", "# the demo, as a file\n"
                     f"rules = {os.path.join(POLICY, 'demo.rules')}   # a comment\n"
                     f"identities = {os.path.join(POLICY, 'demo.identities')}\n"
                     f"policy = {os.path.join(POLICY, 'demo.policy')}\n"
                     "eve = -\nforward = -\nquiet\n")
        by_file = run(PICKETD, "--config", conf, "-r", self.capture)
        self.assertEqual(by_file.returncode, 0, by_file.stderr)
        # The same summary and records, but for the seconds the judging took.
        timeless = lambda text: re.sub(r"in [0-9.]+ s", "in - s", text)
        self.assertEqual(timeless(by_file.stdout), timeless(by_flags.stdout))
        # The command line comes after the file: its --eve wins over the file's unwritable one.
        conf2 = write("override.conf", f"rules = {os.path.join(POLICY, 'demo.rules')}\n"
                      "eve = /nonexistent/eve.json\nforward = -\n")
        self.assertEqual(run(PICKETD, "--config", conf2, "-r", self.capture).returncode, 1)
        self.assertEqual(run(PICKETD, "--config", conf2, "-r", self.capture, "--eve", "-").returncode, 0)
        # The example deployment's file reads whole (it is inline, so -r conflicts with it).
        example = os.path.join(os.path.dirname(POLICY), "tools", "deploy", "picketd.conf")
        r = run(PICKETD, "--config", example, "-r", self.capture)
        self.assertEqual(r.returncode, 2)
        self.assertIn("do not go together", r.stderr)
        for text, where, words in [("rules demo.rules\n", ":1:1:", "expected 'option = value'"),
                                   ("\n  no-such-option = 1\n", ":2:3:", "unknown option '--no-such-option'"),
                                   ("max-flows = lots\n", ":1:13:", "--max-flows takes a number"),
                                   ("policy =\n", ":1:8:", "has no value"),
                                   ("stream-policy = beos\n", ":1:17:", "--stream-policy takes first, last, bsd"),
                                   ("stream-target = 10.0.0.0/33=linux\n", ":1:17:", "a prefix length of 0 to 32"),
                                   ("redis = 127.0.0.1:99999\n", ":1:9:", "--redis: a port of 1 to 65535"),
                                   ("\nredis-key = decisions\n", ":2:13:", "go with --redis HOST:PORT")]:
            bad = write("bad.conf", text)
            r = run(PICKETD, "--config", bad, "-r", self.capture)
            self.assertEqual(r.returncode, 2, text)
            self.assertIn(bad + where, r.stderr)
            self.assertIn(words, r.stderr)

    def test_a_configuration_option_without_its_value_takes_nothing_from_the_next_line(self):
        conf = write("novalue.conf", "policy\nquiet\n")
        r = run(PICKETD, "--config", conf, "-r", self.capture)
        self.assertEqual(r.returncode, 2)
        self.assertIn(conf + ":1:1: error: --policy needs a value", r.stderr)

    def test_bad_policy_is_refused_with_its_place_and_nothing_is_judged(self):
        policy = write("bad.policy", "allow any -> any tcp/80\npermit any -> any\n")
        eve = os.path.join(WORK, "bad-policy-eve.json")
        r = run(PICKETD, "-r", self.capture, "--policy", policy, "--eve", eve, "--forward", "-")
        self.assertEqual(r.returncode, 1)
        self.assertIn(policy + ":2:1: error: expected 'allow', 'deny' or 'mode'", r.stderr)
        self.assertFalse(os.path.exists(eve))

    def test_bad_identities_and_rules_are_refused(self):
        ids = write("bad.identities", "spiffe://demo/ok 10.0.0.1\nspiffe://demo/x 10.0.0.0/33\n")
        r = run(PICKETD, "-r", self.capture, "--identities", ids, "--eve", "-", "--forward", "-")
        self.assertEqual(r.returncode, 1)
        self.assertIn(ids + ":2:17: error: prefix length must be 0 to 32", r.stderr)
        rules = write("bad.rules", 'alert tcp any any -> any any (content:"x"; depth:0; sid:1;)\n')
        r = run(PICKETD, "-r", self.capture, "-S", rules, "--eve", "-", "--forward", "-")
        self.assertEqual(r.returncode, 1)
        self.assertIn(rules + ":1:", r.stderr)
        r = run(PICKETC, rules)
        self.assertEqual(r.returncode, 1)
        self.assertIn("nothing would be loaded", r.stdout)

    def test_a_file_of_random_bytes_cannot_rewrite_the_terminal(self):
        import random
        rng = random.Random(5)
        junk = bytes(rng.randrange(256) for _ in range(40000)).replace(b"\n", b"\x1b\n")
        path = os.path.join(WORK, "junk.policy")
        with open(path, "wb") as f:
            f.write(junk + b"\n" * 10)
        for args in ((PICKETD, "-r", self.capture, "--policy", path, "--forward", "-"),
                     (PICKETC, os.path.join(POLICY, "demo.rules"), "--policy", path)):
            r = subprocess.run(list(args), capture_output=True)
            self.assertEqual(r.returncode, 1, args)
            err = r.stderr.decode("ascii")  # nothing but ASCII reaches the terminal
            self.assertNotIn("\x1b", err)
            self.assertTrue(all(32 <= ord(c) < 127 for line in err.splitlines() for c in line))
            # The first errors, then a count of the rest; no line quotes more than a short excerpt.
            self.assertLessEqual(sum(path in line and ": error: " in line for line in err.splitlines()), 20)
            self.assertRegex(err, path + r": [0-9]+ more diagnostics not shown")
            self.assertLess(max(len(line) for line in err.splitlines()), 600)

    def test_deeply_nested_lists_are_an_error_not_a_crash(self):
        rules = write("deep.rules", "drop tcp " + "[" * 50000 + "10.0.0.1" + "]" * 50000 + " any -> any "
                      + "!" * 50000 + "80 (content:\"x\"; sid:1;)\n")
        for args in ((PICKETC, rules), (PICKETD, "-r", self.capture, "-S", rules, "--forward", "-")):
            r = run(*args)
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertIn(rules + ":1:", r.stderr)
            self.assertIn("nest deeper than 32", r.stderr)

    def test_unreadable_capture_names_it(self):
        missing = os.path.join(WORK, "missing.pcap")
        r = run(PICKETD, "-r", missing, "--eve", "-", "--forward", "-")
        self.assertEqual(r.returncode, 1)
        self.assertIn(missing, r.stderr)

    def test_a_capture_cut_short_is_a_warning_and_strict_makes_it_an_error(self):
        frame = b"\x02" * 12 + b"\x08\x00" + ipv4_tcp(bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]), 1000, 80, 0x02, 1, 0)
        second = 24 + 16 + len(frame)  # the file header, then the first record
        whole = file_header() + record(frame) + record(frame)
        cut = os.path.join(WORK, "cut.pcap")
        with open(cut, "wb") as f:
            f.write(whole[:-5])  # the second record's last bytes never written
        r = run(PICKETD, "-r", cut, "--forward", "-", "--eve", os.devnull)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(f"picketd: warning: {cut}: record 2 (after packet 1) at byte {second}", r.stderr)
        self.assertIn("truncated records           1:", r.stdout)
        self.assertIn("picketd: 1 packets", r.stdout)  # the first judged
        strict = run(PICKETD, "-r", cut, "--forward", "-", "--eve", os.devnull, "--strict")
        self.assertEqual(strict.returncode, 1)
        self.assertIn("picketd: error: " + cut + ": record 2", strict.stderr)
        # A record whose length no capture tool writes stops the read: an error naming it.
        bogus = os.path.join(WORK, "bogus-length.pcap")
        with open(bogus, "wb") as f:
            f.write(file_header() + record(frame) + struct.pack("<IIII", 0, 0, 0xFFFFFFF0, 0xFFFFFFF0) + frame)
        r = run(PICKETD, "-r", bogus, "--forward", "-", "--eve", os.devnull)
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"picketd: error: {bogus}: record 2 (after packet 1) at byte ", r.stderr)

    def test_bad_scenario_names_its_place(self):
        scenario = write("bad.scenario", "start 2023-11-14T22:13:20Z\nhost a 10.0.0.1\nsession 1 a:1 -> b:2 tcp\nend\n")
        r = run(TRAFGEN, scenario, "-o", os.path.join(WORK, "bad.pcap"))
        self.assertEqual(r.returncode, 1)
        self.assertIn(scenario + ":3:", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(WORK, "bad.pcap")))

    def test_skipped_rules_warn_and_strict_refuses(self):
        rules = write("skip.rules", 'alert dns any any -> any any (sid:1;)\nalert tcp any any -> any any (sid:2;)\n')
        r = run(PICKETD, "-r", self.capture, "-S", rules, "--eve", "-", "--forward", "-")
        self.assertEqual(r.returncode, 0)
        self.assertIn("warning: rule skipped: protocol 'dns' is not supported (sid 1)", r.stderr)
        self.assertEqual(run(PICKETD, "-r", self.capture, "-S", rules, "--strict", "--eve", "-", "--forward",
                             "-").returncode, 1)

    def test_reject_answers_keep_the_captures_link_type(self):
        rules = write("reject.rules", 'reject tcp any any -> any 80 (content:"evil"; sid:9;)\n')
        client, server = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
        attack = ipv4_tcp(client, server, 40000, 80, 0x18, 1000, 5000, b"GET /evil HTTP/1.0\r\n\r\n")
        sender_mac = bytes([0x3C, 0xFD, 0xFE, 0x11, 0x22, 0x33])
        # Linux cooked: packet type 0 (to us), ARPHRD_ETHER, the sender's address, IPv4.
        cooked = struct.pack("!HHH", 0, 1, 6) + sender_mac + b"\0\0" + struct.pack("!H", 0x0800)
        for name, link, header in [("cooked", LINUX_SLL, cooked), ("raw", RAW, b"")]:
            capture = os.path.join(WORK, f"reject-{name}.pcap")
            forwarded = os.path.join(WORK, f"reject-{name}-forwarded.pcap")
            write_pcap(capture, file_header(link), [header + attack])
            r = run(PICKETD, "-r", capture, "-S", rules, "--eve", "-", "--forward", forwarded, "-q")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertRegex(r.stdout, r"reject answers sent +1\n")
            self.assertEqual(link_type(forwarded), link, name)
            (answer,) = frames(forwarded)  # the attack itself is dropped
            if link == LINUX_SLL:
                self.assertEqual(struct.unpack("!H", answer[:2])[0], 4, "packet type: outgoing")
                self.assertEqual(answer[2:16], cooked[2:16])
            ip = answer[len(header):]
            self.assertEqual(ip[0], 0x45, name)
            self.assertEqual(ip[12:16], server)
            self.assertEqual(ip[16:20], client)
            self.assertEqual(checksum(ip[:20]), 0)
            sport, dport, seq = struct.unpack("!HHI", ip[20:28])
            self.assertEqual((sport, dport, seq), (80, 40000, 5000))
            self.assertEqual(ip[33] & 0x04, 0x04, "RST")


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]], verbosity=1)
