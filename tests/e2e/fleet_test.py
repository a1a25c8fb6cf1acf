#!/usr/bin/env python3
"""A fleet on etcd: a real 3-member etcd cluster and 3 inline picketd on loopback, steered only
through the store with picketctl --store. Each change (an upsert, a revoke, a policy, a rule
set) is enforced by all three; a lease's end lapses a binding everywhere; a broken rule set is
refused by every node with the same diagnostics and changes nothing; killing an etcd member
changes nothing; a picketd killed with SIGKILL comes back at the same revision with the same
tables. Apart: TLS client certificates (a CA made here), and a node failing closed when its
store is out of reach.

Traffic is live, as in control_test.py: each picketd's net_pcap port reads a FIFO this test
writes frames into, one frame a burst.

usage: fleet_test.py PICKETD PICKETCTL WORK_DIR
"""
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import unittest

import fleet as loopback
from captures import file_header, record, udp_frame
from fleet import PORT, SERVER, Etcd, Node, fleet, make_ca, store_ctl, wait_enforced, written_revision

PICKETD, PICKETCTL, WORK = sys.argv[1:4]
loopback.use(PICKETD, PICKETCTL, WORK)
RULES_A = 'alert udp any any -> any any (msg:"hello seen"; content:"hello"; sid:4000;)\n'
RULES_B = RULES_A + 'drop udp any any -> any any (msg:"attack"; content:"attack"; sid:5000;)\n'
POLICY = f"allow spiffe://e2e/web -> spiffe://e2e/api udp/{PORT}\n"


