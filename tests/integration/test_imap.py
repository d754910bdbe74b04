"""IMAP against the real postino binary with clients nobody here wrote:
Python's imaplib and curl (imap:// and imaps://)."""
import imaplib
import ssl
import subprocess
import time



ALICE = ("alice@example.test", "alice-secret")
BOB = ("bob@example.test", "bob-secret")

SIMPLE = (b"From: Ann <ann@example.org>\r\nTo: alice@example.test\r\n"
          b"Subject: hello\r\nMessage-ID: <s1@example.org>\r\n\r\nplain body\r\n")

TRICKY = (
    b"From: =?UTF-8?Q?J=C3=B6rg?= <jorg@example.org>\r\n"
    b"To: \"Alice, A.\" <alice@example.test>, group: a@x.org, b@x.org;\r\n"
    b"Subject: tricky\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: multipart/mixed; boundary=\"outer\"\r\n"
    b"\r\n"
    b"--outer\r\n"
    b"Content-Type: multipart/alternative; boundary=inner\r\n"
    b"\r\n"
    b"--inner\r\n"
    b"Content-Type: text/plain; charset=iso-8859-1\r\n"
    b"Content-Transfer-Encoding: quoted-printable\r\n"
    b"\r\n"
    b"caf=E9\r\n"
    b"--inner\r\n"
    b"Content-Type: text/html\r\n"
    b"\r\n"
    b"<p>cafe</p>\r\n"
    b"--inner--\r\n"
    b"--outer\r\n"
    b"Content-Type: message/rfc822\r\n"
    b"\r\n"
    b"Subject: inner message\r\n"
    b"\r\n"
    b"inner body\r\n"
    b"--outer\r\n"
    b"Content-Type: application/octet-stream; name=\"a.bin\"\r\n"
    b"Content-Disposition: attachment; filename=\"a.bin\"\r\n"
    b"Content-Transfer-Encoding: base64\r\n"
    b"\r\n"
    b"AAECAw==\r\n"
    b"--outer--\r\n")


def connect(server, user=ALICE):
    m = imaplib.IMAP4("127.0.0.1", server.ports["imap"])
    m.login(*user)
    return m


def test_login_append_select_fetch_store_search_expunge(server):
    m = connect(server)
    typ, data = m.append("INBOX", r"(\Flagged)", None, SIMPLE)
    assert typ == "OK" and b"APPENDUID" in data[0]
    m.append("INBOX", None, None, b"Subject: two\r\n\r\nsecond\r\n")
    typ, data = m.select("INBOX")
    assert typ == "OK" and data == [b"2"]
    typ, data = m.fetch("1", "(UID FLAGS RFC822.SIZE BODY.PEEK[])")
    assert typ == "OK"
    assert data[0][1] == SIMPLE
    assert b"\\Flagged" in data[0][0] and b"RFC822.SIZE %d" % len(SIMPLE) in data[0][0]
    typ, data = m.fetch("1", "(FLAGS)")
    assert b"\\Seen" not in data[0]
    m.fetch("1", "(BODY[TEXT])")
    typ, data = m.fetch("1", "(FLAGS)")
    assert b"\\Seen" in data[0]
    typ, data = m.store("2", "+FLAGS", r"(\Deleted)")
    assert typ == "OK" and b"\\Deleted" in data[0]
    assert m.search(None, "DELETED") == ("OK", [b"2"])
    assert m.search(None, "SUBJECT", "hello") == ("OK", [b"1"])
    assert m.uid("SEARCH", "BODY", "second") == ("OK", [b"2"])
    typ, data = m.expunge()
    assert typ == "OK" and data == [b"2"]
    assert m.search(None, "ALL") == ("OK", [b"1"])
    m.logout()


def test_two_sessions_see_each_other(server):
    a = connect(server)
    b = connect(server)
    a.append("INBOX", None, None, SIMPLE)
    a.select("INBOX")
    b.select("INBOX")
    b.append("INBOX", None, None, SIMPLE)
    a.noop()
    assert a.untagged_responses.get("EXISTS", [None])[-1] == b"2"
    b.store("1", "+FLAGS", r"(\Answered)")
    typ, data = a.noop()
    fetches = a.untagged_responses.pop("FETCH", [])
    assert any(b"\\Answered" in f for f in fetches), fetches
    b.store("1", "+FLAGS", r"(\Deleted)")
    b.expunge()
    a.noop()
    assert a.untagged_responses.pop("EXPUNGE", []) == [b"1"]
    assert a.search(None, "ALL") == ("OK", [b"1"])
    a.logout()
    b.logout()


def test_idle_sees_append(server):
    a = connect(server)
    a.select("INBOX")
    tag = a._new_tag().decode()
    a.send(f"{tag} IDLE\r\n".encode())
    assert a.readline().startswith(b"+")
    start = time.time()
    b = connect(server)
    b.append("INBOX", None, None, SIMPLE)
    line = a.readline()
    assert line == b"* 1 EXISTS\r\n"
    assert time.time() - start < 2.0
    a.send(b"DONE\r\n")
    assert a.readline().startswith(tag.encode() + b" OK")
    a.logout()
    b.logout()


def test_idle_sees_smtp_delivery(server):
    import smtplib
    a = connect(server)
    a.select("INBOX")
    tag = a._new_tag().decode()
    a.send(f"{tag} IDLE\r\n".encode())
    assert a.readline().startswith(b"+")
    with smtplib.SMTP("127.0.0.1", server.ports["smtp"]) as s:
        s.sendmail("x@example.org", ["alice@example.test"], SIMPLE)
    a.sock.settimeout(5)
    assert a.readline() == b"* 1 EXISTS\r\n"
    a.send(b"DONE\r\n")
    assert a.readline().startswith(tag.encode() + b" OK")


