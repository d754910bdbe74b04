"""SMTP in: MX, submission (STARTTLS) and submissions (implicit TLS) driven by
clients nobody here wrote (Python's smtplib, swaks) and by raw sockets where
the test needs exact bytes (pipelining, smuggling, STARTTLS injection)."""
import base64
import os
import re
import shutil
import signal
import smtplib
import socket
import ssl
import subprocess
import time

import pytest

from scram import ScramClient, b64, unb64

MESSAGE = (b"From: alice@example.test\r\nTo: bob@example.test\r\nSubject: hello\r\n"
           b"Message-ID: <t1@example.test>\r\n\r\nFirst line\r\n.leading dot\r\n\r\nlast\r\n")


def tls_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def inbox(server, address, mailbox="INBOX"):
    out = server.cli("message", "list", address, mailbox).stdout
    return [line.split("\t")[0] for line in out.splitlines() if line.strip()]


def show(server, address, uid, mailbox="INBOX"):
    r = subprocess.run([server_bin(), "--config", server.config_path, "message", "show", address,
                        mailbox, uid], capture_output=True, timeout=60, check=True)
    return r.stdout


def server_bin():
    from conftest import BIN
    return BIN


def strip_received(raw):
    """The message after our Received header (which comes first, folded, below
    the Authentication-Results field MX mail gets, RFC 8601 §4)."""
    a = re.match(rb"Authentication-Results: mail\.example\.test;[^\r\n]*\r\n(?:[ \t][^\r\n]*\r\n)*",
                 raw)
    if a:
        raw = raw[a.end():]
    assert raw.startswith(b"Received: from "), raw[:200]
    m = re.match(rb"Received: [^\r\n]*\r\n(?:[ \t][^\r\n]*\r\n)*", raw)
    return raw[m.end():], m.group(0)


