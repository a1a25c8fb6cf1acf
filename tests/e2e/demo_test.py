#!/usr/bin/env python3
"""The demo's outcome, through the real programs: picket-trafgen writes the capture from
policy/demo.scenario, picketd judges it with policy/demo.{rules,policy,identities}.

usage: demo_test.py TRAFGEN PICKETD POLICY_DIR WORK_DIR
"""
import json
import os
import subprocess
import sys
import unittest

from captures import demo_capture

TRAFGEN, PICKETD, POLICY, WORK = sys.argv[1:5]
LAPSE = "2023-11-14T22:14:20"  # the batch job's binding ends here

ATTACKS = {  # client endpoint -> the sid that must block it
    ("10.10.2.20", 42900): 1000001,   # SQL injection
    ("198.51.100.23", 51000): 1000003,  # Log4Shell
    ("10.10.1.10", 41900): 1000005,   # reverse shell via debug endpoint
    ("198.51.100.23", 51100): 1000002,  # tautology
    ("10.10.3.30", 43900): 1000004,   # shell from the database tier
    ("10.10.3.30", 44900): 1000006,   # exfiltration to world
}
FORBIDDEN = {("10.10.1.10", 41950), ("203.0.113.66", 52100), ("10.10.5.50", 46100)}
BATCH = ("10.10.5.50", 46000)
SCANNER = ("203.0.113.66", 52000)


def client_of(e):
    """The client endpoint of a record's flow."""
    if e.get("direction") == "to_client":
        return (e["dest_ip"], e.get("dest_port"))
    return (e["src_ip"], e.get("src_port"))


class Demo(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        capture = demo_capture(TRAFGEN, POLICY, WORK)
        run = subprocess.run([PICKETD, "-q", "-r", capture, "-S", os.path.join(POLICY, "demo.rules"),
                              "--policy", os.path.join(POLICY, "demo.policy"),
                              "--identities", os.path.join(POLICY, "demo.identities"),
                              "--classification", os.path.join(POLICY, "demo.classification"), "-l", WORK],
                             check=True, capture_output=True, text=True)
        cls.summary = run.stdout
        lines = [json.loads(l) for l in open(os.path.join(WORK, "eve.json"))]
        cls.records = [e for e in lines if e["event_type"] != "flow"]
        cls.flows = [e for e in lines if e["event_type"] == "flow"]

    def test_every_attack_is_blocked_by_its_rule(self):
        for client, sid in ATTACKS.items():
            firsts = [e for e in self.records if client_of(e) == client and e["event_type"] == "alert"
                      and not e["alert"].get("flow_blocked")]
            self.assertEqual([(e["alert"]["signature_id"], e["alert"]["action"]) for e in firsts],
                             [(sid, "blocked")], client)
            self.assertEqual([e["verdict"] for e in firsts], [{"action": "drop"}], client)
            # The rest of the flow, both ways, is dropped under the same rule.
            later = [e for e in self.records if client_of(e) == client and e["alert"].get("flow_blocked")]
            self.assertTrue(later, client)
            self.assertTrue(all(e["alert"]["signature_id"] == sid for e in later))
            self.assertIn("to_client", {e["direction"] for e in later})

    def test_forbidden_paths_are_dropped_by_policy(self):
        for client in FORBIDDEN:
            drops = [e for e in self.records if client_of(e) == client]
            self.assertTrue(drops, client)
            self.assertTrue(all(e["event_type"] == "drop" and e["drop"]["reason"] == "policy" for e in drops))
            self.assertEqual(drops[0]["policy"]["decision"], "deny")

    def test_batch_job_is_allowed_until_its_binding_lapses(self):
        batch = [e for e in self.records if client_of(e) == BATCH]
        self.assertTrue(batch)
        self.assertTrue(all(e["timestamp"] > LAPSE for e in batch))  # nothing before the lapse
        first = min(batch, key=lambda e: e["timestamp"])
        self.assertEqual(first["identity"]["src"], "world")  # the address is no longer the batch job
        self.assertEqual(first["drop"]["reason"], "policy")

    def test_scanner_is_recorded_and_forwarded(self):
        alerts = [e for e in self.records if client_of(e) == SCANNER]
        self.assertEqual([(e["alert"]["signature_id"], e["alert"]["action"]) for e in alerts], [(1000007, "allowed")])
        self.assertEqual(alerts[0]["verdict"], {"action": "alert"})  # forwarded
        self.assertEqual(alerts[0]["identity"]["dst"], "spiffe://demo.picket/frontend")

    def test_normal_traffic_has_no_records(self):
        flagged = set(ATTACKS) | FORBIDDEN | {BATCH, SCANNER}
        stray = [e for e in self.records if client_of(e) not in flagged]
        self.assertEqual(stray, [])

    def test_records_carry_identity_and_policy(self):
        e = next(e for e in self.records if client_of(e) == ("10.10.2.20", 42900))
        self.assertEqual(e["identity"], {"src": "spiffe://demo.picket/api", "dst": "spiffe://demo.picket/payments/api",
                                         "src_id": e["identity"]["src_id"], "dst_id": e["identity"]["dst_id"]})
        self.assertEqual(e["policy"]["decision"], "allow")
        self.assertIn("pcap_cnt", e)
        self.assertEqual(e["alert"]["signature"], "PICKET SQL injection UNION SELECT in request")
        self.assertEqual(e["alert"]["category"], "Web application attack")
        self.assertEqual(e["alert"]["severity"], 1)
        # The HTTP message it was raised on, as Suricata's alerts carry it.
        self.assertEqual(e["app_proto"], "http")
        self.assertEqual((e["http"]["hostname"], e["http"]["http_method"]), ("payments.demo.picket", "POST"))
        self.assertIn("UNION", e["http"]["url"])

    def test_every_flow_leaves_one_record(self):
        ids = [f["flow_id"] for f in self.flows]
        self.assertEqual(len(ids), len(set(ids)))
        self.assertLessEqual({e["flow_id"] for e in self.records if "flow_id" in e}, set(ids))
        by_client = {(f["src_ip"], f.get("src_port")): f for f in self.flows}
        for client, sid in ATTACKS.items():
            f = by_client[client]["flow"]
            self.assertEqual((f["action"], f["signature_id"], f["alerted"]), ("drop", sid, True), client)
            self.assertGreater(f["pkts_toserver"], 0)
        for client in FORBIDDEN:
            record = by_client[client]
            self.assertEqual(record["policy"]["decision"], "deny", client)
            self.assertEqual(record["flow"]["dropped_packets"], record["flow"]["pkts_toserver"] + record["flow"]["pkts_toclient"])
        scanner = by_client[SCANNER]
        self.assertTrue(scanner["flow"]["alerted"])
        self.assertNotIn("action", scanner["flow"])  # forwarded
        self.assertEqual(scanner["identity"]["src"], "world")

    def test_summary_and_forwarded_capture_agree(self):
        self.assertRegex(self.summary, r"dropped, policy\s+[1-9]")
        self.assertRegex(self.summary, r"dropped, signature\s+[1-9]")
        forwarded = int(self.summary.split("forwarded")[1].split("packets")[0])
        # Count the records of the forwarded capture (classic pcap, little-endian).
        data = open(os.path.join(WORK, "forwarded.pcap"), "rb").read()
        count, at = 0, 24
        while at + 16 <= len(data):
            at += 16 + int.from_bytes(data[at + 8:at + 12], "little")
            count += 1
        self.assertEqual(count, forwarded)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]], verbosity=1)