def test_qresync_vanished_earlier(server):
    a = connect(server)
    for _ in range(5):
        a.append("INBOX", None, None, SIMPLE)
    a._simple_command("ENABLE", "QRESYNC")
    typ, _ = a.select("INBOX")
    uidvalidity = a.untagged_responses["UIDVALIDITY"][-1].decode()
    modseq = a.untagged_responses["HIGHESTMODSEQ"][-1].decode()
    a.logout()

    b = connect(server)
    b.select("INBOX")
    b.uid("STORE", "2,4", "+FLAGS", r"(\Deleted)")
    b.expunge()
    b.uid("STORE", "5", "+FLAGS", r"(\Flagged)")
    b.logout()

    c = connect(server)
    c._simple_command("ENABLE", "QRESYNC")
    typ, data = c._simple_command("SELECT", f"INBOX (QRESYNC ({uidvalidity} {modseq} 1:5))")
    assert typ == "OK"
    vanished = c.untagged_responses.get("VANISHED", [])
    assert vanished == [b"(EARLIER) 2,4"], vanished
    fetches = c.untagged_responses.get("FETCH", [])
    assert len(fetches) == 1 and b"UID 5" in fetches[0] and b"\\Flagged" in fetches[0], fetches
    c.logout()


def test_bodystructure_and_sections_part_by_part(server):
    m = connect(server)
    m.append("INBOX", None, None, TRICKY)
    m.select("INBOX")
    typ, data = m.fetch("1", "(BODYSTRUCTURE)")
    bs = data[0].decode()
    assert bs.startswith('1 (BODYSTRUCTURE ((("text" "plain" ("charset" "iso-8859-1")'), bs
    assert '"quoted-printable"' in bs
    assert '("text" "html"' in bs
    assert '"alternative"' in bs and '"mixed"' in bs
    assert '"message" "rfc822"' in bs
    assert '"application" "octet-stream" ("name" "a.bin")' in bs
    assert '("attachment" ("filename" "a.bin"))' in bs

    def part(sec):
        typ, data = m.fetch("1", f"(BODY.PEEK[{sec}])")
        assert typ == "OK", data
        return data[0][1]

    assert part("1.1") == b"caf=E9"
    assert part("1.2") == b"<p>cafe</p>"
    assert part("1.1.MIME").startswith(b"Content-Type: text/plain")
    assert part("2.HEADER") == b"Subject: inner message\r\n\r\n"
    assert part("2.TEXT") == b"inner body"
    assert part("3") == b"AAECAw=="
    assert part("HEADER.FIELDS (SUBJECT)") == b"Subject: tricky\r\n\r\n"
    typ, data = m.fetch("1", "(BINARY.PEEK[3] BINARY.SIZE[3])")
    assert data[0][1] == b"\x00\x01\x02\x03"
    assert b"BINARY.SIZE[3] 4" in data[1]
    typ, data = m.fetch("1", "(BODY.PEEK[1.1]<2.3>)")
    assert data[0][1] == b"f=E"
    typ, data = m.fetch("1", "(ENVELOPE)")
    env = data[0]
    assert b'"tricky"' in env and b'"example.org"' in env and b"group" in env
    m.logout()


def test_copy_move_and_list(server):
    m = connect(server)
    m.append("INBOX", None, None, SIMPLE)
    typ, data = m.list()
    names = [d.decode() for d in data]
    assert any(n.endswith('"/" INBOX') for n in names)
    assert any("\\Sent" in n for n in names)
    assert m.create("Work/Sub")[0] == "OK"
    m.select("INBOX")
    typ, data = m.copy("1", "Work/Sub")
    assert typ == "OK" and b"COPYUID" in data[0]
    typ, data = m._simple_command("MOVE", "1", "Archive")
    assert typ == "OK"
    assert m.status("Archive", "(MESSAGES)")[1][0].endswith(b"(MESSAGES 1)")
    assert m.status("Work/Sub", "(MESSAGES)")[1][0].endswith(b"(MESSAGES 1)")
    assert m.rename("Work", "Play")[0] == "OK"
    # A quoted pattern: the proto parser does not take a bare list-wildcard atom yet.
    typ, data = m.list('""', '"Play/*"')
    assert data == [b'(\\HasNoChildren) "/" Play/Sub']
    m.logout()


def test_curl_imap_and_imaps(server):
    m = connect(server)
    m.append("INBOX", None, None, SIMPLE)
    m.logout()
    out = subprocess.run(
        ["curl", "-sS", "--user", "alice@example.test:alice-secret",
         f"imap://127.0.0.1:{server.ports['imap']}/INBOX;UID=1"],
        capture_output=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert out.stdout.replace(b"\r\n", b"\n") == SIMPLE.replace(b"\r\n", b"\n")
    out = subprocess.run(
        ["curl", "-sS", "-k", "--user", "alice@example.test:alice-secret",
         f"imaps://127.0.0.1:{server.ports['imaps']}/INBOX;UID=1"],
        capture_output=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert b"plain body" in out.stdout
    out = subprocess.run(
        ["curl", "-sS", "--user", "alice@example.test:alice-secret",
         f"imap://127.0.0.1:{server.ports['imap']}/"],
        capture_output=True, timeout=30)
    assert out.returncode == 0 and b"INBOX" in out.stdout


def test_starttls_and_imaps(server):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    m = imaplib.IMAP4("127.0.0.1", server.ports["imap"])
    m.starttls(ssl_context=ctx)
    m.login(*ALICE)
    m.logout()
    s = imaplib.IMAP4_SSL("127.0.0.1", server.ports["imaps"], ssl_context=ctx)
    assert "LOGINDISABLED" not in s.capabilities
    s.login(*BOB)
    assert s.select("INBOX")[0] == "OK"
    s.logout()
