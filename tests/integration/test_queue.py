"""The outbound queue end to end: submission -> queue -> MX found through a real
DNS server (nsd, dns_server.py) -> a receiving SMTP server on loopback at
[queue] smtp_port.

Receivers: Postfix's smtp-sink (a real MTA's test sink) where only counting
matters, a second postino where STARTTLS matters, and a small scripted SMTP
server written here where a test needs chosen 4xx/5xx replies per recipient.
DSNs are read back from the sender's INBOX and parsed with Python's email
package.
"""
import collections
import email
import email.policy
import glob
import os
import shutil
import signal
import smtplib
import socket
import socketserver
import ssl
import subprocess
import threading
import time
import urllib.request

import pytest

from conftest import BIN, free_port
from dns_server import DnsServer, nsd_available

pytestmark = pytest.mark.skipif(not nsd_available(), reason="nsd is not installed")

MX_HOST = "mx.remote.test"
ZONES = {
    "remote.test": ["@ MX 10 mx.remote.test.", "mx A 127.0.0.1"],
    "other.test": ["@ MX 10 mail.other.test.", "mail A 127.0.0.1"],
    "nullmx.test": ["@ MX 0 ."],
}


def tls_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def make_message(subject, body="Hello from the queue test.\r\n", msgid=None):
    msgid = msgid or f"<{subject.replace(' ', '-')}@example.test>"
    return (f"From: Alice <alice@example.test>\r\nTo: someone\r\nSubject: {subject}\r\n"
            f"Message-ID: {msgid}\r\n\r\n{body}").encode()


def submit(server, rcpts, msg, sender="alice@example.test", **kw):
    with smtplib.SMTP_SSL("127.0.0.1", server.ports["submissions"], timeout=30,
                          context=tls_context()) as s:
        s.login("alice@example.test", "alice-secret")
        s.sendmail(sender, rcpts, msg, **kw)


def wait_until(pred, timeout=20.0, step=0.1):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return pred()


def inbox(server, address):
    out = server.cli("message", "list", address).stdout
    return [line.split("\t")[0] for line in out.splitlines() if line.strip()]


def show(server, address, uid):
    r = subprocess.run([BIN, "--config", server.config_path, "message", "show", address, "INBOX",
                        uid], capture_output=True, timeout=60, check=True)
    return r.stdout


def dsns_for(server, address="alice@example.test"):
    out = []
    for uid in inbox(server, address):
        m = email.message_from_bytes(show(server, address, uid), policy=email.policy.compat32)
        if m.get_content_type() == "multipart/report":
            out.append(m)
    return out


def dsn_recipient_fields(report):
    """The per-recipient field blocks of the message/delivery-status part."""
    parts = [p for p in report.walk() if p.get_content_type() == "message/delivery-status"]
    assert len(parts) == 1, report.as_string()[:2000]
    # Python parses message/delivery-status as a list of header blocks:
    # the per-message block first, then one per recipient (RFC 3464 §2.1).
    blocks = parts[0].get_payload()
    assert len(blocks) >= 2
    return blocks[0], blocks[1:]


