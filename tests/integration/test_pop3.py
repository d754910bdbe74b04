"""POP3 against the real binary with Python's poplib and curl."""
import base64
import imaplib
import poplib
import ssl
import subprocess

import pytest

from scram import ScramClient

MSG_DOTS = (
    b"From: bob@example.test\r\n"
    b"To: alice@example.test\r\n"
    b"Subject: dots\r\n"
    b"\r\n"
    b".leading dot line\r\n"
    b"..two dots\r\n"
    b".\r\n"
    b"middle\r\n"
    b"last line\r\n"
)


def tls_ctx():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def append(server, user, password, raw, mailbox="INBOX"):
    """Puts a message in a mailbox through IMAP APPEND (the real path)."""
    imap = imaplib.IMAP4("127.0.0.1", server.ports["imap"])
    imap.login(user, password)
    typ, _ = imap.append(mailbox, None, None, raw)
    assert typ == "OK"
    imap.logout()


def make_messages(n):
    msgs = []
    for i in range(n):
        body = MSG_DOTS.replace(b"Subject: dots", f"Subject: message {i}".encode())
        body += (f"payload {i} ".encode() * (i + 1)) + b"\r\n"
        msgs.append(body)
    return msgs


def pop(server):
    p = poplib.POP3("127.0.0.1", server.ports["pop3"], timeout=20)
    return p


def test_capa_and_stls_then_login(server):
    p = pop(server)
    caps = p.capa()
    for c in ("TOP", "UIDL", "USER", "SASL", "RESP-CODES", "PIPELINING", "STLS", "EXPIRE"):
        assert c in caps, caps
    p.stls(tls_ctx())
    caps = p.capa()
    assert "STLS" not in caps
    p.user("alice@example.test")
    p.pass_("alice-secret")
    assert p.stat() == (0, 0)
    p.quit()


def test_retr_byte_exact_with_dot_lines(server):
    msgs = make_messages(3)
    for m in msgs:
        append(server, "alice@example.test", "alice-secret", m)
    p = poplib.POP3_SSL("127.0.0.1", server.ports["pop3s"], context=tls_ctx(), timeout=20)
    p.user("alice@example.test")
    p.pass_("alice-secret")
    count, size = p.stat()
    assert count == 3
    assert size == sum(len(m) for m in msgs)
    for i, m in enumerate(msgs, start=1):
        resp, lines, octets = p.retr(i)
        assert resp.startswith(b"+OK")
        # poplib un-stuffs dots and strips CRLF.
        assert b"\r\n".join(lines) + b"\r\n" == m
    # UIDL values are unique and stable across sessions.
    _, uidl1, _ = p.uidl()
    p.quit()
    p = poplib.POP3_SSL("127.0.0.1", server.ports["pop3s"], context=tls_ctx(), timeout=20)
    p.user("alice@example.test")
    p.pass_("alice-secret")
    _, uidl2, _ = p.uidl()
    assert uidl1 == uidl2
    assert len({l.split()[1] for l in uidl1}) == 3
    # TOP 1 2: headers, blank line, two body lines.
    resp, lines, _ = p.top(1, 2)
    assert lines[:3] == [b"From: bob@example.test", b"To: alice@example.test", b"Subject: message 0"]
    assert lines[4:] == [b".leading dot line", b"..two dots"]
    p.quit()


def test_dele_rset_quit_and_imap_sees_expunge(server):
    for m in make_messages(2):
        append(server, "alice@example.test", "alice-secret", m)
    p = pop(server)
    p.user("alice@example.test")
    p.pass_("alice-secret")
    p.dele(1)
    assert p.stat()[0] == 1
    with pytest.raises(poplib.error_proto):
        p.retr(1)
    p.rset()
    assert p.stat()[0] == 2
    p.dele(1)
    p.quit()
    p = pop(server)
    p.user("alice@example.test")
    p.pass_("alice-secret")
    assert p.stat()[0] == 1
    _, lines, _ = p.retr(1)
    assert b"Subject: message 1" in lines
    p.quit()
    imap = imaplib.IMAP4("127.0.0.1", server.ports["imap"])
    imap.login("alice@example.test", "alice-secret")
    typ, data = imap.select("INBOX")
    assert data[0] == b"1"
    imap.logout()


