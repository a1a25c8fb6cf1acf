#!/usr/bin/env python3
"""Runs picketd on every test of the suricata-verify slice in ../shared/corpus and checks the
expected alerts with ../shared/tools/sv_check.py. Each test runs again on the Verilator model
(--engine sim), which must log the same records (verdicts, rule ids, identity tags), forward
the same frames, and disagree with the host on nothing.

usage: suricata_verify.py PICKETD SHARED_DIR OUT_DIR [SLICE]

SLICE is the corpus folder (default: suricata-verify; suricata-verify-streams is the second).

Each test runs with its own rules and pcap, and its Suricata arguments mapped to picketd's:
  --set stream.midstream=true  ->  --midstream
  action-order in suricata.yaml ->  --action-order
  --set stream.midstream-policy=P ->  --midstream-policy P (drop-flow, pass-flow, bypass, ignore)
  --set stream.async-oneside=true ->  --async-oneside
  --set stream.reassembly.depth=N ->  --stream-depth N
  --set ...anomaly.types.stream=yes -> --anomaly-stream
  --set stream.reassembly.urgent.policy=P -> --stream-urgent P (oob, inline, drop); without it
                                     --stream-urgent inline, Suricata's default
  -k none                        ->  --checksums none
  (always)                       ->  --defrag-overlap accept: Suricata takes overlapping fragments
                                     by its policy and raises an event, as an IDS
  --simulate-ips                 ->  (Picket always enforces)
Other --set options have no counterpart and are ignored.

Tests listed in the slice's known-failures file beside this script (known_failures.txt for
suricata-verify, known_failures-SUFFIX.txt for suricata-verify-SUFFIX) must fail, each for the reason given
there; any other failure, or a listed test that passes, fails this run. Exit 77 (skipped)
without the corpus.
"""
import json
import os
import re
import subprocess
import sys
from collections import Counter

here = os.path.dirname(os.path.abspath(__file__))


def action_order(yaml_path):
    if not os.path.exists(yaml_path):
        return None
    lines = open(yaml_path, encoding="utf-8", errors="replace").read().splitlines()
    for i, line in enumerate(lines):
        if re.match(r"^action-order:\s*$", line):
            order = []
            for item in lines[i + 1:]:
                m = re.match(r"^\s+-\s*(\w+)\s*$", item)
                if not m:
                    break
                order.append(m.group(1))
            return ",".join(order)
    return None


def records(path):
    """The decision log's records, without the engine's name."""
    out = []
    for line in open(path, encoding="utf-8"):
        e = json.loads(line)
        e.pop("engine", None)
        out.append(json.dumps(e, sort_keys=True))
    return out


def differential(args, dst):
    """Runs `args` (a software-engine run into dst) on the sim engine; what differs, or None."""
    sim_dir = os.path.join(dst, "sim")
    os.makedirs(sim_dir, exist_ok=True)
    sw_eve, sim_eve = os.path.join(dst, "eve.json"), os.path.join(sim_dir, "eve.json")
    sw_fwd, sim_fwd = os.path.join(dst, "forwarded.pcap"), os.path.join(sim_dir, "forwarded.pcap")
    sim_args = [a if a != sw_eve else sim_eve for a in args]
    sim_args[sim_args.index("--forward") + 1] = sim_fwd
    run = subprocess.run(sim_args + ["--engine", "sim"], capture_output=True, text=True)
    if run.returncode != 0:
        return "the sim engine failed: " + run.stderr.strip()
    m = re.search(r"(\d+) disagreements with the host", run.stdout)
    if not m:
        return "no device summary from the sim engine"
    if m.group(1) != "0":
        return run.stdout.strip()
    a, b = records(sw_eve), records(sim_eve)
    if a != b:
        diff = Counter(a) - Counter(b) or Counter(b) - Counter(a)
        return f"{len(a)} records on sw, {len(b)} on sim; e.g. {next(iter(diff), 'order differs')}"
    if open(sw_fwd, "rb").read()[24:] != open(sim_fwd, "rb").read()[24:]:
        return "the forwarded frames differ"
    return None