class ScriptedMx:
    """A small SMTP server whose RCPT replies a test chooses: policy(addr, n) gives
    the reply to the n-th RCPT for addr (1-based). Records each accepted message."""

    def __init__(self, policy=None, ehlo_extra=("PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES")):
        self.policy = policy or (lambda addr, n: "250 2.1.5 Ok")
        self.ehlo_extra = ehlo_extra
        self.messages = []
        self.rcpt_attempts = collections.Counter()
        self.connections = 0
        self.lock = threading.Lock()
        mx = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                with mx.lock:
                    mx.connections += 1
                w = self.wfile
                w.write(b"220 mx.remote.test ESMTP scripted\r\n")
                mail_from, rcpts = None, []
                while True:
                    line = self.rfile.readline(4096)
                    if not line:
                        return
                    text = line.decode("utf-8", "replace").rstrip("\r\n")
                    verb = text[:4].upper()
                    if verb == "EHLO":
                        lines = ["mx.remote.test"] + list(mx.ehlo_extra)
                        w.write("".join(f"250{'-' if i < len(lines) - 1 else ' '}{l}\r\n"
                                        for i, l in enumerate(lines)).encode())
                    elif verb == "HELO":
                        w.write(b"250 mx.remote.test\r\n")
                    elif verb == "MAIL":
                        mail_from = text[text.index("<") + 1:text.index(">")]
                        rcpts = []
                        w.write(b"250 2.1.0 Ok\r\n")
                    elif verb == "RCPT":
                        addr = text[text.index("<") + 1:text.index(">")]
                        with mx.lock:
                            mx.rcpt_attempts[addr] += 1
                            n = mx.rcpt_attempts[addr]
                        reply = mx.policy(addr, n)
                        if reply.startswith("2"):
                            rcpts.append(addr)
                        w.write(reply.encode() + b"\r\n")
                    elif verb == "DATA":
                        if not rcpts:
                            w.write(b"554 5.5.1 No valid recipients\r\n")
                            continue
                        w.write(b"354 go ahead\r\n")
                        data = []
                        while True:
                            l = self.rfile.readline(1 << 20)
                            if not l or l == b".\r\n":
                                break
                            data.append(l[1:] if l.startswith(b".") else l)
                        with mx.lock:
                            mx.messages.append((mail_from, list(rcpts), b"".join(data)))
                        w.write(b"250 2.0.0 Ok: queued\r\n")
                    elif verb == "RSET":
                        mail_from, rcpts = None, []
                        w.write(b"250 2.0.0 Ok\r\n")
                    elif verb == "QUIT":
                        w.write(b"221 2.0.0 Bye\r\n")
                        return
                    else:
                        w.write(b"502 5.5.2 Unknown command\r\n")

        class Srv(socketserver.ThreadingTCPServer):
            allow_reuse_address = True
            daemon_threads = True

        self.server = Srv(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def queue_config(dns, smtp_port, retry_min=1, retry_max=2, extra=""):
    return (f'[dns]\nservers = ["{dns.address}"]\n\n'
            f"[queue]\nsmtp_port = {smtp_port}\nretry_min = {retry_min}\n"
            f"retry_max = {retry_max}\npoll_interval = 1\n{extra}\n")


@pytest.fixture
def dns(tmp_path):
    with DnsServer(tmp_path, ZONES) as d:
        yield d


def start_sender(server_factory, config):
    s = server_factory(config)
    s.cli("domain", "add", "example.test")
    s.cli("user", "add", "alice@example.test", "--password-stdin", input="alice-secret\n")
    return s.start()


def queue_ids(server):
    return [l.split()[0] for l in server.cli("queue", "list").stdout.splitlines() if l.strip()]


def test_message_reaches_remote_mx_found_in_dns(server_factory, dns):
    mx = ScriptedMx()
    try:
        srv = start_sender(server_factory, queue_config(dns, mx.port))
        submit(srv, ["friend@remote.test", "pal@other.test"], make_message("first"))
        assert wait_until(lambda: len(mx.messages) >= 2), srv.log_text()[-3000:]
        got = {tuple(m[1]): m for m in mx.messages}
        assert set(got) == {("friend@remote.test",), ("pal@other.test",)}
        for sender, rcpts, data in mx.messages:
            assert sender == "alice@example.test"
            assert b"Subject: first\r\n" in data
            assert b"\r\nReceived: from " in data  # our trace header came along
            # Signed with the sender domain's key (made by `domain add`).
            assert data.startswith(b"DKIM-Signature: v=1;") and b"d=example.test;" in data
        # Delivered recipients leave the queue.
        assert wait_until(lambda: queue_ids(srv) == [])
        metrics = srv.log_text()
        assert "queue.attempt" in metrics and "status=delivered" in metrics
    finally:
        mx.close()


def test_transient_failure_is_retried_then_delivered(server_factory, dns):
    mx = ScriptedMx(lambda addr, n: "451 4.3.0 try later" if n == 1 else "250 2.1.5 Ok")
    try:
        srv = start_sender(server_factory, queue_config(dns, mx.port))
        submit(srv, ["later@remote.test"], make_message("retry me"))
        assert wait_until(lambda: len(mx.messages) == 1, timeout=30), srv.log_text()[-3000:]
        assert mx.rcpt_attempts["later@remote.test"] == 2
        assert "status=deferred" in srv.log_text()
        assert dsns_for(srv) == []  # a retry is not a failure
    finally:
        mx.close()


def test_queue_flush_retries_at_once(server_factory, dns):
    mx = ScriptedMx(lambda addr, n: "452 4.2.2 full for now" if n == 1 else "250 2.1.5 Ok")
    try:
        # The first retry would be an hour away; `queue flush` makes it due now.
        srv = start_sender(server_factory, queue_config(dns, mx.port, retry_min=3600,
                                                        retry_max=7200))
        submit(srv, ["slow@remote.test"], make_message("flush me"))
        assert wait_until(lambda: mx.rcpt_attempts["slow@remote.test"] == 1)
        ids = wait_until(lambda: queue_ids(srv))
        assert len(ids) == 1
        shown = wait_until(lambda: "deferred" in srv.cli("queue", "show", ids[0]).stdout and
                           srv.cli("queue", "show", ids[0]).stdout)
        assert "rcpt: <slow@remote.test> deferred attempts=1" in shown
        assert "452 4.2.2 full for now" in shown
        time.sleep(2)
        assert len(mx.messages) == 0
        out = srv.cli("queue", "flush").stdout
        assert out.startswith("1 recipient")
        assert wait_until(lambda: len(mx.messages) == 1, timeout=15), srv.log_text()[-3000:]
        assert wait_until(lambda: queue_ids(srv) == [])
    finally:
        mx.close()


def test_permanent_failure_sends_dsn_to_local_sender(server_factory, dns):
    mx = ScriptedMx(lambda addr, n: "550 5.1.1 <%s>: no such user" % addr
                    if addr.startswith("nobody") else "250 2.1.5 Ok")
    try:
        srv = start_sender(server_factory, queue_config(dns, mx.port))
        msg = make_message("bounce me")
        with smtplib.SMTP_SSL("127.0.0.1", srv.ports["submissions"], timeout=30,
                              context=tls_context()) as s:
            s.login("alice@example.test", "alice-secret")
            s.sendmail("alice@example.test", ["nobody@remote.test", "friend@remote.test"], msg,
                       mail_options=["RET=HDRS", "ENVID=env-42"])
        reports = wait_until(lambda: dsns_for(srv), timeout=30)
        assert len(reports) == 1, srv.log_text()[-3000:]
        report = reports[0]
        assert report.get_content_type() == "multipart/report"
        assert report.get_param("report-type") == "delivery-status"
        assert report["Auto-Submitted"] == "auto-replied"
        per_message, recipients = dsn_recipient_fields(report)
        assert per_message["Reporting-MTA"] == "dns; mail.example.test"
        assert per_message["Original-Envelope-Id"] == "env-42"
        assert len(recipients) == 1  # the delivered recipient is not reported
        r = recipients[0]
        assert r["Final-Recipient"] == "rfc822; nobody@remote.test"
        assert r["Action"] == "failed"
        assert r["Status"] == "5.1.1"
        assert r["Remote-MTA"] == "dns; " + MX_HOST
        assert "550 5.1.1" in r["Diagnostic-Code"]
        headers = [p for p in report.walk() if p.get_content_type() == "text/rfc822-headers"]
        assert len(headers) == 1
        assert b"Subject: bounce me" in headers[0].get_payload(decode=True)
        assert len(mx.messages) == 1 and mx.messages[0][1] == ["friend@remote.test"]
        assert wait_until(lambda: queue_ids(srv) == [])
    finally:
        mx.close()


def test_delay_dsn_once_then_delivery(server_factory, dns):
    mx = ScriptedMx(lambda addr, n: "450 4.2.0 mailbox busy" if n <= 3 else "250 2.1.5 Ok")
    try:
        srv = start_sender(server_factory, queue_config(dns, mx.port, extra="delay_warning = 1"))
        submit(srv, ["busy@remote.test"], make_message("slow box"))
        assert wait_until(lambda: len(mx.messages) == 1, timeout=40), srv.log_text()[-3000:]
        reports = dsns_for(srv)
        assert len(reports) == 1  # RFC 3461 DELAY: once, however many retries
        assert reports[0]["Subject"].startswith("Delayed Mail")
        _, recipients = dsn_recipient_fields(reports[0])
        assert recipients[0]["Action"] == "delayed"
        assert recipients[0]["Status"] == "4.2.0"
        assert recipients[0]["Will-Retry-Until"]
        metrics = urllib.request.urlopen(
            f"http://127.0.0.1:{srv.ports['admin']}/metrics", timeout=10).read().decode()
        assert 'postino_queue_attempts_total{result="deferred"} 3' in metrics
        assert 'postino_queue_attempts_total{result="delivered"} 1' in metrics
        assert 'postino_queue_dsn_total{to="local"} 1' in metrics
    finally:
        mx.close()


def test_null_mx_bounces_at_once(server_factory, dns):
    mx = ScriptedMx()
    try:
        srv = start_sender(server_factory, queue_config(dns, mx.port))
        submit(srv, ["anyone@nullmx.test"], make_message("to null mx"))
        reports = wait_until(lambda: dsns_for(srv), timeout=20)
        assert len(reports) == 1, srv.log_text()[-3000:]
        _, recipients = dsn_recipient_fields(reports[0])
        assert recipients[0]["Status"] == "5.1.10"  # RFC 7505 §4.3
        assert recipients[0]["Action"] == "failed"
        assert mx.connections == 0
    finally:
        mx.close()


def test_eight_bit_message_to_peer_without_8bitmime_bounces(server_factory, dns):
    mx = ScriptedMx(ehlo_extra=("PIPELINING", "ENHANCEDSTATUSCODES"))
    try:
        srv = start_sender(server_factory, queue_config(dns, mx.port))
        msg = make_message("caf\u00e9", body="Gr\u00fc\u00dfe\r\n")
        msg = msg.decode().encode("utf-8")
        submit(srv, ["friend@remote.test"], msg, mail_options=["BODY=8BITMIME"])
        reports = wait_until(lambda: dsns_for(srv), timeout=20)
        assert len(reports) == 1, srv.log_text()[-3000:]
        _, recipients = dsn_recipient_fields(reports[0])
        assert recipients[0]["Status"] == "5.6.3"  # RFC 6152 §3: bounce, no downgrade
        assert mx.messages == []
    finally:
        mx.close()


def test_queue_remove_drops_a_deferred_message(server_factory, dns):
    mx = ScriptedMx(lambda addr, n: "451 4.3.0 later")
    try:
        srv = start_sender(server_factory, queue_config(dns, mx.port, retry_min=3600,
                                                        retry_max=7200))
        submit(srv, ["stuck@remote.test"], make_message("stuck"))
        assert wait_until(lambda: mx.rcpt_attempts["stuck@remote.test"] == 1)
        ids = wait_until(lambda: queue_ids(srv))
        # Retry once the attempt's deferral is committed: a retry while the attempt
        # is still in flight is superseded by its outcome (next attempt in an hour).
        assert wait_until(lambda: "deferred attempts=1" in srv.cli("queue", "show", ids[0]).stdout)
        assert srv.cli("queue", "retry", ids[0]).returncode == 0
        assert wait_until(lambda: mx.rcpt_attempts["stuck@remote.test"] == 2, timeout=15)
        srv.cli("queue", "remove", ids[0])
        assert queue_ids(srv) == []
        r = srv.cli("queue", "show", ids[0], check=False)
        assert r.returncode != 0 and "no queued message" in r.stderr
        assert dsns_for(srv) == []  # removal sends no DSN
    finally:
        mx.close()


def test_notify_never_gets_no_dsn(server_factory, dns):
    mx = ScriptedMx(lambda addr, n: "550 5.1.1 no such user")
    try:
        srv = start_sender(server_factory, queue_config(dns, mx.port))
        with smtplib.SMTP_SSL("127.0.0.1", srv.ports["submissions"], timeout=30,
                              context=tls_context()) as s:
            s.login("alice@example.test", "alice-secret")
            s.sendmail("alice@example.test", ["quiet@remote.test"], make_message("never"),
                       rcpt_options=["NOTIFY=NEVER"])
        assert wait_until(lambda: mx.rcpt_attempts["quiet@remote.test"] >= 1)
        assert wait_until(lambda: queue_ids(srv) == [])
        time.sleep(1)
        assert dsns_for(srv) == []
    finally:
        mx.close()


def test_delivery_to_a_second_postino_over_starttls(server_factory, dns):
    receiver = server_factory()
    receiver.cli("domain", "add", "remote.test")
    receiver.cli("user", "add", "friend@remote.test", "--password-stdin", input="pw-friend\n")
    receiver.start()
    srv = start_sender(server_factory, queue_config(dns, receiver.ports["smtp"]))
    submit(srv, ["friend@remote.test"], make_message("over tls"))
    uids = wait_until(lambda: inbox(receiver, "friend@remote.test"), timeout=30)
    assert len(uids) == 1, srv.log_text()[-3000:]
    raw = show(receiver, "friend@remote.test", uids[0])
    assert b"Subject: over tls" in raw
    # The receiver's Received header records the TLS session (RFC 3207 §4).
    first = raw.split(b"\r\n\r\n")[0]
    assert b"with ESMTPS" in first, first[:600]


def sink_message_ids(dump_dir):
    ids = []
    for path in glob.glob(os.path.join(dump_dir, "*")):
        try:
            with open(path, "rb") as f:
                for line in f:
                    if line.lower().startswith(b"message-id:"):
                        ids.append(line.split(b":", 1)[1].strip().decode())
                        break
        except FileNotFoundError:
            # smtp-sink unlinks the dump of a transaction whose connection broke
            # before the final dot (the sender was killed mid-DATA): not delivered.
            continue
    return ids


@pytest.fixture
def smtp_sink(tmp_path):
    """(port, dump_dir, start): smtp-sink writes each message to a file in dump_dir
    once start() has launched it."""
    if shutil.which("smtp-sink", path="/usr/sbin:/usr/bin") is None:
        # smtp-sink comes with Postfix; scripts/peers.sh installs it from Debian
        # (as root, as in CI) without starting the system instance.
        if os.geteuid() != 0:
            pytest.skip("smtp-sink (postfix) is not installed and installing it needs root")
        peers = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
            os.path.abspath(__file__)))), "scripts", "peers.sh")
        r = subprocess.run([peers, "install"], capture_output=True, text=True, timeout=900)
        assert r.returncode == 0, r.stderr[-2000:]
        assert shutil.which("smtp-sink", path="/usr/sbin:/usr/bin"), "peers.sh install gave no smtp-sink"
    dump = tempfile_dir("postino-sink-")
    port = free_port()
    procs = []

    def start():
        cmd = ["smtp-sink", "-d", os.path.join(dump, "%M."), f"127.0.0.1:{port}", "256"]
        if os.geteuid() == 0:
            cmd[1:1] = ["-u", "nobody"]
        procs.append(subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.05)

    yield port, dump, start
    for p in procs:
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=10)
    shutil.rmtree(dump, ignore_errors=True)


