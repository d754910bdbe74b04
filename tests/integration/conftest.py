"""Fixtures that start the real postino binary on loopback ports.

POSTINO_BIN names the binary (scripts/test.sh sets it to the build under
test, release or sanitizer). Each server gets a fresh data directory and
free ports, a domain and an account, and is stopped with SIGTERM at the end.
"""
import os
import signal
import socket
import subprocess
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("POSTINO_BIN", os.path.join(ROOT, "build", "postino"))

LISTENERS = ("smtp", "submission", "submissions", "imap", "imaps", "pop3", "pop3s", "admin")


def free_ports(n):
    """n distinct free ports: every socket stays bound until all are chosen."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def free_port():
    return free_ports(1)[0]


def wait_port(port, timeout=20.0, proc=None):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"postino exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"port {port} did not open")


class Server:
    def __init__(self, tmp, extra_config="", listeners=LISTENERS):
        self.dir = str(tmp)
        self.data_dir = os.path.join(self.dir, "data")
        self.ports = dict(zip(listeners, free_ports(len(listeners))))
        self.config_path = os.path.join(self.dir, "postino.toml")
        self.log_path = os.path.join(self.dir, "postino.log")
        self.proc = None
        self.extra_config = extra_config
        self.write_config()

    def write_config(self):
        lines = [
            "[server]",
            'hostname = "mail.example.test"',
            f'data_dir = "{self.data_dir}"',
            'user = ""',
            "",
            "[listen]",
        ]
        for name, port in self.ports.items():
            lines.append(f'{name} = ["127.0.0.1:{port}"]')
        lines.append("")
        # Mail authentication of MX mail asks DNS for SPF/DKIM/DMARC records;
        # tests stay on loopback, so it is off unless a test configures
        # [mailauth] itself with its own DNS server (test_mailauth.py, nsd).
        if "[mailauth]" not in self.extra_config:
            lines += ["[mailauth]", "enabled = false", ""]
        with open(self.config_path, "w") as f:
            f.write("\n".join(lines) + "\n" + self.extra_config)

    def cli(self, *args, input=None, check=True):
        r = subprocess.run([BIN, "--config", self.config_path, *args], input=input,
                           capture_output=True, text=True, timeout=60)
        if check and r.returncode != 0:
            raise AssertionError(f"postino {' '.join(args)} failed ({r.returncode}): {r.stderr}")
        return r

    def start(self):
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([BIN, "--config", self.config_path, "serve"],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        for port in self.ports.values():
            wait_port(port, proc=self.proc)
        return self

    def stop(self, sig=signal.SIGTERM, timeout=40):
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.proc = None
        self.log.close()
        return rc

    def log_text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")


@pytest.fixture
def server_factory(tmp_path):
    servers = []

    def make(extra_config="", listeners=LISTENERS, sub="srv"):
        d = tmp_path / f"{sub}{len(servers)}"
        d.mkdir()
        s = Server(d, extra_config, listeners)
        servers.append(s)
        return s

    yield make
    for s in servers:
        rc = s.stop()
        # A sanitizer report or a crash at shutdown fails the test that owned the server.
        assert rc in (None, 0), f"postino exited with {rc}:\n{s.log_text()[-4000:]}"


@pytest.fixture
def server(server_factory):
    s = server_factory()
    s.cli("domain", "add", "example.test")
    s.cli("user", "add", "alice@example.test", "--password-stdin", input="alice-secret\n")
    s.cli("user", "add", "bob@example.test", "--password-stdin", input="bob-secret\n")
    return s.start()
