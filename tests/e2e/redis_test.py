#!/usr/bin/env python3
"""Decision records to a real redis-server, started here on a loopback port: every record of
the decision log arrives, offline and inline (a DPDK EAL on a pcap vdev, where picketctl
counters shows them while it runs), in each mode (LPUSH, RPUSH, PUBLISH); with Redis down or its queue
full, the verdicts are the same as without Redis and the summary counts every record lost.

usage: redis_test.py PICKETD PICKETCTL TRAFGEN POLICY_DIR WORK_DIR
"""
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import unittest

from captures import demo_capture

PICKETD, PICKETCTL, TRAFGEN, POLICY, WORK = sys.argv[1:6]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_cli(port, *args):
    return subprocess.run(["redis-cli", "-p", str(port), "--no-raw", *args], capture_output=True, text=True,
                          check=True).stdout


def lines(path):
    with open(path) as f:
        return f.read().splitlines()


class Redis(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not shutil.which("redis-server"):
            raise RuntimeError("redis-server is missing: ci/setup.sh installs it")
        cls.capture = demo_capture(TRAFGEN, POLICY, WORK)
        cls.port = free_port()
        cls.server = subprocess.Popen(["redis-server", "--port", str(cls.port), "--bind", "127.0.0.1", "--save", "",
                                       "--appendonly", "no", "--dir", WORK], stdout=subprocess.DEVNULL)
        for _ in range(100):
            if subprocess.run(["redis-cli", "-p", str(cls.port), "PING"], capture_output=True).stdout.strip() == b"PONG":
                break
            time.sleep(0.05)
        else:
            raise RuntimeError("redis-server did not start")

    @classmethod
    def tearDownClass(cls):
        cls.server.terminate()
        cls.server.wait()

    def picketd(self, name, *extra):
        eve, fwd = os.path.join(WORK, name + ".json"), os.path.join(WORK, name + ".pcap")
        r = subprocess.run([PICKETD, "-r", self.capture, "-S", os.path.join(POLICY, "demo.rules"),
                            "--identities", os.path.join(POLICY, "demo.identities"),
                            "--policy", os.path.join(POLICY, "demo.policy"), "--eve", eve, "--forward", fwd, "-q",
                            *extra], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        m = re.search(r"records to Redis +(\d+) sent, (\d+) dropped", r.stdout)
        sent, dropped = (int(m.group(1)), int(m.group(2))) if m else (None, None)
        with open(fwd, "rb") as f:
            return lines(eve), f.read(), sent, dropped, r.stdout

    def elements(self, key):
        out = subprocess.run(["redis-cli", "-p", str(self.port), "--raw", "LRANGE", key, "0", "-1"],
                             capture_output=True, text=True, check=True).stdout
        return out.splitlines()

    def test_every_record_arrives_as_the_log_has_it(self):
        records, _, sent, dropped, _ = self.picketd("list", "--redis", f"127.0.0.1:{self.port}", "--redis-key", "list")
        self.assertGreater(len(records), 100)
        self.assertEqual((sent, dropped), (len(records), 0))
        self.assertEqual(self.elements("list"), records[::-1])  # LPUSH: the newest first
        records, _, sent, _, _ = self.picketd("rpush", "--redis", f"localhost:{self.port}", "--redis-key", "rpush",
                                              "--redis-mode", "rpush")
        self.assertEqual(self.elements("rpush"), records)

    def test_a_channel_gets_every_record(self):
        listener = subprocess.Popen(["redis-cli", "-p", str(self.port), "--raw", "SUBSCRIBE", "decisions"],
                                    stdout=subprocess.PIPE, text=True)
        self.assertEqual(listener.stdout.readline().strip(), "subscribe")  # subscribed before picketd sends
        for _ in range(2):
            listener.stdout.readline()
        records, _, sent, _, _ = self.picketd("channel", "--redis", f"127.0.0.1:{self.port}", "--redis-key", "decisions",
                                              "--redis-mode", "channel")
        self.assertEqual(sent, len(records))
        got = []
        while len(got) < len(records):
            kind, _, message = (listener.stdout.readline().strip() for _ in range(3))
            self.assertEqual(kind, "message")
            got.append(message)
        listener.terminate()
        listener.wait()
        listener.stdout.close()
        self.assertEqual(got, records)

    def test_inline_workers_send_their_records_and_picketctl_counts_them(self):
        eve, out = os.path.join(WORK, "inline.json"), os.path.join(WORK, "inline.out.pcap")
        if os.path.exists(eve):
            os.remove(eve)  # inline appends to its log
        control = "ipc://" + os.path.join(WORK, "control")
        proc = subprocess.Popen([PICKETD, "-q", "--engine", "sw", "-S", os.path.join(POLICY, "demo.rules"),
                                 "--control", control, "--publish", "none", "--eve", eve, "--stop-when-idle", "3000",
                                 "--redis", f"127.0.0.1:{self.port}", "--redis-key", "inline", "--redis-mode", "rpush",
                                 "--ports", "0", "--", "--no-huge", "--no-pci", "--no-shconf", "-m", "256",
                                 "--log-level", "lib.eal:error", "-l", "0-1", "--vdev",
                                 f"net_pcap0,rx_pcap={self.capture},tx_pcap={out}"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        counted, deadline = "", time.time() + 30
        while time.time() < deadline:  # while it runs, once the capture's records have gone
            c = subprocess.run([PICKETCTL, "--control", control, "counters"], capture_output=True, text=True)
            m = re.search(r"records to Redis: (\d+) sent, (\d+) dropped", c.stdout)
            if m and int(m.group(1)) > 0 and int(m.group(1)) == len(self.elements("inline")):
                counted = m.group(0)
                break
            time.sleep(0.1)
        stdout, stderr = proc.communicate(timeout=60)
        self.assertEqual(proc.returncode, 0, stderr)
        self.assertTrue(counted, "picketctl counters never showed the records sent")
        self.assertTrue(counted.endswith(" 0 dropped"), counted)
        records = lines(eve)  # with the flow records written at the stop
        self.assertIn(f"records to Redis: {len(records)} sent, 0 dropped", stdout)
        self.assertEqual(self.elements("inline"), records)

    def test_without_redis_the_verdicts_stand_and_every_lost_record_is_counted(self):
        records, forwarded, sent, dropped, _ = self.picketd("alone")
        self.assertIsNone(sent)  # no Redis, no Redis line
        down = free_port()  # nothing listens there
        got, forwarded_down, sent, dropped, out = self.picketd("down", "--redis", f"127.0.0.1:{down}")
        self.assertEqual(forwarded_down, forwarded)
        self.assertEqual(got, records)
        self.assertEqual((sent, dropped), (0, len(records)))
        self.assertIn("Connection refused", out)
        # A queue of 10 keeps 10 of a batch's records and drops the rest, never waiting.
        _, forwarded_full, sent, dropped, _ = self.picketd("full", "--redis", f"127.0.0.1:{self.port}",
                                                          "--redis-key", "full", "--redis-queue", "10")
        self.assertEqual(forwarded_full, forwarded)
        self.assertGreater(dropped, 0)
        self.assertEqual(sent + dropped, len(records))
        self.assertEqual(len(self.elements("full")), sent)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]], verbosity=1)
