"""POP3 with mail clients nobody here wrote: fetchmail and getmail6."""
import glob
import imaplib
import os
import shutil
import stat
import subprocess

import pytest

from test_pop3 import append, make_messages

SAVE = r'''
import os, sys, time
out = sys.argv[1]
data = sys.stdin.buffer.read()
name = os.path.join(out, "%d.%d" % (time.time_ns(), os.getpid()))
with open(name, "wb") as f:
    f.write(data)
'''


def strip_client_headers(raw, names):
    """Drops header fields a client prepends (Received, Delivered-To…), folded lines too."""
    lines = raw.split(b"\n")
    out, skipping, in_header = [], False, True
    for line in lines:
        if in_header:
            if line in (b"", b"\r"):
                in_header = False
            elif line[:1] in (b" ", b"\t"):
                if skipping:
                    continue
            else:
                skipping = line.split(b":", 1)[0].strip().lower() in names
                if skipping:
                    continue
        out.append(line)
    return b"\n".join(out)


def fetchmail(server, tmp_path, keep):
    out = tmp_path / "fetched"
    out.mkdir(exist_ok=True)
    save = tmp_path / "save.py"
    save.write_text(SAVE)
    rc = tmp_path / "fetchmailrc"
    rc.write_text(
        "set no bouncemail\n"
        f"poll 127.0.0.1 service {server.ports['pop3s']} protocol POP3 uidl\n"
        '  user "alice@example.test" there with password "alice-secret" is "root" here\n'
        f"  ssl no sslcertck no rewrite {'keep' if keep else 'nokeep'}\n"
        f'  mda "/usr/bin/python3 {save} {out}"\n')
    os.chmod(rc, stat.S_IRUSR | stat.S_IWUSR)
    env = dict(os.environ, HOME=str(tmp_path), FETCHMAILHOME=str(tmp_path))
    r = subprocess.run(["fetchmail", "-f", str(rc), "-i", str(tmp_path / "fetchids"), "--nodetach",
                        "--nosyslog"], capture_output=True, text=True, timeout=120, env=env)
    # 0 = mail fetched, 1 = no mail.
    assert r.returncode in (0, 1), r.stdout + r.stderr
    return sorted(glob.glob(str(out / "*")))


@pytest.mark.skipif(shutil.which("fetchmail") is None, reason="fetchmail not installed")
def test_fetchmail_keep_twice_then_delete(server, tmp_path):
    msgs = make_messages(3)
    for m in msgs:
        append(server, "alice@example.test", "alice-secret", m)
    files = fetchmail(server, tmp_path, keep=True)
    assert len(files) == 3
    got = sorted(strip_client_headers(open(f, "rb").read(), {b"received"}) for f in files)
    want = sorted(m.replace(b"\r\n", b"\n") for m in msgs)
    assert got == want
    # With --keep, a second run fetches nothing new (UIDL).
    files2 = fetchmail(server, tmp_path, keep=True)
    assert len(files2) == 3
    # One new message: only it is fetched.
    append(server, "alice@example.test", "alice-secret", make_messages(4)[3])
    files3 = fetchmail(server, tmp_path, keep=True)
    assert len(files3) == 4
    # Without --keep, everything is fetched and deleted; IMAP then shows an empty INBOX.
    shutil.rmtree(tmp_path / "fetched")
    os.remove(tmp_path / "fetchids")
    files4 = fetchmail(server, tmp_path, keep=False)
    assert len(files4) == 4
    imap = imaplib.IMAP4("127.0.0.1", server.ports["imap"])
    imap.login("alice@example.test", "alice-secret")
    typ, data = imap.select("INBOX")
    assert typ == "OK" and data[0] == b"0"
    imap.logout()


@pytest.mark.skipif(shutil.which("getmail") is None, reason="getmail6 not installed")
def test_getmail_downloads_byte_exact(server, tmp_path):
    msgs = make_messages(3)
    for m in msgs:
        append(server, "alice@example.test", "alice-secret", m)
    out = tmp_path / "fetched"
    out.mkdir()
    save = tmp_path / "save.py"
    save.write_text(SAVE)
    rc = tmp_path / "getmailrc"
    rc.write_text(
        "[retriever]\n"
        "type = SimplePOP3Retriever\n"
        "server = 127.0.0.1\n"
        f"port = {server.ports['pop3']}\n"
        "username = alice@example.test\n"
        "password = alice-secret\n"
        "[destination]\n"
        "type = MDA_external\n"
        "path = /usr/bin/python3\n"
        f"arguments = ('{save}', '{out}')\n"
        "allow_root_commands = true\n"
        "[options]\n"
        "delete = false\n"
        "read_all = false\n"
        "delivered_to = false\n"
        "received = false\n")
    gdir = tmp_path / "getmail"
    gdir.mkdir()
    for _ in range(2):  # the second run finds nothing new
        r = subprocess.run(["getmail", f"--rcfile={rc}", f"--getmaildir={gdir}"],
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stdout + r.stderr
    files = sorted(glob.glob(str(out / "*")))
    assert len(files) == 3
    got = sorted(strip_client_headers(open(f, "rb").read(), {b"return-path"}) for f in files)
    want = sorted(m.replace(b"\r\n", b"\n") for m in msgs)
    assert got == want
