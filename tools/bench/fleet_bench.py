#!/usr/bin/env python3
"""Fleet propagation: how long from a write to the store until the first packet is judged under
it, on every node. A 3-member etcd cluster and N inline picketd on loopback (as
tests/e2e/fleet_test.py starts them); a sender writes a packet to every node every
--interval-us, each packet an alert with its record; each change rebinds one address (a
transaction through etcd's JSON gateway, as picketctl writes it), and the change's latency on a
node is the capture time of that node's first record naming the change's store revision, less
the time the write was sent. Resolution: the packet interval.

usage: fleet_bench.py PICKETD PICKETCTL [--changes N] [--nodes N] [--interval-us N] [--work DIR]
"""
import argparse
import base64
import datetime
import json
import os
import shutil
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "e2e"))
import fleet as loopback  # noqa: E402
from captures import record, udp_frame  # noqa: E402
from fleet import PORT, SERVER, Etcd, Node, store_ctl  # noqa: E402

RULES = 'alert udp any any -> any any (msg:"tick"; content:"tick"; sid:1;)\n'
CLUSTER = "bench"
ADDRESS = "10.3.0.1"


def b64(text):
    return base64.b64encode(text.encode()).decode()


def rebind(member_port, identity):
    """One change, written as picketctl writes it: the binding and the `changed` marker in one
    transaction. Returns the revision."""
    root = f"/picket/{CLUSTER}/"
    body = {"success": [
        {"requestPut": {"key": b64(root + "bindings/" + ADDRESS), "value": b64(f"{identity} {ADDRESS}\n")}},
        {"requestPut": {"key": b64(root + "changed"), "value": b64("bench " + identity)}}]}
    req = urllib.request.Request(f"http://127.0.0.1:{member_port}/v3/kv/txn", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=5) as r:
        return int(json.loads(r.read())["header"]["revision"])


class Records:
    """Follows a node's decision log: the capture time of the first record at each revision."""

    def __init__(self, path):
        self.path, self.offset, self.pending = path, 0, ""
        self.first = {}  # store revision -> the first record's capture time

    def poll(self):
        if not os.path.exists(self.path):
            return
        with open(self.path) as f:
            f.seek(self.offset)
            data = f.read()
            self.offset = f.tell()
        self.pending += data
        *lines, self.pending = self.pending.split("\n")
        for line in lines:
            r = json.loads(line)
            rev = r.get("store_revision")
            if rev is not None and rev not in self.first:
                t = datetime.datetime.strptime(r["timestamp"], "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()
                self.first[rev] = t

    def judged_at(self, revision):
        """The first capture time of a record at `revision` or later, or None yet."""
        times = [t for rev, t in self.first.items() if rev >= revision]
        return min(times) if times else None


def percentile(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("picketd")
    ap.add_argument("picketctl")
    ap.add_argument("--changes", type=int, default=1000)
    ap.add_argument("--nodes", type=int, default=3)
    ap.add_argument("--interval-us", type=int, default=500)
    ap.add_argument("--work", default=None)
    a = ap.parse_args()
    work = a.work or tempfile.mkdtemp(prefix="picket-fleet-bench-")
    loopback.use(a.picketd, a.picketctl, work)
    if not shutil.which("etcd"):
        sys.exit("fleet_bench: etcd is missing (ci/setup.sh installs etcd-server)")

    etcd = Etcd("etcd")
    rules = os.path.join(work, "tick.rules")
    with open(rules, "w") as f:
        f.write(RULES)
    store_ctl(etcd, CLUSTER, "load-rules", rules)
    for identity in ("spiffe://bench/a", "spiffe://bench/b"):  # both get their ids now
        store_ctl(etcd, CLUSTER, "upsert", identity, "10.3.1.1" if identity.endswith("b") else ADDRESS)
    nodes = [Node(f"node{i}", etcd.url(), CLUSTER) for i in range(a.nodes)]
    logs = [Records(n.eve) for n in nodes]

    stop = threading.Event()
    frame = udp_frame(ADDRESS, SERVER, 40000, PORT, b"tick")

    def send():
        while not stop.is_set():
            now = time.time()
            for n in nodes:
                os.write(n.fd, record(frame, now))
            time.sleep(a.interval_us / 1e6)

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    latencies, per_node, commits = [], [[] for _ in nodes], []
    started = time.time()
    try:
        for i in range(a.changes):
            t0 = time.time()
            revision = rebind(etcd.client_ports[i % len(etcd.client_ports)], "spiffe://bench/" + "ab"[i % 2])
            commits.append(time.time() - t0)
            deadline = t0 + 10
            seen = [None] * len(nodes)
            while None in seen:
                for k, log in enumerate(logs):
                    if seen[k] is None:
                        log.poll()
                        seen[k] = log.judged_at(revision)
                if time.time() > deadline:
                    sys.exit(f"fleet_bench: change {i} (revision {revision}) not judged on every node in 10 s")
                time.sleep(0.0005)
            for k, t in enumerate(seen):
                per_node[k].append(max(0.0, t - t0))
            latencies.append(max(0.0, max(seen) - t0))
            if (i + 1) % 100 == 0:
                print(f"  {i + 1} changes", file=sys.stderr)
    finally:
        stop.set()
        sender.join()
        for n in nodes:
            n.stop()
        etcd.stop()
    elapsed = time.time() - started
    ms = lambda v: f"{v * 1000:.1f} ms"
    print(f"fleet propagation: {a.changes} changes, {a.nodes} nodes, 3 etcd members, a packet every "
          f"{a.interval_us} us per node ({elapsed:.1f} s)")
    print(f"  write -> first packet judged under it on every node: p50 {ms(percentile(latencies, 50))}, "
          f"p99 {ms(percentile(latencies, 99))}, max {ms(max(latencies))}")
    print(f"  of which the write itself (etcd's commit, through its gateway): p50 {ms(percentile(commits, 50))}, "
          f"p99 {ms(percentile(commits, 99))}")
    for k, v in enumerate(per_node):
        print(f"  node{k}: p50 {ms(percentile(v, 50))}, p99 {ms(percentile(v, 99))}, max {ms(max(v))}")


if __name__ == "__main__":
    main()
