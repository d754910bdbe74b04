"""The foundation against the real binary: CLI, config errors, listeners,
TLS, limits, metrics, logs, signals and the privilege drop."""
import os
import pwd
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.request

import pytest

from conftest import BIN, Server, wait_port


def run(*args, input=None):
    return subprocess.run([BIN, *args], input=input, capture_output=True, text=True, timeout=60)


def tls_client(port, **kw):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    for k, v in kw.items():
        setattr(ctx, k, v)
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    return ctx.wrap_socket(raw)


def test_misspelt_key_names_file_line_and_key(tmp_path):
    cfg = tmp_path / "bad.toml"
    cfg.write_text('[server]\nhostname = "mail.example.test"\n\n[listen]\nsmtp = ["127.0.0.1:2525"]\nimpa = ["127.0.0.1:2143"]\n')
    r = run("--config", str(cfg), "serve")
    assert r.returncode == 2
    line = r.stderr.strip().splitlines()[0]
    assert str(cfg) in line and ":6:" in line and "listen.impa" in line, line


def test_wrong_type_and_bad_address(tmp_path):
    cfg = tmp_path / "bad.toml"
    cfg.write_text('[queue]\nsmtp_port = "twenty-five"\n')
    r = run("--config", str(cfg), "domain", "list")
    assert r.returncode == 2 and ":2:" in r.stderr and "queue.smtp_port" in r.stderr
    cfg.write_text('[listen]\nimap = ["127.0.0.1:99999"]\n')
    r = run("--config", str(cfg), "domain", "list")
    assert r.returncode == 2 and ":2:" in r.stderr and "listen.imap" in r.stderr
    r = run("--config", str(tmp_path / "missing.toml"), "domain", "list")
    assert r.returncode == 2 and "missing.toml" in r.stderr


def test_cli_directory(server_factory):
    s = server_factory()
    s.cli("domain", "add", "Example.TEST")
    s.cli("domain", "add", "bücher.example")
    assert s.cli("domain", "list").stdout.split() == ["example.test", "xn--bcher-kva.example"]
    r = s.cli("domain", "add", "bad..domain", check=False)
    assert r.returncode != 0 and "bad..domain" in r.stderr

    r = s.cli("user", "add", "carol@example.test")  # random password printed
    m = re.search(r"carol@example.test password: (\S+)", r.stdout)
    assert m and len(m.group(1)) >= 12
    s.cli("user", "add", "dave@Example.Test", "--password-stdin", input="pw-dave\n")
    assert s.cli("user", "list").stdout.split() == ["carol@example.test", "dave@example.test"]
    r = s.cli("user", "add", "eve@nowhere.test", "--password-stdin", input="x\n", check=False)
    assert r.returncode != 0
    r = s.cli("user", "add", "not an address", "--password-stdin", input="x\n", check=False)
    assert r.returncode != 0 and "invalid address" in r.stderr
    r = s.cli("user", "add", "dave@example.test", "--password-stdin", input="x\n", check=False)
    assert r.returncode != 0

    s.cli("alias", "add", "postmaster@example.test", "dave@example.test")
    assert "postmaster@example.test dave@example.test" in s.cli("alias", "list").stdout
    s.cli("alias", "remove", "postmaster@example.test")
    assert s.cli("alias", "list").stdout.strip() == ""

    boxes = s.cli("mailbox", "list", "dave@example.test").stdout
    for name, use in (("INBOX", None), ("Sent", "\\Sent"), ("Drafts", "\\Drafts"),
                      ("Trash", "\\Trash"), ("Junk", "\\Junk"), ("Archive", "\\Archive")):
        line = next(l for l in boxes.splitlines() if l.split("\t")[0] == name)
        if use:
            assert use in line
    assert s.cli("message", "list", "dave@example.test").stdout == ""
    r = s.cli("message", "show", "dave@example.test", "INBOX", "1", check=False)
    assert r.returncode != 0

    s.cli("user", "remove", "carol@example.test")
    assert s.cli("user", "list").stdout.split() == ["dave@example.test"]
    r = s.cli("domain", "remove", "example.test", check=False)
    assert r.returncode != 0  # still has an account

    r = run("--config", s.config_path, "frobnicate")
    assert r.returncode == 2 and "unknown command" in r.stderr


