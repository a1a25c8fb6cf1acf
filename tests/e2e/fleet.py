"""A fleet on loopback for the tests and the benchmark: an etcd cluster of real members, inline
picketd nodes following it (each net_pcap port reading a FIFO the caller writes frames into,
one frame a burst), picketctl --store, and a CA for TLS made with openssl.

Call use(PICKETD, PICKETCTL, WORK_DIR) first.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import time

from captures import eve_records, pcap_fifo, record, udp_frame

PICKETD = PICKETCTL = WORK = None
EAL = ["--no-huge", "--no-pci", "--no-shconf", "-m", "256", "--log-level", "lib.eal:error", "-l", "0-1"]
SERVER, PORT = "10.1.0.2", 8080


def use(picketd, picketctl, work):
    global PICKETD, PICKETCTL, WORK
    PICKETD, PICKETCTL, WORK = picketd, picketctl, work


def free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


class Etcd:
    """An etcd cluster of `n` members on loopback, each with its own data directory."""

    def __init__(self, name, n=3, tls=None):
        self.dir = os.path.join(WORK, name)
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        ports = free_ports(2 * n)
        self.client_ports, self.peer_ports = ports[:n], ports[n:]
        self.tls = tls
        scheme = "https" if tls else "http"
        cluster = ",".join(f"m{i}=http://127.0.0.1:{self.peer_ports[i]}" for i in range(n))
        self.commands = []
        for i in range(n):
            url = f"{scheme}://127.0.0.1:{self.client_ports[i]}"
            cmd = ["etcd", "--name", f"m{i}", "--data-dir", os.path.join(self.dir, f"m{i}"),
                   "--listen-client-urls", url, "--advertise-client-urls", url,
                   "--listen-peer-urls", f"http://127.0.0.1:{self.peer_ports[i]}",
                   "--initial-advertise-peer-urls", f"http://127.0.0.1:{self.peer_ports[i]}",
                   "--initial-cluster", cluster, "--initial-cluster-token", name, "--initial-cluster-state", "new",
                   "--log-level", "error"]
            if tls:
                cmd += ["--cert-file", tls["server_cert"], "--key-file", tls["server_key"], "--client-cert-auth",
                        "--trusted-ca-file", tls["ca"]]
            self.commands.append(cmd)
        self.procs = [None] * n
        for i in range(n):
            self.start(i)
        self.wait_healthy()

    def start(self, i):
        with open(os.path.join(self.dir, f"m{i}.log"), "a") as log:
            self.procs[i] = subprocess.Popen(self.commands[i], stdout=log, stderr=log)

    def url(self):
        return ("etcds://" if self.tls else "etcd://") + ",".join(f"127.0.0.1:{p}" for p in self.client_ports)

    def wait_healthy(self):
        deadline = time.time() + 30
        while True:
            r = subprocess.run([PICKETCTL, "--store", self.url(), *self.tls_args(), "fleet", "--json"],
                               capture_output=True, text=True)
            if r.returncode == 0:
                return
            if time.time() > deadline:
                raise AssertionError("etcd did not start: " + r.stderr)
            time.sleep(0.1)

    def tls_args(self):
        if not self.tls:
            return []
        return ["--store-ca", self.tls["ca"], "--store-cert", self.tls["client_cert"], "--store-key",
                self.tls["client_key"]]

    def kill(self, i):
        self.procs[i].kill()
        self.procs[i].wait()

    def stop(self):
        for p in self.procs:
            if p and p.poll() is None:
                p.terminate()
                p.wait()


class Node:
    """An inline picketd following the store, its one port reading the frames of a FIFO."""

    def __init__(self, name, store, cluster, extra=()):
        self.name, self.store, self.cluster, self.extra = name, store, cluster, list(extra)
        self.dir = os.path.join(WORK, name)
        os.makedirs(self.dir, exist_ok=True)
        self.fifo = os.path.join(self.dir, "in.pcap")
        self.eve = os.path.join(self.dir, "eve.json")
        self.control = "ipc://" + os.path.join(self.dir, "control")
        if os.path.exists(self.eve):
            os.remove(self.eve)
        self.fd = None
        self.start()

    def start(self):
        # A new FIFO for each start: the last process took the old one's file header.
        if self.fd is not None:
            os.close(self.fd)
        self.fd = pcap_fifo(self.fifo)
        self.sent = 0
        self.stderr = open(os.path.join(self.dir, "stderr"), "a+")
        self.proc = subprocess.Popen(
            [PICKETD, "--engine", "sw", "--store", self.store, "--cluster", self.cluster, "--node", self.name,
             "--eve", self.eve, "--control", self.control, "--publish", "none", "--ports", "0", "--burst", "1",
             *self.extra, "--", *EAL, "--file-prefix", self.name,
             "--vdev", f"net_pcap0,rx_pcap={self.fifo},tx_pcap=/dev/null"],
            stdout=subprocess.PIPE, stderr=self.stderr, text=True)
        deadline = time.time() + 30
        while "SIGINT or SIGTERM stops" not in self.said():
            if self.proc.poll() is not None or time.time() > deadline:
                raise AssertionError(f"{self.name} did not start: " + self.said())
            time.sleep(0.05)

    def said(self):
        with open(self.stderr.name) as f:
            return f.read()

    def ask(self, *args):
        r = subprocess.run([PICKETCTL, "--control", self.control, "--json", *args], capture_output=True, text=True,
                           timeout=30)
        if r.returncode != 0:
            raise AssertionError(f"picketctl {args} on {self.name}: {r.stderr}")
        return json.loads(r.stdout)

    def health(self):
        return self.ask("health")["health"]

    def counters(self):
        c = self.ask("counters")["counters"]
        return {k: int(c.get(k, 0)) for k in ("received", "forwarded", "dropped_policy", "dropped_signature")}

    def send(self, frames):
        for f in frames:
            os.write(self.fd, record(f, time.time()))
        self.sent += len(frames)
        deadline = time.time() + 30
        while self.counters()["received"] < self.sent:
            if time.time() > deadline:
                raise AssertionError(f"{self.name} did not receive its frames")
            time.sleep(0.02)

    def judge(self, payload, src, sport=40000):
        """How this node judges one datagram from `src`: forwarded, policy or signature."""
        before = self.counters()
        self.send([udp_frame(src, SERVER, sport, PORT, payload)])
        after = self.counters()
        for what in ("forwarded", "dropped_policy", "dropped_signature"):
            if after[what] > before[what]:
                return what
        return "?"

    def records(self):
        return eve_records(self.eve)

    def kill(self):
        self.proc.kill()
        self.proc.communicate()
        self.stderr.close()

    def stop(self):
        os.close(self.fd)  # the port sees the end of its capture: its worker stops waiting on it
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.communicate(timeout=30)
        self.stderr.close()


def store_ctl(etcd, cluster, *args, check=True):
    r = subprocess.run([PICKETCTL, "--store", etcd.url(), *etcd.tls_args(), "--cluster", cluster, *args],
                       capture_output=True, text=True, timeout=60)
    if check and r.returncode != 0:
        raise AssertionError(f"picketctl --store {args}: {r.returncode}: {r.stderr}")
    return r


def written_revision(r):
    # "store revision N: ..."
    return int(r.stdout.split()[2].rstrip(":"))


def wait_enforced(nodes, revision):
    deadline = time.time() + 15
    while True:
        at = [int(n.health().get("store_revision", 0)) for n in nodes]
        if min(at) >= revision:
            return
        if time.time() > deadline:
            raise AssertionError(f"nodes at revisions {at}, waited for {revision}")
        time.sleep(0.02)


def fleet(etcd, cluster):
    return json.loads(store_ctl(etcd, cluster, "--json", "fleet").stdout)


def make_ca(dir):
    """A CA, a server certificate for 127.0.0.1 and a client certificate, with openssl."""
    os.makedirs(dir, exist_ok=True)
    p = lambda n: os.path.join(dir, n)
    run = lambda *a: subprocess.run(["openssl", *a], check=True, capture_output=True)
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", p("ca.key"), "-out", p("ca.crt"), "-days", "2",
        "-subj", "/CN=picket test CA")
    for who in ("server", "client"):
        run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", p(who + ".key"), "-out", p(who + ".csr"), "-subj",
            f"/CN=picket {who}")
        with open(p(who + ".ext"), "w") as f:
            f.write("subjectAltName=IP:127.0.0.1\n" + (
                # etcd's JSON gateway connects to its own member with the server's certificate,
                # as a client: the server's certificate must serve both.
                "extendedKeyUsage=serverAuth,clientAuth\n" if who == "server" else "extendedKeyUsage=clientAuth\n"))
        run("x509", "-req", "-in", p(who + ".csr"), "-CA", p("ca.crt"), "-CAkey", p("ca.key"), "-CAcreateserial",
            "-out", p(who + ".crt"), "-days", "2", "-extfile", p(who + ".ext"))
    return {"ca": p("ca.crt"), "server_cert": p("server.crt"), "server_key": p("server.key"),
            "client_cert": p("client.crt"), "client_key": p("client.key")}