def tempfile_dir(prefix):
    import tempfile
    d = tempfile.mkdtemp(prefix=prefix, dir="/tmp")
    os.chmod(d, 0o777)  # smtp-sink writes as nobody
    return d


def test_sigkill_during_delivery_loses_nothing(server_factory, dns, smtp_sink):
    port, dump, start_sink = smtp_sink
    n = 1000
    # The receiver is down while the messages are queued, so that all 1,000 are
    # waiting when it comes up and the kill lands in the middle of the run.
    srv = start_sender(server_factory, queue_config(dns, port))
    with smtplib.SMTP_SSL("127.0.0.1", srv.ports["submissions"], timeout=60,
                          context=tls_context()) as s:
        s.login("alice@example.test", "alice-secret")
        for i in range(n):
            domain = "remote.test" if i % 2 else "other.test"
            s.sendmail("alice@example.test", [f"user{i}@{domain}"],
                       make_message(f"bulk {i}", msgid=f"<bulk-{i}@example.test>"))
    start_sink()
    assert wait_until(lambda: len(os.listdir(dump)) >= n // 10, timeout=60, step=0.01)
    srv.stop(sig=signal.SIGKILL)
    before = len(set(sink_message_ids(dump)))
    assert before < n, "the kill came after the whole run; nothing was tested"
    srv.start()
    assert wait_until(lambda: len(set(sink_message_ids(dump))) >= n, timeout=120, step=0.5), (
        f"{len(set(sink_message_ids(dump)))} of {n} delivered (before kill: {before})\n"
        + srv.log_text()[-3000:])
    ids = sink_message_ids(dump)
    assert set(ids) == {f"<bulk-{i}@example.test>" for i in range(n)}
    # RFC 5321 §6.1: duplicates only for the few in flight at the kill.
    assert len(ids) - n <= 20
    assert wait_until(lambda: queue_ids(srv) == [], timeout=30)
