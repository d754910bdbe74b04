#!/usr/bin/python3
"""Outbound queue load for bench/queue.sh: MESSAGES messages to recipients in
DOMAINS remote domains, submitted over SESSIONS parallel SMTP sessions, relayed
by the system under test to smtp-sink on loopback. The clock runs from the
first submission until smtp-sink has written every message.

    queue_load.py postino BIN WORKDIR     postino: MX hosts found through nsd
    queue_load.py postfix PEERS WORKDIR   Postfix (scripts/peers.sh relay mode)

Prints "seconds messages_per_second".
"""
import os
import shutil
import smtplib
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
from dns_server import DnsServer  # noqa: E402

MESSAGES = int(os.environ.get("MESSAGES", "10000"))
DOMAINS = int(os.environ.get("DOMAINS", "100"))
SESSIONS = int(os.environ.get("SESSIONS", "10"))
SIZE = int(os.environ.get("SIZE", "4096"))
TIMEOUT = float(os.environ.get("TIMEOUT", "900"))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_port(port, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"port {port}")


def start_sink(workdir):
    dump = os.path.join(workdir, "sink")
    shutil.rmtree(dump, ignore_errors=True)
    os.makedirs(dump)
    os.chmod(dump, 0o777)
    port = free_port()
    proc = subprocess.Popen(["/usr/sbin/smtp-sink", "-u", "nobody", "-d", os.path.join(dump, "%M."),
                             f"127.0.0.1:{port}", "1024"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port)
    return proc, port, dump


def body(i):
    head = (f"From: bench@example.test\r\nTo: u{i}@d{i % DOMAINS}.bench.test\r\n"
            f"Subject: queue bench {i}\r\nMessage-ID: <qb-{i}@example.test>\r\n\r\n")
    line = ("x" * 76 + "\r\n")
    return (head + line * max(1, (SIZE - len(head)) // len(line))).encode()


def submit(port, login):
    def worker(k):
        with smtplib.SMTP("127.0.0.1", port, timeout=120) as s:
            if login:
                s.login("bench@example.test", "pass")
            for i in range(k, MESSAGES, SESSIONS):
                s.sendmail("bench@example.test", [f"u{i}@d{i % DOMAINS}.bench.test"], body(i))
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(SESSIONS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def wait_all(dump, t0):
    deadline = t0 + TIMEOUT
    while time.time() < deadline:
        n = sum(1 for _ in os.scandir(dump))
        if n >= MESSAGES:
            return time.time() - t0
        time.sleep(0.2)
    raise TimeoutError(f"{sum(1 for _ in os.scandir(dump))} of {MESSAGES} delivered")


def run_postino(binary, workdir):
    zones = {f"d{i}.bench.test": [f"@ MX 10 mx.d{i}.bench.test.", "mx A 127.0.0.1"]
             for i in range(DOMAINS)}
    d = os.path.join(workdir, "postino-queue")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    with DnsServer(d, zones) as dns:
        sink, sink_port, dump = start_sink(d)
        sub = free_port()
        conf = os.path.join(d, "postino.toml")
        with open(conf, "w") as f:
            f.write(f'[server]\nhostname = "mail.example.test"\ndata_dir = "{d}/data"\nuser = ""\n'
                    f'log_level = "warn"\n\n[listen]\nsubmission = ["127.0.0.1:{sub}"]\n\n'
                    f'[dns]\nservers = ["{dns.address}"]\n\n[queue]\nsmtp_port = {sink_port}\n\n'
                    f"[limits]\nmax_connections_per_ip = 5000\n")
        cli = [binary, "--config", conf]
        subprocess.run(cli + ["domain", "add", "example.test"], check=True, capture_output=True)
        subprocess.run(cli + ["user", "add", "bench@example.test", "--password-stdin"],
                       input=b"pass\n", check=True, capture_output=True)
        log = open(os.path.join(d, "postino.log"), "wb")
        proc = subprocess.Popen(cli + ["serve"], stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_port(sub)
            t0 = time.time()
            submit(sub, login=True)
            return wait_all(dump, t0)
        finally:
            proc.terminate()
            proc.wait(timeout=60)
            sink.terminate()
            sink.wait()


def run_postfix(peers, workdir):
    d = os.path.join(workdir, "postfix-queue")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    os.chmod(d, 0o755)
    sink, sink_port, dump = start_sink(d)
    port = int(os.environ.get("PEER_SMTP_PORT", "10025"))
    subprocess.run([peers, "start-postfix", d, f"relay:127.0.0.1:{sink_port}"], check=True)
    try:
        t0 = time.time()
        submit(port, login=False)
        return wait_all(dump, t0)
    finally:
        subprocess.run([peers, "stop-postfix", d])
        sink.terminate()
        sink.wait()


def main():
    side, tool, workdir = sys.argv[1:4]
    secs = run_postino(tool, workdir) if side == "postino" else run_postfix(tool, workdir)
    print(f"{secs:.2f} {MESSAGES / secs:.1f}")


if __name__ == "__main__":
    main()
