"""A real Postfix relays mail into postino's MX.

The test starts a private Postfix instance on loopback (scripts/peers.sh start-postfix
DIR relay:127.0.0.1:PORT, relayhost = postino's smtp listener), submits a message to it
with smtplib, and checks that the message reaches the recipient's INBOX with Postfix's
Received header below postino's own. scripts/peers.sh installs Postfix from Debian if it
is missing (as root, the way CI runs); the test is skipped only if that is impossible.
"""
import os
import re
import shutil
import smtplib
import subprocess
import tempfile
import time

import pytest

from conftest import BIN, ROOT, free_port

PEERS = os.path.join(ROOT, "scripts", "peers.sh")
POSTFIX_HOST = "mx.example.test"  # myhostname in bench/peers/postfix/main.cf


def ensure_postfix():
    if shutil.which("postfix") is None and os.geteuid() != 0:
        pytest.skip("Postfix is not installed and installing it needs root")
    r = subprocess.run([PEERS, "install"], capture_output=True, text=True, timeout=900)
    if r.returncode != 0 or shutil.which("postfix", path="/usr/sbin:/usr/bin:/sbin:/bin") is None:
        pytest.skip(f"Postfix cannot be installed: {r.stderr.strip()[-500:]}")
    if os.geteuid() != 0:
        pytest.skip("a private Postfix instance needs root to start")


@pytest.fixture
def postfix(server):
    ensure_postfix()
    # Postfix's daemons run as user postfix and must reach their queue directory, so the
    # instance lives in a world-traversable directory of its own, not in tmp_path (0700).
    peer_dir = tempfile.mkdtemp(prefix="postino-postfix-", dir="/tmp")
    os.chmod(peer_dir, 0o755)
    port = free_port()
    env = dict(os.environ, PEER_SMTP_PORT=str(port))
    try:
        r = subprocess.run([PEERS, "start-postfix", peer_dir,
                            f"relay:127.0.0.1:{server.ports['smtp']}"],
                           capture_output=True, text=True, env=env, timeout=60)
        assert r.returncode == 0, f"postfix did not start: {r.stdout}{r.stderr}"
        yield port, peer_dir
    finally:
        subprocess.run([PEERS, "stop-postfix", peer_dir], env=env, timeout=60)
        shutil.rmtree(peer_dir, ignore_errors=True)


def postfix_log(peer_dir):
    try:
        with open(os.path.join(peer_dir, "postfix", "log", "postfix.log")) as f:
            return f.read()[-3000:]
    except OSError:
        return ""


def find_message(server, address, subject, timeout=30.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        out = server.cli("message", "list", address, "INBOX").stdout
        for line in out.splitlines():
            if subject in line:
                return line.split("\t")[0]
        time.sleep(0.2)
    return None


def test_postfix_relays_into_postino(server, postfix):
    port, peer_dir = postfix
    subject = f"relayed through postfix {os.getpid()}"
    body = ("From: Carol <carol@example.org>\r\n"
            "To: Alice <alice@example.test>\r\n"
            f"Subject: {subject}\r\n"
            "Message-ID: <relay-test@example.org>\r\n"
            "\r\n"
            "First line.\r\n"
            ".A line that starts with a dot.\r\n"
            "Last line.\r\n")
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as c:
        c.ehlo("client.example.org")
        refused = c.sendmail("carol@example.org", ["alice@example.test"], body.encode())
        assert refused == {}

    uid = find_message(server, "alice@example.test", subject)
    assert uid is not None, f"message never arrived; postfix log:\n{postfix_log(peer_dir)}"
    raw = subprocess.run([BIN, "--config", server.config_path, "message", "show",
                          "alice@example.test", "INBOX", uid],
                         capture_output=True, timeout=60, check=True).stdout

    head, _, text = raw.partition(b"\r\n\r\n")
    received = re.findall(rb"^Received: [^\r\n]*(?:\r\n[ \t][^\r\n]*)*", head, re.M)
    assert len(received) >= 2, head
    # postino's trace header first (RFC 5321 §4.4: prepended), recording Postfix's EHLO name.
    assert b"mail.example.test" in received[0]
    assert POSTFIX_HOST.encode() in received[0]
    # then Postfix's own, naming our client and the envelope recipient.
    assert re.search(rb"by " + POSTFIX_HOST.encode() + rb" \(Postfix\) with ESMTP id", received[1])
    assert b"client.example.org" in received[1]
    assert b"for <alice@example.test>" in received[1]
    # The message itself is intact, dot line included (Postfix stuffed it, postino unstuffed).
    assert b"Subject: " + subject.encode() in head
    assert b"Message-ID: <relay-test@example.org>" in head
    assert text == b"First line.\r\n.A line that starts with a dot.\r\nLast line.\r\n"