def main():
    picketd, shared, out = sys.argv[1], sys.argv[2], sys.argv[3]
    slice_name = sys.argv[4] if len(sys.argv) > 4 else "suricata-verify"
    subset = os.path.join(shared, "corpus", slice_name)
    suffix = slice_name[len("suricata-verify"):]
    known_file = "known_failures" + suffix + ".txt"
    checker = os.path.join(shared, "tools", "sv_check.py")
    if not os.path.exists(os.path.join(subset, "manifest.json")) or not os.path.exists(checker):
        print(f"{slice_name}: ../shared corpus absent, skipped")
        return 77
    known = {}
    for line in open(os.path.join(here, known_file), encoding="utf-8"):
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, why = line.partition(" ")
            known[name] = why.strip()
    manifest = json.load(open(os.path.join(subset, "manifest.json")))
    os.makedirs(out, exist_ok=True)
    sims = 0
    for test in manifest:
        folder = test["test"].replace("/", "__")
        src = os.path.join(subset, folder)
        dst = os.path.join(out, folder)
        os.makedirs(dst, exist_ok=True)
        args = [picketd, "-q", "-r", os.path.join(src, test["pcap"]), "--eve", os.path.join(dst, "eve.json"),
                "--forward", os.path.join(dst, "forwarded.pcap"), "--engine", "sw", "--defrag-overlap", "accept"]
        for rules in test["rules"]:
            args += ["-S", os.path.join(src, rules)]
        joined = " ".join(test["suricata_args"])
        if "stream.midstream=true" in joined:
            args.append("--midstream")
        policy = re.search(r"stream\.midstream-policy=(\S+)", joined)
        if policy and policy.group(1) in ("drop-flow", "pass-flow", "bypass", "ignore"):
            args += ["--midstream-policy", policy.group(1)]
        if "stream.async-oneside=true" in joined:
            args.append("--async-oneside")
        depth = re.search(r"stream\.reassembly\.depth=(\d+)", joined)
        if depth:
            args += ["--stream-depth", depth.group(1)]
        if re.search(r"anomaly\.types\.stream=yes", joined):
            args.append("--anomaly-stream")
        urgent = re.search(r"stream\.reassembly\.urgent\.policy=(\S+)", joined)
        args += ["--stream-urgent", urgent.group(1) if urgent and urgent.group(1) in ("oob", "inline", "drop")
                 else "inline"]
        if "-k none" in joined:
            args += ["--checksums", "none"]
        order = action_order(os.path.join(src, "suricata.yaml"))
        if order:
            args += ["--action-order", order]
        run = subprocess.run(args, capture_output=True, text=True)
        if run.returncode != 0:
            print("picketd failed on", test["test"], ":", run.stderr.strip())
            return 1
        differs = differential(args, dst)
        if differs:
            print("sim and sw differ on", test["test"], ":", differs)
            return 1
        sims += 1
    check = subprocess.run([sys.executable, checker, subset, out], capture_output=True, text=True)
    print(check.stdout, end="")
    failed = set()
    for line in check.stdout.splitlines():
        if line.startswith("FAIL ") or line.startswith("MISSING "):
            failed.add(line.split()[1])
    unexpected = sorted(failed - set(known))
    fixed = sorted(set(known) - failed)
    for name in unexpected:
        print("UNEXPECTED FAILURE:", name)
    for name in fixed:
        print(f"NOW PASSES (remove it from {known_file}):", name)
    passed = len(manifest) - len(failed)
    print(f"{slice_name}: {passed} of {len(manifest)} pass; {len(failed)} known failures; "
          f"sim and sw agree on all {sims}")
    return 1 if unexpected or fixed else 0


if __name__ == "__main__":
    sys.exit(main())
