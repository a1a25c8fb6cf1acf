#!/usr/bin/env python3
"""picketd inline, steered by picketctl while traffic flows: bindings upserted, lapsing and
revoked change the verdicts of a live flow; rule sets swapped under traffic lose no packet and
every record names one generation; the PUB stream carries what the log file holds.

The traffic is live: picketd's net_pcap port reads a FIFO this test writes frames into, so the
test decides what arrives when, between commands. net_pcap fills a whole burst before it
returns, waiting on the FIFO for the rest, so picketd takes one frame a burst here.

usage: control_test.py PICKETD PICKETCTL PICKETC POLICY_DIR WORK_DIR
"""
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
import unittest

from captures import eve_records, frames, pcap_fifo, record, udp_frame

PICKETD, PICKETCTL, PICKETC, POLICY, WORK = sys.argv[1:6]
EAL = ["--no-huge", "--no-pci", "--no-shconf", "-m", "256", "--log-level", "lib.eal:error", "-l", "0-1"]

CLIENT, SERVER, PORT = "10.1.0.1", "10.1.0.2", 8080
RULES_A = 'alert udp any any -> any any (msg:"hello seen"; content:"hello"; sid:4000;)\n'
RULES_B = RULES_A + 'drop udp any any -> any any (msg:"attack"; content:"attack"; sid:5000;)\n'


class Daemon:
    """A picketd whose one port reads the frames written to a FIFO."""

    def __init__(self, name, extra_args=(), env=None, default_sockets=False):
        self.dir = os.path.join(WORK, name)
        os.makedirs(self.dir, exist_ok=True)
        self.fifo = os.path.join(self.dir, "in.pcap")
        self.fd = pcap_fifo(self.fifo)
        self.sent = 0
        self.out = os.path.join(self.dir, "out.pcap")
        self.eve = os.path.join(self.dir, "eve.json")
        for f in (self.out, self.eve):
            if os.path.exists(f):
                os.remove(f)
        self.env = env
        self.control = "ipc://" + os.path.join(self.dir, "control")
        self.publish = "ipc://" + os.path.join(self.dir, "records")
        sockets = [] if default_sockets else ["--control", self.control, "--publish", self.publish]
        open(os.path.join(self.dir, "identities"), "w").write(f"spiffe://e2e/api {SERVER}\n")
        open(os.path.join(self.dir, "policy"), "w").write(
            f"allow spiffe://e2e/web -> spiffe://e2e/api udp/{PORT}\n")
        open(os.path.join(self.dir, "a.rules"), "w").write(RULES_A)
        open(os.path.join(self.dir, "b.rules"), "w").write(RULES_B)
        self.stderr = open(os.path.join(self.dir, "stderr"), "w+")
        self.proc = subprocess.Popen(
            [PICKETD, "--engine", "sw", "-S", os.path.join(self.dir, "a.rules"),
             "--identities", os.path.join(self.dir, "identities"), "--policy", os.path.join(self.dir, "policy"),
             "--eve", self.eve, *sockets, "--ports", "0",
             "--burst", "1", *extra_args, "--", *EAL, "--vdev", f"net_pcap0,rx_pcap={self.fifo},tx_pcap={self.out}"],
            stdout=subprocess.PIPE, stderr=self.stderr, text=True, env=env)
        deadline = time.time() + 30
        while True:
            with open(self.stderr.name) as f:
                said = f.read()
            if "SIGINT or SIGTERM stops" in said:
                break
            if self.proc.poll() is not None or time.time() > deadline:
                raise AssertionError("picketd did not start: " + said)
            time.sleep(0.05)

    def ctl(self, *args, check=True):
        run = subprocess.run([PICKETCTL, "--control", self.control, "--publish", self.publish, *args],
                             capture_output=True, text=True, timeout=60)
        if check and run.returncode != 0:
            raise AssertionError(f"picketctl {args}: {run.returncode}: {run.stderr}")
        return run

    def ask(self, *args):
        return json.loads(self.ctl("--json", *args).stdout)

    def send(self, frame_list, wait=True):
        for f in frame_list:
            os.write(self.fd, record(f, time.time()))
        self.sent += len(frame_list)
        if wait:
            self.wait_received()

    def wait_received(self):
        deadline = time.time() + 30
        while True:
            c = self.ask("counters")["counters"]
            if int(c.get("received", 0)) >= self.sent:
                return c
            if time.time() > deadline:
                raise AssertionError(f"picketd received {c.get('received')} of {self.sent} frames")
            time.sleep(0.02)

    def records(self):
        return eve_records(self.eve)

    def stop(self):
        os.close(self.fd)  # the port sees the end of its capture
        self.proc.send_signal(signal.SIGTERM)
        stdout, _ = self.proc.communicate(timeout=30)
        self.stderr.close()
        return self.proc.returncode, stdout


