"""IMAP COMPRESS=DEFLATE (RFC 4978) on the real postino binary.

The client side is Python's zlib over a raw socket (imaplib has no COMPRESS):
raw DEFLATE, a sync flush after each command, as RFC 4978 §4 describes. Then
mbsync, which turns COMPRESS=DEFLATE on by itself when the server offers it.
"""
import os
import shutil
import smtplib
import socket
import ssl
import subprocess
import zlib

import pytest

ALICE = ("alice@example.test", "alice-secret")
MESSAGE = (b"From: Ann <ann@example.org>\r\nTo: alice@example.test\r\n"
           b"Subject: compressed\r\nMessage-ID: <z1@example.org>\r\n\r\n"
           + b"a body line that repeats\r\n" * 400)


class ZImap:
    """A line-oriented IMAP client that can switch on DEFLATE both ways."""

    def __init__(self, sock):
        self.sock = sock
        self.sock.settimeout(30)
        self.buf = b""
        self.tx = self.rx = None
        self.wire_in = 0
        self.n = 0

    def _recv(self):
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("closed")
        self.wire_in += len(data)
        if self.rx:
            data = self.rx.decompress(data)
        self.buf += data

    def line(self):
        while b"\r\n" not in self.buf:
            self._recv()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def read_n(self, n):
        while len(self.buf) < n:
            self._recv()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def send(self, data):
        if self.tx:
            data = self.tx.compress(data) + self.tx.flush(zlib.Z_SYNC_FLUSH)
        self.sock.sendall(data)

    def command(self, text):
        """Sends a command; returns (untagged lines, tagged line). Literals are inlined."""
        self.n += 1
        tag = b"z%d" % self.n
        self.send(tag + b" " + text.encode() + b"\r\n")
        untagged = []
        while True:
            line = self.line()
            if line.endswith(b"}") and b"{" in line:
                size = int(line[line.rindex(b"{") + 1:-1])
                line += b"\r\n" + self.read_n(size) + self.line()
            if line.startswith(tag + b" "):
                return untagged, line[len(tag) + 1:]
            untagged.append(line)

    def compress(self):
        untagged, status = self.command("COMPRESS DEFLATE")
        assert status.startswith(b"OK"), status
        # RFC 4978 §3: compressed from right after the OK's CRLF, both ways.
        assert self.buf == b""
        self.tx = zlib.compressobj(6, zlib.DEFLATED, -15)
        self.rx = zlib.decompressobj(-15)


def deliver(server, n=1):
    with smtplib.SMTP("127.0.0.1", server.ports["smtp"]) as s:
        for _ in range(n):
            s.sendmail("ann@example.org", ["alice@example.test"], MESSAGE)


def login(c):
    assert c.line().startswith(b"* OK")
    untagged, status = c.command(f'LOGIN "{ALICE[0]}" "{ALICE[1]}"')
    assert status.startswith(b"OK"), status


def exercise(c):
    """Commands and responses over the compressed stream, including a large FETCH."""
    untagged, status = c.command("CAPABILITY")
    assert status.startswith(b"OK")
    assert b"COMPRESS=DEFLATE" not in untagged[0]  # offered only while not active
    untagged, status = c.command("SELECT INBOX")
    assert status.startswith(b"OK"), status
    assert b"* 3 EXISTS" in untagged
    before = c.wire_in
    untagged, status = c.command("FETCH 1:3 (BODY.PEEK[])")
    assert status.startswith(b"OK"), status
    assert len(untagged) == 3
    for u in untagged:
        assert MESSAGE in u
    # The repetitive bodies travel compressed.
    assert c.wire_in - before < len(MESSAGE)
    untagged, status = c.command("COMPRESS DEFLATE")
    assert status.startswith(b"NO [COMPRESSIONACTIVE]"), status  # RFC 4978 §3
    untagged, status = c.command("NOOP")
    assert status.startswith(b"OK")
    untagged, status = c.command("LOGOUT")
    assert untagged[0].startswith(b"* BYE") and status.startswith(b"OK")


def test_compress_deflate_plain(server):
    deliver(server, 3)
    c = ZImap(socket.create_connection(("127.0.0.1", server.ports["imap"])))
    login(c)
    untagged, _ = c.command("CAPABILITY")
    assert b"COMPRESS=DEFLATE" in untagged[0]
    untagged, status = c.command("COMPRESS X-NONE")
    assert status.startswith(b"BAD"), status
    c.compress()
    exercise(c)


def test_compress_inside_tls(server):
    deliver(server, 3)
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    raw = socket.create_connection(("127.0.0.1", server.ports["imaps"]))
    c = ZImap(ctx.wrap_socket(raw, server_hostname="localhost"))
    login(c)
    c.compress()
    exercise(c)


def test_compress_needs_authentication(server):
    c = ZImap(socket.create_connection(("127.0.0.1", server.ports["imap"])))
    assert b"COMPRESS" not in c.line()
    untagged, status = c.command("COMPRESS DEFLATE")
    assert status.startswith(b"BAD"), status


def test_idle_over_compression(server):
    c = ZImap(socket.create_connection(("127.0.0.1", server.ports["imap"])))
    login(c)
    c.compress()
    untagged, status = c.command("SELECT INBOX")
    assert status.startswith(b"OK")
    c.send(b"i1 IDLE\r\n")
    assert c.line().startswith(b"+")
    deliver(server, 1)
    assert c.line() == b"* 1 EXISTS"
    c.send(b"DONE\r\n")
    assert c.line().startswith(b"i1 OK")


def test_corrupt_compressed_input_closes_the_session(server):
    c = ZImap(socket.create_connection(("127.0.0.1", server.ports["imap"])))
    login(c)
    c.compress()
    c.sock.sendall(b"\x07\x00\x00\x00not deflate at all")
    with pytest.raises((ConnectionError, OSError)):
        for _ in range(10):
            c.line()
    assert "net.inflate_error" in server.log_text()


@pytest.mark.skipif(shutil.which("mbsync") is None, reason="mbsync not installed")
def test_mbsync_uses_compress(server, tmp_path):
    deliver(server, 3)
    maildir = tmp_path / "mail"
    maildir.mkdir()
    rc = tmp_path / "mbsyncrc"
    rc.write_text(f"""IMAPAccount postino
Host 127.0.0.1
Port {server.ports["imap"]}
User {ALICE[0]}
Pass {ALICE[1]}
SSLType None
AuthMechs LOGIN

IMAPStore remote
Account postino

MaildirStore local
Path {maildir}/
Inbox {maildir}/INBOX

Channel inbox
Far :remote:INBOX
Near :local:INBOX
Create Near
Sync Pull
SyncState *
""")
    r = subprocess.run(["mbsync", "-D", "-c", str(rc), "inbox"], capture_output=True,
                       text=True, timeout=120, errors="replace")
    out = r.stdout + r.stderr
    assert r.returncode == 0, out[-4000:]
    if "COMPRESS DEFLATE" not in out:
        pytest.skip("this mbsync was built without COMPRESS support")
    new = os.listdir(maildir / "INBOX" / "new") + os.listdir(maildir / "INBOX" / "cur")
    assert len(new) == 3
    for name in new:
        sub = "new" if name in os.listdir(maildir / "INBOX" / "new") else "cur"
        with open(maildir / "INBOX" / sub / name, "rb") as f:
            assert f.read().replace(b"\n", b"\r\n").endswith(MESSAGE.split(b"\r\n\r\n", 1)[1])
