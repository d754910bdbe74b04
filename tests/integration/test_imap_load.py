"""The benchmark's native IMAP load generator (bench/imap_load.cpp) against the
real binary: several sessions run the whole command mix at once, every kind of
op completes with a tagged OK, and afterwards each INBOX holds exactly what the
appends and expunges left (nothing lost, nothing doubled)."""
import imaplib
import os
import re
import smtplib
import subprocess

from conftest import BIN

LOAD = os.path.join(os.path.dirname(BIN), "bench", "imap_load")
USERS = 4
FILL = 30


def test_load_generator_mix_leaves_consistent_mailboxes(server_factory):
    srv = server_factory()
    srv.cli("domain", "add", "example.test")
    for i in range(1, USERS + 1):
        srv.cli("user", "add", f"load{i}@example.test", "--password-stdin", input="pass\n")
    srv.start()
    with smtplib.SMTP("127.0.0.1", srv.ports["smtp"], timeout=30) as s:
        for n in range(FILL):
            msg = (f"From: fill@example.org\r\nTo: load@example.test\r\n"
                   f"Subject: message {n}\r\nMessage-ID: <fill.{n}@example.org>\r\n\r\n"
                   f"body {n}\r\n")
            s.sendmail("fill@example.org",
                       [f"load{i}@example.test" for i in range(1, USERS + 1)], msg)

    r = subprocess.run([LOAD, "--port", str(srv.ports["imap"]), "--sessions", str(USERS),
                        "--users", str(USERS), "--duration", "3",
                        "--user-format", "load{}@example.test"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr + srv.log_text()[-3000:]
    ops, secs, rate = r.stdout.split()
    counts = dict(kv.split("=") for kv in
                  re.search(r"^imap: (.*)$", r.stderr, re.M).group(1).split())
    counts = {k: int(v) for k, v in counts.items()}
    assert set(counts) == {"select", "fetch_meta", "fetch_body", "store", "search", "append",
                           "expunge", "idle"}
    assert all(v > 0 for v in counts.values()), counts
    assert int(ops) == sum(counts.values())
    assert re.search(r"^imap ms/op: select=[\d.]+ ", r.stderr, re.M), r.stderr

    # Every append added one message, every expunge op removed one of them.
    total = 0
    for i in range(1, USERS + 1):
        m = imaplib.IMAP4("127.0.0.1", srv.ports["imap"])
        m.login(f"load{i}@example.test", "pass")
        typ, data = m.select("INBOX", readonly=True)
        assert typ == "OK"
        total += int(data[0])
        typ, data = m.uid("SEARCH", None, "DELETED")
        assert typ == "OK" and data[0] == b"", data  # every \Deleted was expunged
        m.logout()
    assert total == USERS * FILL + counts["append"] - counts["expunge"], (total, counts)