def wait_for_messages(server, address, n, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        uids = inbox(server, address)
        if len(uids) >= n:
            return uids
        time.sleep(0.1)
    return inbox(server, address)


class Raw:
    """A line-oriented raw SMTP client for tests that need exact bytes."""

    def __init__(self, port, implicit_tls=False):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        if implicit_tls:
            self.sock = tls_context().wrap_socket(self.sock)
        self.buf = b""
        self.greeting = self.reply()

    def send(self, data):
        self.sock.sendall(data)

    def line(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                line, self.buf = self.buf, b""
                return line
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return line + b"\n"

    def reply(self):
        lines = []
        while True:
            line = self.line()
            if not line:
                break
            lines.append(line)
            if len(line) < 4 or line[3:4] != b"-":
                break
        return b"".join(lines).decode("utf-8", "replace")

    def cmd(self, text):
        self.send(text.encode() + b"\r\n")
        return self.reply()

    def starttls(self):
        self.sock = tls_context().wrap_socket(self.sock)

    def close(self):
        self.sock.close()


# ---------------------------------------------------------------- submission


def check_delivered(server, body=MESSAGE, address="bob@example.test", n=1, proto=None):
    uids = wait_for_messages(server, address, n)
    assert len(uids) == n, uids
    raw = show(server, address, uids[-1])
    rest, received = strip_received(raw)
    assert rest == body
    assert b"by mail.example.test" in received
    if proto:
        assert (b" with " + proto.encode() + b" ") in received, received
    return received


@pytest.mark.parametrize("mech", ["PLAIN", "LOGIN"])
def test_smtplib_starttls_auth(server, mech):
    with smtplib.SMTP("127.0.0.1", server.ports["submission"], timeout=10) as s:
        s.ehlo("client.test")
        assert s.has_extn("starttls")
        s.starttls(context=tls_context())
        s.ehlo("client.test")
        s.user, s.password = "alice@example.test", "alice-secret"
        code, _ = s.auth(mech, getattr(s, "auth_" + mech.lower()), initial_response_ok=mech == "PLAIN")
        assert code == 235
        s.sendmail("alice@example.test", ["bob@example.test"], MESSAGE)
    received = check_delivered(server, proto="ESMTPSA")
    assert b"version=TLSv1." in received


@pytest.mark.parametrize("mech", ["PLAIN", "LOGIN"])
def test_smtplib_implicit_tls_auth(server, mech):
    with smtplib.SMTP_SSL("127.0.0.1", server.ports["submissions"], timeout=10,
                          context=tls_context()) as s:
        s.ehlo("client.test")
        s.user, s.password = "alice@example.test", "alice-secret"
        code, _ = s.auth(mech, getattr(s, "auth_" + mech.lower()))
        assert code == 235
        s.sendmail("alice@example.test", ["bob@example.test"], MESSAGE)
    check_delivered(server, proto="ESMTPSA")


@pytest.mark.skipif(shutil.which("swaks") is None, reason="swaks not installed")
@pytest.mark.parametrize("listener,tls_flag,mech", [
    ("submission", "--tls", "PLAIN"),
    ("submission", "--tls", "LOGIN"),
    ("submissions", "--tls-on-connect", "PLAIN"),
    ("submissions", "--tls-on-connect", "LOGIN"),
])
def test_swaks(server, listener, tls_flag, mech):
    body = "Subject: via swaks\r\n\r\nswaks body\r\n"
    r = subprocess.run(["swaks", "--server", "127.0.0.1", "--port", str(server.ports[listener]),
                        tls_flag, "--auth", mech, "--auth-user", "alice@example.test",
                        "--auth-password", "alice-secret", "--from", "alice@example.test",
                        "--to", "bob@example.test", "--helo", "client.test",
                        # swaks ends the data with its own line end before the dot.
                        "--data", body.replace("\r\n", "\n").rstrip("\n")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "235 2.7.0" in r.stdout
    uids = wait_for_messages(server, "bob@example.test", 1)
    rest, received = strip_received(show(server, "bob@example.test", uids[-1]))
    assert rest == body.encode()
    assert b"ESMTPSA" in received


def scram_client(raw, user, password):
    """RFC 5802 / RFC 7677 SCRAM-SHA-256 exchange over an open SMTP session."""
    c = ScramClient(user, password)
    r = raw.cmd("AUTH SCRAM-SHA-256 " + b64(c.first()))
    assert r.startswith("334 "), r
    r = raw.cmd(b64(c.final(unb64(r[4:].strip()))))
    if not r.startswith("334 "):
        return r
    c.verify(unb64(r[4:].strip()))
    return raw.cmd("")


def test_scram_sha256(server):
    raw = Raw(server.ports["submissions"], implicit_tls=True)
    assert "SCRAM-SHA-256" in raw.cmd("EHLO client.test")
    assert scram_client(raw, "alice@example.test", "alice-secret").startswith("235 2.7.0")
    assert raw.cmd("MAIL FROM:<alice@example.test>").startswith("250 ")
    assert raw.cmd("RCPT TO:<bob@example.test>").startswith("250 ")
    assert raw.cmd("DATA").startswith("354 ")
    raw.send(MESSAGE.replace(b"\r\n.", b"\r\n..") + b".\r\n")
    assert raw.reply().startswith("250 2.6.0")
    raw.close()
    check_delivered(server, proto="ESMTPSA")


def test_wrong_password(server):
    raw = Raw(server.ports["submissions"], implicit_tls=True)
    raw.cmd("EHLO client.test")
    token = base64.b64encode(b"\0alice@example.test\0wrong").decode()
    assert raw.cmd("AUTH PLAIN " + token).startswith("535 5.7.8")
    r = scram_client(raw, "alice@example.test", "wrong")
    assert r.startswith("535 5.7.8"), r


def test_auth_before_tls_refused_off_loopback(server_factory):
    # "Off loopback" is simulated by turning the loopback exception off.
    s = server_factory("[auth]\nplaintext_on_loopback = false\n")
    s.cli("domain", "add", "example.test")
    s.cli("user", "add", "alice@example.test", "--password-stdin", input="alice-secret\n")
    s.start()
    raw = Raw(s.ports["submission"])
    assert "AUTH" not in raw.cmd("EHLO client.test")
    token = base64.b64encode(b"\0alice@example.test\0alice-secret").decode()
    assert raw.cmd("AUTH PLAIN " + token).startswith("538 5.7.11")
    assert raw.cmd("MAIL FROM:<alice@example.test>").startswith("530 5.7.0")
    assert raw.cmd("STARTTLS").startswith("220 ")
    raw.starttls()
    assert "AUTH" in raw.cmd("EHLO client.test")
    assert raw.cmd("AUTH PLAIN " + token).startswith("235 ")


# ---------------------------------------------------------------- policy


@pytest.mark.parametrize("listener", ["smtp", "submission", "submissions"])
def test_relay_refused_without_auth(server, listener):
    raw = Raw(server.ports[listener], implicit_tls=listener == "submissions")
    raw.cmd("EHLO client.test")
    r = raw.cmd("MAIL FROM:<someone@remote.test>")
    if listener == "smtp":
        assert r.startswith("250 ")
        assert re.match(r"5\d\d 5\.7\.\d", raw.cmd("RCPT TO:<victim@elsewhere.test>"))
        assert raw.cmd("RCPT TO:<nobody@example.test>").startswith("550 5.1.1")
    else:
        assert re.match(r"5\d\d 5\.7\.\d", r), r
    raw.close()
    queue_dir = os.path.join(server.data_dir, "queue")
    assert not os.path.isdir(queue_dir) or not [f for f in os.listdir(queue_dir) if f.endswith(".msg")]


def test_submission_relays_to_queue(server):
    with smtplib.SMTP_SSL("127.0.0.1", server.ports["submissions"], timeout=10,
                          context=tls_context()) as s:
        s.login("alice@example.test", "alice-secret")
        with pytest.raises(smtplib.SMTPSenderRefused) as e:
            s.sendmail("bob@example.test", ["friend@remote.test"], MESSAGE)
        assert e.value.smtp_code == 553
        s.sendmail("alice@example.test", ["friend@remote.test", "bob@example.test"], MESSAGE)
    # Only the remote recipient is queued (what the queue then does with
    # remote.test depends on this machine's DNS; tests/integration/test_queue.py
    # covers delivery).
    queued = re.findall(r"event=queue\.enqueued id=(\w+) rcpts=(\d+)", server.log_text())
    assert [n for _, n in queued] == ["1"], queued
    check_delivered(server)


def test_mx_local_delivery_and_multiple_recipients(server):
    with smtplib.SMTP("127.0.0.1", server.ports["smtp"], timeout=10) as s:
        s.ehlo("mx.remote.test")
        refused = s.sendmail("x@remote.test", ["alice@example.test", "bob@example.test"], MESSAGE)
        assert refused == {}
    check_delivered(server, address="alice@example.test", proto="ESMTP")
    check_delivered(server, address="bob@example.test", proto="ESMTP")


def test_fifty_pipelined_recipients(server):
    raw = Raw(server.ports["smtp"])
    assert "PIPELINING" in raw.cmd("EHLO client.test")
    batch = "MAIL FROM:<x@remote.test>\r\n"
    batch += "".join(f"RCPT TO:<bob+{i}@example.test>\r\n" for i in range(50))
    batch += "DATA\r\n"
    raw.send(batch.encode())
    assert raw.reply().startswith("250 ")
    for i in range(50):
        assert raw.reply().startswith("250 "), i
    assert raw.reply().startswith("354 ")
    raw.send(MESSAGE.replace(b"\r\n.", b"\r\n..") + b".\r\n")
    assert raw.reply().startswith("250 2.6.0")
    check_delivered(server)


def test_size_limits(server_factory):
    s = server_factory("[limits]\nmax_message_size = 4096\n")
    s.cli("domain", "add", "example.test")
    s.cli("user", "add", "bob@example.test", "--password-stdin", input="bob-secret\n")
    s.start()
    with smtplib.SMTP("127.0.0.1", s.ports["smtp"], timeout=10) as c:
        c.ehlo("client.test")
        assert c.esmtp_features["size"] == "4096"
        code, msg = c.mail("x@remote.test", ["SIZE=5000"])
        assert (code, msg[:5]) == (552, b"5.3.4")
        assert c.mail("x@remote.test", ["SIZE=1000"])[0] == 250
        assert c.rcpt("bob@example.test")[0] == 250
        code, msg = c.data(b"Subject: big\r\n\r\n" + (b"x" * 70 + b"\r\n") * 200)
        assert (code, msg[:5]) == (552, b"5.3.4")
        assert c.noop()[0] == 250
    assert inbox(s, "bob@example.test") == []


def test_long_command_line(server):
    raw = Raw(server.ports["smtp"])
    raw.cmd("EHLO client.test")
    assert raw.cmd("MAIL FROM:<" + "a" * 5000 + "@remote.test>").startswith("500 5.5.2")
    assert raw.cmd("NOOP").startswith("250 ")
    assert raw.cmd("MAIL FROM:<x@remote.test>").startswith("250 ")


def test_bad_commands_then_error_limit(server):
    raw = Raw(server.ports["smtp"])
    assert raw.cmd("RCPT TO:<bob@example.test>").startswith("503 5.5.1")
    replies = [raw.cmd("XYZZY") for _ in range(9)]
    assert all(r.startswith("500 5.5.1") for r in replies[:8])
    assert "421 4.7.0" in replies[-1] + raw.reply()


# ---------------------------------------------------------------- smuggling


@pytest.mark.parametrize("seq", [b"\n.\n", b"\n.\r\n", b"\r\n.\n", b"\r.\r\n"])
def test_smuggling_sequences(server, seq):
    raw = Raw(server.ports["smtp"])
    raw.cmd("EHLO client.test")
    assert raw.cmd("MAIL FROM:<x@remote.test>").startswith("250 ")
    assert raw.cmd("RCPT TO:<alice@example.test>").startswith("250 ")
    assert raw.cmd("DATA").startswith("354 ")
    raw.send(b"Subject: first\r\n\r\nbody" + seq +
             b"MAIL FROM:<evil@remote.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n"
             b"Subject: smuggled\r\n\r\nevil\r\n.\r\n")
    r = raw.reply()
    assert re.match(r"5\d\d 5\.", r), r
    assert raw.cmd("NOOP").startswith("250 ")
    raw.close()
    assert inbox(server, "alice@example.test") == []
    assert inbox(server, "bob@example.test") == []


def test_starttls_pipelined_plaintext_is_discarded(server):
    raw = Raw(server.ports["submission"])
    raw.cmd("EHLO client.test")
    token = base64.b64encode(b"\0alice@example.test\0alice-secret").decode()
    raw.send(b"STARTTLS\r\nAUTH PLAIN " + token.encode() + b"\r\n")
    assert raw.reply().startswith("220 ")
    raw.starttls()
    # The injected AUTH never ran: still unauthenticated, and EHLO is needed again.
    assert raw.cmd("MAIL FROM:<alice@example.test>").startswith("503 ")
    raw.cmd("EHLO client.test")
    assert raw.cmd("MAIL FROM:<alice@example.test>").startswith("530 5.7.0")


# ---------------------------------------------------------------- durability


def test_sigkill_after_250_keeps_message(server):
    raw = Raw(server.ports["smtp"])
    raw.cmd("EHLO client.test")
    raw.cmd("MAIL FROM:<x@remote.test>")
    raw.cmd("RCPT TO:<bob@example.test>")
    raw.cmd("DATA")
    raw.send(MESSAGE.replace(b"\r\n.", b"\r\n..") + b".\r\n")
    assert raw.reply().startswith("250 2.6.0")
    server.proc.send_signal(signal.SIGKILL)
    server.proc.wait(timeout=10)
    server.proc = None
    server.log.close()
    server.start()
    check_delivered(server)