class Fleet(unittest.TestCase):
    CLUSTER = "e2e"

    @classmethod
    def setUpClass(cls):
        if not shutil.which("etcd"):
            raise RuntimeError("etcd is missing: ci/setup.sh installs etcd-server")
        cls.etcd = Etcd("etcd")
        files = os.path.join(WORK, "files")
        os.makedirs(files, exist_ok=True)
        cls.files = files
        cls.write("a.rules", RULES_A)
        cls.write("b.rules", RULES_B)
        cls.write("policy", POLICY)
        store_ctl(cls.etcd, cls.CLUSTER, "load-rules", os.path.join(files, "a.rules"))
        store_ctl(cls.etcd, cls.CLUSTER, "policy", os.path.join(files, "policy"))
        store_ctl(cls.etcd, cls.CLUSTER, "upsert", "spiffe://e2e/api", SERVER)
        cls.nodes = [Node(f"node{i}", cls.etcd.url(), cls.CLUSTER) for i in range(3)]

    @classmethod
    def tearDownClass(cls):
        for n in getattr(cls, "nodes", []):
            n.stop()
        cls.etcd.stop()

    @classmethod
    def write(cls, name, text):
        with open(os.path.join(cls.files, name), "w") as f:
            f.write(text)
        return os.path.join(cls.files, name)

    def ctl(self, *args, check=True):
        return store_ctl(self.etcd, self.CLUSTER, *args, check=check)

    def change(self, *args):
        """Writes a change to the store; returns its revision once every node enforces it."""
        revision = written_revision(self.ctl(*args))
        wait_enforced(self.nodes, revision)
        return revision

    def verdicts(self, payload, src, sport=40000):
        return [n.judge(payload, src, sport) for n in self.nodes]

    def test_every_node_enforces_each_change_in_the_store(self):
        web = "10.1.0.1"
        self.assertEqual(self.verdicts(b"one", web), ["dropped_policy"] * 3)  # unknown to the policy
        revision = self.change("upsert", "spiffe://e2e/web", web)
        self.assertEqual(self.verdicts(b"hello", web), ["forwarded"] * 3)  # alerts: a record
        for n in self.nodes:  # every record names the store revision it was judged under
            self.assertEqual(n.records()[-1]["store_revision"], revision)
            self.assertEqual(n.records()[-1]["identity"]["src"], "spiffe://e2e/web")

        self.change("load-rules", os.path.join(self.files, "b.rules"))
        self.assertEqual(self.verdicts(b"an attack", web, 40001), ["dropped_signature"] * 3)  # blocks its flow
        self.assertEqual(self.verdicts(b"hello", web), ["forwarded"] * 3)

        batch = "10.1.0.3"
        self.change("upsert", "spiffe://e2e/batch", batch)
        self.assertEqual(self.verdicts(b"three", batch), ["dropped_policy"] * 3)
        self.change("policy", self.write("policy2", POLICY + f"allow spiffe://e2e/batch -> spiffe://e2e/api udp/{PORT}\n"))
        self.assertEqual(self.verdicts(b"four", batch), ["forwarded"] * 3)

        self.change("revoke", web)
        self.assertEqual(self.verdicts(b"five", web), ["dropped_policy"] * 3)
        # A revoke of a prefix the store has no binding for is refused and writes nothing.
        bad = self.ctl("revoke", web, check=False)
        self.assertEqual(bad.returncode, 1)
        self.assertIn("no binding for " + web, bad.stderr)

        # Every node numbers identities alike, so all build the same tables.
        status = fleet(self.etcd, self.CLUSTER)
        self.assertEqual(len(status["nodes"]), 3)
        self.assertEqual(len({n["fingerprint"] for n in status["nodes"]}), 1)
        self.change("load-rules", os.path.join(self.files, "a.rules"))

    def test_a_lease_ending_lapses_the_binding_on_every_node(self):
        web = "10.1.0.4"
        self.change("upsert", "spiffe://e2e/web", web, "--ttl", "2s")
        self.assertEqual(self.verdicts(b"while", web), ["forwarded"] * 3)
        time.sleep(2.3)  # no command: the binding's end is the same instant on every node
        self.assertEqual(self.verdicts(b"after", web), ["dropped_policy"] * 3)
        deadline = time.time() + 10  # and the store forgets it once its lease ends
        while "bindings" in json.dumps(self.keys()) and web in json.dumps(self.keys()):
            self.assertLess(time.time(), deadline, "the lease did not end")
            time.sleep(0.2)

    def keys(self):
        r = subprocess.run(["etcdctl", "--endpoints", f"127.0.0.1:{self.etcd.client_ports[0]}", "get", "--prefix",
                            f"/picket/{self.CLUSTER}/bindings/", "--keys-only"], capture_output=True, text=True)
        return r.stdout.split()

    def test_a_broken_rule_set_is_refused_everywhere_alike(self):
        before = [n.health()["store_revision"] for n in self.nodes]
        broken = self.write("broken.rules", RULES_A + "drop udp any any -> (sid:9;)\n")
        revision = written_revision(self.ctl("load-rules", broken))
        deadline = time.time() + 15
        while True:  # the refusal shows in each node's status key
            refused = [n.get("refused", {}) for n in fleet(self.etcd, self.CLUSTER)["nodes"]]
            if all(r.get("revision") == revision for r in refused):
                break
            self.assertLess(time.time(), deadline, refused)
            time.sleep(0.1)
        errors = {r["error"] for r in refused}
        self.assertEqual(len(errors), 1, errors)  # the same diagnostics on every node
        self.assertIn(f"etcd:/picket/{self.CLUSTER}/rules/broken.rules:2:", errors.pop())
        self.assertEqual([n.health()["store_revision"] for n in self.nodes], before)  # nothing changed
        self.assertEqual(self.verdicts(b"hello", "10.1.0.5"), ["dropped_policy"] * 3)
        self.change("load-rules", os.path.join(self.files, "a.rules"))
        self.assertNotIn("refused", fleet(self.etcd, self.CLUSTER)["nodes"][0])

    def test_ids_allocated_by_racing_writers_are_distinct(self):
        def upsert(i):
            store_ctl(self.etcd, self.CLUSTER, "upsert", f"spiffe://e2e/race/{i}", f"10.2.0.{i}")
        threads = [threading.Thread(target=upsert, args=(i,)) for i in range(1, 13)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        r = subprocess.run(["etcdctl", "--endpoints", f"127.0.0.1:{self.etcd.client_ports[0]}", "get", "--prefix",
                            f"/picket/{self.CLUSTER}/ids/"], capture_output=True, text=True, check=True)
        lines = r.stdout.split()
        ids = dict(zip(lines[0::2], lines[1::2]))
        self.assertEqual(len(set(ids.values())), len(ids), ids)
        self.assertTrue(all(f"/picket/{self.CLUSTER}/ids/spiffe://e2e/race/{i}" in ids for i in range(1, 13)))

    def test_settings_change_waits_for_a_restart(self):
        before = [n.health()["store_revision"] for n in self.nodes]
        revision = written_revision(self.ctl("settings", self.write("settings", "midstream = on\n")))
        deadline = time.time() + 15
        while True:
            refused = [n.get("refused", {}) for n in fleet(self.etcd, self.CLUSTER)["nodes"]]
            if all(r.get("revision") == revision for r in refused):
                break
            self.assertLess(time.time(), deadline, refused)
            time.sleep(0.1)
        self.assertIn("midstream = on", refused[0]["error"])
        self.assertIn("restart", refused[0]["error"])
        self.assertEqual([n.health()["store_revision"] for n in self.nodes], before)
        self.change("settings", self.write("settings", "midstream = off\n"))  # what they run: taken

    def test_z_losing_an_etcd_member_or_a_node_changes_nothing(self):
        self.etcd.kill(0)  # the first member each node talks to
        web = "10.1.0.6"
        self.change("upsert", "spiffe://e2e/web", web)
        self.assertEqual(self.verdicts(b"quorum", web), ["forwarded"] * 3)

        # SIGKILL a node and start it again: it resumes at the store's revision, same tables.
        node = self.nodes[1]
        revision = node.health()["store_revision"]  # int64: a string in protobuf's JSON
        node.kill()
        node.start()
        self.assertEqual(node.health()["store_revision"], revision)
        deadline = time.time() + 10
        while True:
            status = fleet(self.etcd, self.CLUSTER)["nodes"]
            if {n["node"] for n in status} == {"node0", "node1", "node2"} and \
                    len({(n["revision"], n["fingerprint"]) for n in status}) == 1:
                break
            self.assertLess(time.time(), deadline, status)
            time.sleep(0.1)
        self.assertEqual(node.judge(b"again", web), "forwarded")
        # Commands to one node are refused: the store alone steers a fleet.
        r = subprocess.run([PICKETCTL, "--control", node.control, "upsert", "spiffe://e2e/web", "10.1.0.7"],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 1)
        self.assertIn("follows its fleet's store", r.stderr)


class Apart(unittest.TestCase):
    def test_tls_client_certificates(self):
        tls = make_ca(os.path.join(WORK, "ca"))
        etcd = Etcd("etcd-tls", n=1, tls=tls)
        try:
            rules = os.path.join(WORK, "tls.rules")
            with open(rules, "w") as f:
                f.write(RULES_A)
            store_ctl(etcd, "tls", "load-rules", rules)
            # Without a client certificate the member does not let the client in.
            r = subprocess.run([PICKETCTL, "--store", etcd.url(), "--store-ca", tls["ca"], "--cluster", "tls",
                                "fleet"], capture_output=True, text=True)
            self.assertEqual(r.returncode, 3, r.stderr)
            # A node reads its state over TLS (offline: one capture, judged under it).
            capture = os.path.join(WORK, "tls.pcap")
            with open(capture, "wb") as f:
                f.write(file_header() + record(udp_frame("10.1.0.1", SERVER, 1, PORT, b"hello"), 1.0))
            r = subprocess.run([PICKETD, "--store", etcd.url(), *etcd.tls_args(), "--cluster", "tls", "-r", capture,
                                "--eve", os.path.join(WORK, "tls.json"), "--forward", "-", "-q"],
                               capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(os.path.join(WORK, "tls.json")) as f:
                alert = [json.loads(l) for l in f if '"alert"' in l][0]
            self.assertEqual(alert["alert"]["signature_id"], 4000)
            self.assertGreater(alert["store_revision"], 0)
        finally:
            etcd.stop()

    def test_out_of_touch_past_the_bound_fails_closed(self):
        etcd = Etcd("etcd-alone", n=1)
        node = None
        try:
            for args in (("load-rules", os.path.join(WORK, "alone.rules")), ("policy", os.path.join(WORK, "alone.policy"))):
                with open(args[1], "w") as f:
                    f.write(RULES_A if args[0] == "load-rules" else
                            POLICY + f"allow spiffe://e2e/batch -> spiffe://e2e/api udp/{PORT}\n")
                store_ctl(etcd, "alone", *args)
            store_ctl(etcd, "alone", "upsert", "spiffe://e2e/api", SERVER)
            store_ctl(etcd, "alone", "upsert", "spiffe://e2e/web", "10.1.0.1", "--ttl", "1h")  # needs renewing
            store_ctl(etcd, "alone", "upsert", "spiffe://e2e/batch", "10.1.0.3")               # does not
            node = Node("alone", etcd.url(), "alone", ["--store-fail-closed-after", "1s"])
            self.assertEqual(node.judge(b"in touch", "10.1.0.1"), "forwarded")
            etcd.kill(0)
            deadline = time.time() + 15
            while not node.health().get("store_failed_closed"):
                self.assertLess(time.time(), deadline, "the node did not fail closed")
                time.sleep(0.1)
            self.assertGreater(int(node.health()["store_stale_ms"]), 1000)
            self.assertEqual(node.judge(b"out of touch", "10.1.0.1"), "dropped_policy")
            self.assertEqual(node.judge(b"out of touch", "10.1.0.3"), "forwarded")  # no TTL: kept
            etcd.start(0)  # back: the state is enforced whole again
            deadline = time.time() + 20
            while node.health().get("store_failed_closed"):
                self.assertLess(time.time(), deadline, "the node did not come back")
                time.sleep(0.1)
            self.assertEqual(node.judge(b"back", "10.1.0.1"), "forwarded")
        finally:
            if node:
                node.stop()
            etcd.stop()


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