def flow(payload, n=1, sport=40000, src=CLIENT):
    return [udp_frame(src, SERVER, sport, PORT, payload)] * n


class Control(unittest.TestCase):
    def test_bindings_change_a_live_flow(self):
        d = Daemon("bindings")
        try:
            self.assertEqual(d.ask("health")["health"]["generation"], 1)
            d.send(flow(b"one", 3))  # the client is unknown: the policy drops it
            c = d.ask("counters")["counters"]
            self.assertEqual((int(c.get("forwarded", 0)), int(c["dropped_policy"])), (0, 3))
            self.assertEqual(d.records()[-1]["identity"]["src"], "unknown")

            r = d.ctl("upsert", "spiffe://e2e/web", CLIENT)
            self.assertIn("generation 2 in force", r.stdout)
            d.send(flow(b"two", 3))  # the same flow's next packets
            self.assertEqual(int(d.ask("counters")["counters"]["forwarded"]), 3)

            d.ctl("upsert", "spiffe://e2e/web", CLIENT, "--ttl", "1500ms")  # generation 3
            d.send(flow(b"three", 2))
            self.assertEqual(int(d.ask("counters")["counters"]["forwarded"]), 5)
            time.sleep(1.7)  # the binding lapses, with no command
            d.send(flow(b"four", 2))
            c = d.ask("counters")["counters"]
            self.assertEqual((int(c["forwarded"]), int(c["dropped_policy"])), (5, 5))
            lapsed = d.records()[-1]
            self.assertEqual((lapsed["identity"]["src"], lapsed["generation"]), ("unknown", 3))

            d.ctl("upsert", "spiffe://e2e/web", f"{CLIENT}/32")  # generation 4
            d.send(flow(b"five", 1))
            r = d.ctl("revoke", CLIENT)  # generation 5
            self.assertIn("generation 5 in force", r.stdout)
            d.send(flow(b"six", 1))
            c = d.ask("counters")["counters"]
            self.assertEqual((int(c["forwarded"]), int(c["dropped_policy"])), (6, 6))
            self.assertEqual(d.records()[-1]["generation"], 5)

            # Refused commands change nothing and say why; the exit status tells a script.
            bad = d.ctl("upsert", "spiffe://e2e/web", "10.1.0.0/33", check=False)
            self.assertEqual(bad.returncode, 1)
            self.assertIn("binding 1", bad.stderr)
            broken = os.path.join(d.dir, "broken.rules")
            open(broken, "w").write(RULES_A + "drop udp any any -> (sid:9;)\n")
            bad = d.ctl("load-rules", broken, check=False)
            self.assertEqual(bad.returncode, 1)
            self.assertIn(broken + ":2:", bad.stderr)
            self.assertEqual(d.ask("health")["health"]["generation"], 5)
        finally:
            status, stdout = d.stop()
        self.assertEqual(status, 0)
        self.assertEqual(len(frames(d.out)), 6)

    def test_a_table_image_replaces_rules_bindings_and_policy(self):
        d = Daemon("image")
        try:
            d.send(flow(b"hello", 1))  # the client is unknown: the policy drops it
            self.assertEqual(int(d.ask("counters")["counters"]["dropped_policy"]), 1)
            sources = {name: os.path.join(d.dir, "image." + name) for name in ("rules", "identities", "policy")}
            open(sources["rules"], "w").write(RULES_B)
            open(sources["identities"], "w").write(f"spiffe://e2e/web {CLIENT}\nspiffe://e2e/api {SERVER}\n")
            open(sources["policy"], "w").write(f"allow spiffe://e2e/web -> spiffe://e2e/api udp/{PORT}\n")
            image = os.path.join(d.dir, "new.image")
            subprocess.run([PICKETC, "-q", sources["rules"], "--identities", sources["identities"],
                            "--policy", sources["policy"], "-o", image], check=True, capture_output=True)

            r = d.ctl("load-image", image)
            self.assertIn("generation 2 in force", r.stdout)
            d.send(flow(b"hello", 2) + flow(b"attack", 1, sport=40001))
            c = d.ask("counters")["counters"]
            self.assertEqual((int(c["forwarded"]), int(c["dropped_signature"])), (2, 1))
            self.assertEqual(d.records()[-1]["alert"]["signature_id"], 5000)
            self.assertEqual(d.records()[-1]["identity"]["src"], "spiffe://e2e/web")

            damaged = os.path.join(d.dir, "damaged.image")
            open(damaged, "wb").write(open(image, "rb").read()[:-7])
            bad = d.ctl("load-image", damaged, check=False)
            self.assertEqual(bad.returncode, 1)
            self.assertIn(damaged + ":", bad.stderr)
            self.assertEqual(d.ask("health")["health"]["generation"], 2)
        finally:
            status, _ = d.stop()
        self.assertEqual(status, 0)

    def test_an_image_is_judged_under_the_settings_it_was_compiled_for(self):
        d = Daemon("settings", ["--malformed", "forward"])
        try:
            rules = os.path.join(d.dir, "image.rules")
            open(rules, "w").write(RULES_B)
            forward_image = os.path.join(d.dir, "forward.image")
            default_image = os.path.join(d.dir, "default.image")
            subprocess.run([PICKETC, "-q", rules, "--malformed", "forward", "-o", forward_image], check=True,
                           capture_output=True)
            subprocess.run([PICKETC, "-q", rules, "-o", default_image], check=True, capture_output=True)
            checked = subprocess.run([PICKETC, "--check-image", forward_image], capture_output=True, text=True)
            self.assertIn("--malformed forward", checked.stdout)

            bad = d.ctl("load-image", default_image, check=False)
            self.assertEqual(bad.returncode, 1)
            self.assertIn("--malformed drop", bad.stderr)
            self.assertIn("--malformed forward", bad.stderr)
            self.assertEqual(d.ask("health")["health"]["generation"], 1)

            r = d.ctl("load-image", forward_image)
            self.assertIn("generation 2 in force", r.stdout)
            # A frame cut inside its IP header: forwarded, as --malformed forward says.
            d.send([udp_frame(CLIENT, SERVER, 40000, PORT, b"x")[:20]])
            self.assertEqual(int(d.ask("counters")["counters"]["forwarded"]), 1)
        finally:
            status, _ = d.stop()
        self.assertEqual(status, 0)

    def test_the_verilator_model_takes_changes_too(self):
        d = Daemon("sim", ["--engine", "sim"])
        try:
            self.assertEqual(d.ask("health")["health"]["engine"], "sim")
            d.send(flow(b"hello", 1))  # unknown client: dropped by policy, on the device
            d.ctl("upsert", "spiffe://e2e/web", CLIENT)  # the device loads generation 2's tables
            d.send(flow(b"hello", 2))
            d.ctl("load-rules", os.path.join(d.dir, "b.rules"))  # generation 3
            d.send(flow(b"attack", 1, sport=40001))
            c = d.ask("counters")["counters"]
            self.assertEqual((int(c["forwarded"]), int(c["dropped_policy"]), int(c["dropped_signature"])), (2, 1, 1))
            self.assertEqual([r["generation"] for r in d.records()][-1], 3)
            self.assertEqual(d.ask("health")["health"]["workers_behind"], 0)
        finally:
            status, _ = d.stop()
        self.assertEqual(status, 0)

    def test_rule_swaps_under_traffic_lose_nothing_and_the_stream_matches_the_log(self):
        d = Daemon("swap")
        tail_out = open(os.path.join(d.dir, "tail.json"), "w")
        tail = subprocess.Popen([PICKETCTL, "--publish", d.publish, "--json", "tail", "--seconds", "60"],
                                stdout=tail_out)
        try:
            d.ctl("upsert", "spiffe://e2e/web", "10.1.0.0/24")  # generation 2: the clients may talk
            time.sleep(0.5)  # the subscriber's connection is up before the first record
            total = 4000
            traffic = []
            for i in range(total):  # 40 flows; every fifth packet an attack, every third a greeting
                payload = b"attack %d" % i if i % 5 == 0 else b"hello %d" % i if i % 3 == 0 else b"data %d" % i
                traffic.append(udp_frame(f"10.1.0.{10 + i % 40}", SERVER, 41000 + i % 40, PORT, payload))
            writer = threading.Thread(target=lambda: [d.send(traffic[i:i + 50], wait=False) or time.sleep(0.01)
                                                      for i in range(0, total, 50)])
            b_generations = set()
            writer.start()
            for k in range(6):  # swap A -> B -> A ... while the frames flow
                which = "b" if k % 2 == 0 else "a"
                r = d.ask("load-rules", os.path.join(d.dir, which + ".rules"))
                self.assertTrue(r["ok"], r)
                if which == "b":
                    b_generations.add(r["generation"])
                time.sleep(0.1)
            writer.join()
            c = d.wait_received()
            self.assertEqual(int(c["received"]), total)
            self.assertEqual(int(c["forwarded"]) + int(c["dropped"]), total)  # every frame judged, none lost
            self.assertGreater(int(c["dropped_signature"]), 0)
            time.sleep(0.3)
        finally:
            status, stdout = d.stop()
            tail.send_signal(signal.SIGTERM)
            tail.wait(timeout=10)
            tail_out.close()
        self.assertEqual(status, 0)
        self.assertEqual(len(frames(d.out)), int(c["forwarded"]))
        records = d.records()
        seen = {r["generation"] for r in records}
        self.assertTrue(seen <= set(range(2, 9)), seen)
        for r in records:
            if r.get("alert", {}).get("signature_id") == 5000:  # only rule set B has it
                self.assertIn(r["generation"], b_generations, r)
        self.assertGreater(len({r["generation"] for r in records if r["generation"] in b_generations}), 0)
        with open(tail_out.name) as f:
            streamed = [json.loads(l) for l in f]
        self.assertEqual(streamed, records)

    def test_a_daemon_without_keys_will_not_listen_on_tcp_even_on_loopback(self):
        for endpoint in ("tcp://0.0.0.0:7790", "tcp://127.0.0.1:7790"):
            run = subprocess.run([PICKETD, "-q", "--engine", "sw", "-S", os.path.join(POLICY, "demo.rules"),
                                  "--control", endpoint, "--ports", "0", "--", *EAL, "--vdev",
                                  "net_null0"], capture_output=True, text=True, timeout=60)
            self.assertEqual(run.returncode, 1, endpoint)
            self.assertIn(endpoint + ": without CURVE keys the control sockets are Unix sockets only", run.stderr)

    def test_picketctl_without_a_daemon_says_so(self):
        run = subprocess.run([PICKETCTL, "--control", "ipc://" + os.path.join(WORK, "nobody"), "--timeout", "300",
                              "health"], capture_output=True, text=True, timeout=30)
        self.assertEqual(run.returncode, 3)
        self.assertIn("no reply", run.stderr)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OwnerOnly(unittest.TestCase):
    """Who may steer the daemon: its own user on the default Unix sockets, and over TCP only
    the clients whose CURVE keys it lists. Everyone else is refused, with exit status 4."""

    def test_the_default_sockets_are_owner_only_and_picketctl_finds_them(self):
        run_dir = os.path.join(WORK, "run-default")
        shutil.rmtree(run_dir, ignore_errors=True)
        env = dict(os.environ, PICKET_RUN_DIR=run_dir)
        d = Daemon("default-sockets", env=env, default_sockets=True)
        try:
            self.assertEqual(stat.S_IMODE(os.stat(run_dir).st_mode), 0o700)
            for name in ("control", "records"):
                st = os.stat(os.path.join(run_dir, name))
                self.assertTrue(stat.S_ISSOCK(st.st_mode), name)
                self.assertEqual(stat.S_IMODE(st.st_mode), 0o600, name)
            mine = subprocess.run([PICKETCTL, "--json", "health"], env=env, capture_output=True, text=True, timeout=60)
            self.assertEqual(mine.returncode, 0, mine.stderr)
            self.assertEqual(json.loads(mine.stdout)["health"]["state"], "running")
            if os.geteuid() != 0:
                self.skipTest("another user's picketctl needs root to start it")
            for command in (["health"], ["load-rules", "/dev/null"], ["tail", "--seconds", "1"]):
                other = subprocess.run([PICKETCTL, "--timeout", "2000", *command], env=env, user="nobody",
                                       capture_output=True, text=True, timeout=60)
                self.assertEqual(other.returncode, 4, (command, other.stderr))
                self.assertIn("permission denied", other.stderr)
            # and the rules stand
            self.assertEqual(json.loads(subprocess.run([PICKETCTL, "--json", "health"], env=env, capture_output=True,
                                                       text=True, timeout=60).stdout)["health"]["rules"], 1)
        finally:
            d.stop()

    def test_a_run_directory_others_can_enter_is_refused(self):
        run_dir = os.path.join(WORK, "run-open")
        shutil.rmtree(run_dir, ignore_errors=True)
        os.makedirs(run_dir)
        os.chmod(run_dir, 0o755)
        run = subprocess.run([PICKETD, "-q", "--engine", "sw", "-S", os.path.join(POLICY, "demo.rules"),
                              "--ports", "0", "--", *EAL, "--vdev", "net_null0"],
                             env=dict(os.environ, PICKET_RUN_DIR=run_dir), capture_output=True, text=True, timeout=60)
        self.assertEqual(run.returncode, 1)
        self.assertIn(run_dir + ": group or others may enter it (mode 755)", run.stderr)
        self.assertEqual(os.listdir(run_dir), [])

    def test_over_tcp_only_listed_keys_are_answered_and_the_rest_exit_4(self):
        keys = os.path.join(WORK, "keys")
        shutil.rmtree(keys, ignore_errors=True)
        os.makedirs(keys)
        for name in ("server", "listed", "stranger"):
            subprocess.run([PICKETCTL, "keygen", os.path.join(keys, name)], check=True, capture_output=True)
        with open(os.path.join(keys, "listed.pub")) as f, open(os.path.join(keys, "allow"), "w") as allow:
            allow.write(f.read())
        control, publish = (f"tcp://127.0.0.1:{free_port()}" for _ in range(2))
        d = Daemon("curve-tcp", ["--control", control, "--publish", publish,
                                 "--curve-key", os.path.join(keys, "server.key"),
                                 "--curve-allow", os.path.join(keys, "allow")])

        def ctl(key, *command):
            who = [] if key is None else ["--server-key", os.path.join(keys, "server.pub"),
                                          "--key", os.path.join(keys, key + ".key")]
            return subprocess.run([PICKETCTL, "--control", control, "--publish", publish, "--timeout", "10000",
                                   *who, *command], capture_output=True, text=True, timeout=60)

        try:
            self.assertEqual(ctl("listed", "health").returncode, 0)
            started = time.time()
            stranger = ctl("stranger", "health")
            self.assertEqual(stranger.returncode, 4, stranger.stderr)
            self.assertIn("refused this client's key", stranger.stderr)
            self.assertLess(time.time() - started, 9, "the refusal was waited out, not seen")
            bare = ctl(None, "health")
            self.assertEqual(bare.returncode, 4, bare.stderr)
            self.assertIn("handshake failed", bare.stderr)
            tail = ctl("stranger", "tail", "--seconds", "10")
            self.assertEqual(tail.returncode, 4, tail.stderr)
            self.assertIn("refused this client's key", tail.stderr)
        finally:
            d.stop()


if __name__ == "__main__":
    os.makedirs(WORK, exist_ok=True)
    unittest.main(argv=[sys.argv[0]], verbosity=2)