def test_snapshot_and_in_use(server):
    append(server, "alice@example.test", "alice-secret", make_messages(1)[0])
    p = pop(server)
    p.user("alice@example.test")
    p.pass_("alice-secret")
    assert p.stat()[0] == 1
    # Delivery during the session does not change its STAT.
    append(server, "alice@example.test", "alice-secret", make_messages(2)[1])
    assert p.stat()[0] == 1
    # A second POP3 session on the same maildrop is refused with [IN-USE].
    q = pop(server)
    q.user("alice@example.test")
    with pytest.raises(poplib.error_proto) as e:
        q.pass_("alice-secret")
    assert b"[IN-USE]" in e.value.args[0]
    q.quit()
    p.quit()
    q = pop(server)
    q.user("alice@example.test")
    q.pass_("alice-secret")
    assert q.stat()[0] == 2
    q.quit()


def test_bad_input(server):
    p = pop(server)
    with pytest.raises(poplib.error_proto) as e:
        p._shortcmd("BOGUS")
    assert e.value.args[0].startswith(b"-ERR")
    with pytest.raises(poplib.error_proto):
        p._shortcmd("STAT")  # not before login
    with pytest.raises(poplib.error_proto):
        p._shortcmd("X" * 400)  # over the line limit
    p.user("alice@example.test")
    with pytest.raises(poplib.error_proto) as e:
        p.pass_("wrong")
    assert b"[AUTH]" in e.value.args[0]
    with pytest.raises(poplib.error_proto):
        p._shortcmd("APOP alice@example.test 0123456789abcdef0123456789abcdef")
    p.user("alice@example.test")
    p.pass_("alice-secret")
    with pytest.raises(poplib.error_proto):
        p.retr(1)  # no such message
    with pytest.raises(poplib.error_proto):
        p._shortcmd("RETR abc")
    p.quit()


def test_too_many_errors_closes(server):
    p = pop(server)
    closed = False
    for _ in range(30):
        try:
            p._shortcmd("BOGUS")
        except poplib.error_proto:
            continue
        except (EOFError, ConnectionError, OSError):
            closed = True
            break
    assert closed


def scram_client(user, password, send):
    """RFC 5802 client; send(bytes) -> server bytes."""
    c = ScramClient(user, password)
    server_first = send(c.first().encode()).decode()
    c.verify(send(c.final(server_first).encode()).decode())


def test_auth_plain_and_scram(server):
    p = pop(server)
    token = base64.b64encode(b"\0alice@example.test\0alice-secret").decode()
    assert p._shortcmd(f"AUTH PLAIN {token}").startswith(b"+OK")
    p.quit()

    p = pop(server)
    resp = p._shortcmd("AUTH SCRAM-SHA-256")
    assert resp.startswith(b"+")

    def send(data):
        p._putcmd(base64.b64encode(data).decode())
        line = p._getline()[0]
        assert line.startswith(b"+ "), line
        return base64.b64decode(line[2:])

    # The first continuation was empty: send client-first.
    scram_client("alice@example.test", "alice-secret", send)
    p._putcmd("")
    assert p._getline()[0].startswith(b"+OK")
    assert p.stat() == (0, 0)
    p.quit()


def test_curl_pop3_stls_and_pop3s(server):
    msg = make_messages(1)[0]
    append(server, "alice@example.test", "alice-secret", msg)
    for url, extra in ((f"pop3://127.0.0.1:{server.ports['pop3']}/1", ["--ssl-reqd"]),
                       (f"pop3s://127.0.0.1:{server.ports['pop3s']}/1", [])):
        r = subprocess.run(["curl", "-sS", "-k", *extra, "--user", "alice@example.test:alice-secret", url],
                           capture_output=True, timeout=30)
        assert r.returncode == 0, r.stderr
        assert r.stdout == msg