def test_listeners_tls_metrics_and_logs(server):
    # The start-up banner lists every listener.
    time.sleep(0.2)
    banner = server.log_text()
    for name, port in server.ports.items():
        assert re.search(rf"{name}\s+127\.0\.0\.1:{port}", banner), (name, banner[:2000])

    # Implicit TLS: TLS 1.2+ negotiated on every implicit-TLS listener.
    for name in ("submissions", "imaps", "pop3s"):
        with tls_client(server.ports[name]) as t:
            assert t.version() in ("TLSv1.2", "TLSv1.3")
            assert t.recv(1)  # the protocol greeting arrives over TLS

    # TLS 1.1 is refused.
    with pytest.raises((ssl.SSLError, ConnectionResetError, OSError)):
        with tls_client(server.ports["imaps"], minimum_version=ssl.TLSVersion.MINIMUM_SUPPORTED,
                        maximum_version=ssl.TLSVersion.TLSv1_1) as t:
            t.recv(1)

    # A login reads the store, so its latency histogram has samples.
    import poplib
    p = poplib.POP3("127.0.0.1", server.ports["pop3"], timeout=10)
    p.user("alice@example.test")
    p.pass_("alice-secret")
    p.quit()

    # Metrics in Prometheus text format on the admin listener.
    body = urllib.request.urlopen(f"http://127.0.0.1:{server.ports['admin']}/metrics", timeout=10).read().decode()
    assert "# TYPE postino_connections_total counter" in body
    assert re.search(r'postino_connections_total\{listener="imaps"\} [1-9]', body), body[:3000]
    assert re.search(r'postino_store_op_seconds_count\{op="\w+"\} [1-9]', body), body[-3000:]
    health = urllib.request.urlopen(f"http://127.0.0.1:{server.ports['admin']}/healthz", timeout=10).read()
    assert health.strip() == b"ok"

    # One structured line per event, with the connection id.
    log = server.log_text()
    assert re.search(r"^ts=\S+ level=info event=\S+ .*conn=c\w+", log, re.M), log[-2000:]

    # SIGHUP reloads certificates and the server keeps serving.
    server.proc.send_signal(signal.SIGHUP)
    time.sleep(0.5)
    with tls_client(server.ports["imaps"]) as t:
        assert t.recv(1)
    assert server.proc.poll() is None


def test_self_signed_certificate_made_once(server_factory):
    s = server_factory()
    s.start()
    cert = os.path.join(s.data_dir, "tls", "cert.pem")
    key = os.path.join(s.data_dir, "tls", "key.pem")
    assert os.path.exists(cert) and os.stat(key).st_mode & 0o077 == 0
    first = open(cert).read()
    assert s.stop() == 0
    s.start()
    assert open(cert).read() == first


def test_per_ip_connection_limit(server_factory):
    s = server_factory(extra_config="[limits]\nmax_connections_per_ip = 3\n")
    s.start()
    # start() probed every port; wait until those probe connections are gone.
    deadline = time.time() + 10
    while time.time() < deadline:
        body = urllib.request.urlopen(f"http://127.0.0.1:{s.ports['admin']}/metrics", timeout=10).read().decode()
        active = [int(v) for l, v in re.findall(r'postino_connections_active\{listener="(\w+)"\} (\d+)', body)
                  if l != "admin"]
        if sum(active) == 0:
            break
        time.sleep(0.05)
    held = []
    for _ in range(3):
        c = socket.create_connection(("127.0.0.1", s.ports["smtp"]), timeout=10)
        assert c.recv(100).startswith(b"220")
        held.append(c)
    extra = socket.create_connection(("127.0.0.1", s.ports["smtp"]), timeout=10)
    data = extra.recv(200)
    assert data.startswith(b"421"), data
    assert extra.recv(100) == b""  # closed
    for c in held:
        c.close()


def test_sigterm_exits_cleanly(server):
    c = socket.create_connection(("127.0.0.1", server.ports["smtp"]), timeout=10)
    assert c.recv(100).startswith(b"220")
    server.proc.send_signal(signal.SIGTERM)
    # The idle session is told goodbye, then the process exits 0.
    data = b""
    while True:
        chunk = c.recv(200)
        if not chunk:
            break
        data += chunk
    assert data.startswith(b"421"), data
    assert server.proc.wait(timeout=40) == 0


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root")
def test_drops_privileges_after_binding(server_factory):
    nobody = pwd.getpwnam("nobody")
    base = tempfile.mkdtemp(prefix="postino-priv-", dir="/tmp")
    os.chmod(base, 0o755)
    try:
        s = server_factory()
        s.data_dir = os.path.join(base, "data")
        s.write_config()
        with open(s.config_path) as f:
            text = f.read().replace('user = ""', 'user = "nobody"')
        with open(s.config_path, "w") as f:
            f.write(text)
        s.cli("domain", "add", "example.test")
        s.start()
        status = open(f"/proc/{s.proc.pid}/status").read()
        uids = re.search(r"^Uid:\s+(\d+)\s+(\d+)\s+(\d+)", status, re.M).groups()
        assert all(int(u) == nobody.pw_uid for u in uids), status
        assert os.stat(os.path.join(s.data_dir, "store.db")).st_uid == nobody.pw_uid
        assert s.stop() == 0
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_make_run_script_prints_listeners_and_demo_account(server_factory):
    s = server_factory()
    env = dict(os.environ, POSTINO_CONFIG=s.config_path, POSTINO_BIN=BIN)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    proc = subprocess.Popen(["bash", os.path.join(root, "scripts", "run.sh")], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        out = ""
        deadline = time.time() + 30
        while time.time() < deadline and "admin" not in out:
            line = proc.stdout.readline()
            if not line:
                break
            out += line
        m = re.search(r"address\s+(demo@localhost)\s+password\s+(\S+)", out)
        assert m, out
        for name, port in s.ports.items():
            assert re.search(rf"{name}\s+127\.0\.0\.1:{port}", out), out
        wait_port(s.ports["imap"])
        # The printed password works.
        import imaplib
        imap = imaplib.IMAP4("127.0.0.1", s.ports["imap"])
        imap.login(m.group(1), m.group(2))
        imap.logout()
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=40) == 0
