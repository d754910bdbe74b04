"""IMAP with mail clients nobody here wrote: mbsync (isync) two-way syncing a
1,000-message account into a Maildir over STARTTLS + SCRAM-SHA-256, and mutt
driven by a key script in a pseudo-terminal.

Both clients are real Debian binaries; every expectation is checked again on
the server with imaplib and on disk by reading the Maildir."""
import fcntl
import hashlib
import imaplib
import os
import pty
import re
import select
import shutil
import struct
import subprocess
import termios
import threading
import time

import pytest

ALICE = ("alice@example.test", "alice-secret")

# Maildir info letters (maildir(5), in ASCII order) <-> IMAP system flags.
LETTER_OF = {"\\Draft": "D", "\\Flagged": "F", "\\Answered": "R", "\\Seen": "S", "\\Deleted": "T"}
FLAG_OF = {v: k for k, v in LETTER_OF.items()}


# --------------------------------------------------------------------------
# helpers

def run_in_pty(argv, env, timeout, cwd=None):
    """Runs argv on a pseudo-terminal (mutt and mbsync's progress counters
    want one); returns (exit code, everything it wrote). Kills it after
    timeout seconds and fails with the tail of its output."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 132, 0, 0))
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd,
                            close_fds=True, start_new_session=True)
    os.close(slave)
    out = bytearray()
    deadline = time.time() + timeout
    try:
        while True:
            left = deadline - time.time()
            if left <= 0:
                proc.kill()
                proc.wait()
                raise AssertionError(f"{argv[0]} timed out; output tail:\n"
                                     + out[-3000:].decode("utf-8", "replace"))
            ready, _, _ = select.select([master], [], [], min(left, 0.5))
            if not ready:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                chunk = b""
            if not chunk:
                break
            out += chunk
        rc = proc.wait(timeout=max(1.0, deadline - time.time()))
    finally:
        os.close(master)
    return rc, bytes(out)


def connect(server):
    m = imaplib.IMAP4("127.0.0.1", server.ports["imap"])
    m.login(*ALICE)
    return m


def message_id(raw):
    m = re.search(rb"^Message-ID:\s*(<[^>\r\n]+>)", raw, re.I | re.M)
    assert m, raw[:300]
    return m.group(1).decode()


def crlf(raw):
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def without_tuid(raw):
    """mbsync writes an X-TUID header field into the copies it stores (its own
    way to find a message again after storing it); not part of the message."""
    return re.sub(rb"(?m)^X-TUID: [^\r\n]*\r?\n", b"", raw, count=1)


def multiappend(m, box, items):
    """One MULTIAPPEND (RFC 3502) with LITERAL+ literals: items are (flags, raw)."""
    parts = []
    for flags, raw in items:
        fl = b" (" + " ".join(sorted(flags)).encode() + b")"
        parts.append(fl + b" {%d+}\r\n" % len(raw) + raw)
    tag = m._new_tag()
    m.send(tag + b" APPEND " + box.encode() + b"".join(parts) + b"\r\n")
    while True:
        line = m.readline()
        assert line, "connection closed during APPEND"
        if line.startswith(tag + b" "):
            assert line.startswith(tag + b" OK"), line
            return


def fetch_box(m, box):
    """{Message-ID: (uid, flags, raw)} of one server mailbox, read-only."""
    typ, data = m.select(box, readonly=True)
    assert typ == "OK", (box, data)
    if data[0] == b"0":
        return {}
    typ, data = m.fetch("1:*", "(UID FLAGS BODY.PEEK[])")
    assert typ == "OK", data
    out = {}
    for i, item in enumerate(data):
        if not isinstance(item, tuple):
            continue
        meta = item[0]
        if i + 1 < len(data) and isinstance(data[i + 1], bytes):
            meta += data[i + 1]
        uid = int(re.search(rb"UID (\d+)", meta).group(1))
        flags = frozenset(f.decode() for f in
                          re.search(rb"FLAGS \(([^)]*)\)", meta).group(1).split())
        raw = item[1]
        mid = message_id(raw)
        assert mid not in out, f"{box}: Message-ID {mid} twice on the server"
        out[mid] = (uid, flags - {"\\Recent"}, raw)
    return out


def server_boxes(m):
    typ, data = m.list()
    assert typ == "OK"
    names = []
    for line in data:
        attrs, name = re.match(rb'\(([^)]*)\) (?:"[^"]*"|NIL) (.*)$', line).groups()
        if b"\\Noselect" in attrs or b"\\NonExistent" in attrs:
            continue
        names.append(name.strip(b'"').decode())
    return sorted(names)


def server_state(server):
    """Everything that defines the account's state: per mailbox the STATUS
    counters (UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ) and every message."""
    m = connect(server)
    state = {}
    for box in server_boxes(m):
        typ, data = m.status(box, "(MESSAGES UIDNEXT UIDVALIDITY HIGHESTMODSEQ)")
        assert typ == "OK", data
        status = data[0].decode()
        status = status[status.index("("):]
        state[box] = (status, fetch_box(m, box))
    m.logout()
    return state


def maildir_box(path):
    """{Message-ID: (uid from ,U=, flags from the :2, info, raw, file name)}."""
    out = {}
    for sub in ("new", "cur"):
        for name in sorted(os.listdir(os.path.join(path, sub))):
            base, sep, info = name.partition(":2,")
            u = re.search(r",U=(\d+)", base)
            flags = frozenset(FLAG_OF[c] for c in info)
            with open(os.path.join(path, sub, name), "rb") as f:
                raw = f.read()
            mid = message_id(raw)
            assert mid not in out, f"{path}: Message-ID {mid} in two files"
            out[mid] = (int(u.group(1)) if u else None, flags, raw, os.path.join(sub, name))
    return out


def sync_state(path):
    """mbsync's .mbsyncstate of one Maildir folder: the far side's
    UIDVALIDITY and {far (server) UID: near (Maildir) UID}."""
    validity, pairs = None, {}
    with open(os.path.join(path, ".mbsyncstate")) as f:
        header = True
        for line in f:
            line = line.strip()
            if header:
                if not line:
                    header = False
                elif line.startswith("FarUidValidity "):
                    validity = int(line.split()[1])
                continue
            far, near = line.split()[:2]
            if int(far) > 0 and int(near) > 0:
                pairs[int(far)] = int(near)
    return validity, pairs


def maildir_boxes(root):
    """Mailbox name -> directory, for every Maildir folder under root."""
    boxes = {}
    for dirpath, dirnames, _ in os.walk(root):
        if {"cur", "new", "tmp"} <= set(dirnames):
            rel = os.path.relpath(dirpath, root)
            boxes[rel] = dirpath
    return boxes


def maildir_state(root):
    return {box: maildir_box(path) for box, path in sorted(maildir_boxes(root).items())}


def maildir_snapshot(root):
    """File names and contents of every file under root, for byte-exact compares."""
    snap = {}
    for dirpath, _, files in os.walk(root):
        for name in files:
            p = os.path.join(dirpath, name)
            with open(p, "rb") as f:
                snap[os.path.relpath(p, root)] = hashlib.sha256(f.read()).hexdigest()
    return snap


COUNTERS = re.compile(rb"C: (\d+)/(\d+)\s+B: (\d+)/(\d+)\s+"
                      rb"F: \+(\d+)/(\d+) \*(\d+)/(\d+) #(\d+)/(\d+)\s+"
                      rb"N: \+(\d+)/(\d+) \*(\d+)/(\d+) #(\d+)/(\d+)")


def mbsync(rc_path, home):
    """Runs `mbsync -a` on a terminal; returns its final progress counters as
    {"far": (added, flag updates, trashed), "near": (...)} (mbsync(1), "C: B: F: N:")."""
    env = dict(os.environ, HOME=str(home), TERM="dumb")
    rc, out = run_in_pty(["mbsync", "-c", str(rc_path), "-a"], env, timeout=300)
    text = out.decode("utf-8", "replace")
    assert rc == 0, text[-3000:]
    assert "rror" not in text, text[-3000:]
    found = COUNTERS.findall(out)
    assert found, text[-3000:]
    last = [int(x) for x in found[-1]]
    # Every counter finished: done == total.
    assert all(last[i] == last[i + 1] for i in range(0, 16, 2)), text[-3000:]
    return {"far": (last[4], last[6], last[8]), "near": (last[10], last[12], last[14])}


# --------------------------------------------------------------------------
# mbsync

BOXES = {"INBOX": 600, "Work": 250, "Lists/dev": 150}  # 1,000 messages


def mid_of(box, i):
    return f"<{box.replace('/', '.').lower()}.{i}@example.org>"


def make_message(box, i):
    mid = mid_of(box, i)
    head = (f"From: Sender {i % 17} <s{i % 17}@example.org>\r\n"
            f"To: alice@example.test\r\n"
            f"Subject: {box} message {i}\r\n"
            f"Date: Tue, 3 Mar 2026 {i % 24:02d}:{i % 60:02d}:00 +0000\r\n"
            f"Message-ID: {mid}\r\n")
    if i % 97 == 5:
        head += ('MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
                 '--b\r\nContent-Type: text/plain\r\n\r\nsee attachment\r\n'
                 '--b\r\nContent-Type: application/octet-stream\r\n'
                 'Content-Transfer-Encoding: base64\r\n\r\n'
                 + "QUJDRA==\r\n" * 50 + "--b--\r\n")
        return head.encode()
    lines = 3 + (i % 7)
    if i % 50 == 0:
        lines = 600  # some 30 KB messages
    body = "".join(f"line {n} of message {i} in {box}\r\n" for n in range(lines))
    return (head + "\r\n" + body).encode()


def initial_flags(i):
    f = set()
    if i % 3 == 0:
        f.add("\\Seen")
    if i % 8 == 0:
        f.add("\\Flagged")
    if i % 13 == 0:
        f.add("\\Answered")
    return frozenset(f)


def fill_account(server):
    """The 1,000 messages, one connection per mailbox in parallel, MULTIAPPEND
    batches of 100. Returns the expected model {box: {Message-ID: flags}}."""
    want = {}
    errors = []

    def fill(box, n):
        try:
            m = connect(server)
            if box != "INBOX":
                assert m.create(box)[0] == "OK"
            for start in range(0, n, 100):
                multiappend(m, box, [(initial_flags(i), make_message(box, i))
                                     for i in range(start, min(n, start + 100))])
            m.logout()
        except Exception as e:  # reported below, in the test's thread
            errors.append(e)

    threads = [threading.Thread(target=fill, args=(b, n)) for b, n in BOXES.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    for box, n in BOXES.items():
        want[box] = {mid_of(box, i): initial_flags(i) for i in range(n)}
    return want


def snapshot_model(want):
    return {b: dict(msgs) for b, msgs in want.items()}


def changes(before, after):
    """Messages of `before` whose flags differ in `after`, or that are gone."""
    n = 0
    for box, msgs in before.items():
        for mid, flags in msgs.items():
            if after.get(box, {}).get(mid) != flags:
                n += 1
    return n


def write_mbsyncrc(server, tmp_path, maildir):
    cert = os.path.join(server.data_dir, "tls", "cert.pem")
    rc = tmp_path / "mbsyncrc"
    # STARTTLS on the imap port; the server's self-signed certificate is
    # trusted explicitly. mbsync picks SCRAM-SHA-256 from the capabilities.
    rc.write_text(
        "IMAPAccount postino\n"
        "Host 127.0.0.1\n"
        f"Port {server.ports['imap']}\n"
        f"User {ALICE[0]}\n"
        f"Pass {ALICE[1]}\n"
        "SSLType STARTTLS\n"
        f"CertificateFile {cert}\n"
        "\n"
        "IMAPStore remote\n"
        "Account postino\n"
        "\n"
        "MaildirStore local\n"
        f"Path {maildir}/\n"
        f"Inbox {maildir}/INBOX\n"
        "SubFolders Verbatim\n"
        "\n"
        "Channel postino\n"
        "Far :remote:\n"
        "Near :local:\n"
        "Patterns *\n"
        "Create Both\n"
        "Expunge Both\n"
        "SyncState *\n"
        "Sync All\n")
    return rc


def drop_empty(want):
    return {b: msgs for b, msgs in want.items() if msgs}


def check_agree(server, maildir, want):
    """Server and Maildir both hold exactly `want` ({box: {Message-ID: flags}}),
    with the same UID for each message on both sides and the same bytes."""
    srv = server_state(server)
    loc = maildir_state(maildir)
    # The server has its special-use mailboxes (Archive, Drafts, ...), created
    # empty with the account; mbsync creates them in the Maildir too.
    assert sorted(srv) == sorted(loc), (sorted(srv), sorted(loc))
    assert drop_empty({b: {k: v[1] for k, v in msgs.items()} for b, (_, msgs) in srv.items()}) \
        == drop_empty(want)
    assert drop_empty({b: {k: v[1] for k, v in msgs.items()} for b, msgs in loc.items()}) \
        == drop_empty(want)
    for box, (status, msgs) in srv.items():
        # mbsync's sync state pairs each server UID with the Maildir's own UID
        # (the ,U= in the file name) under the server's UIDVALIDITY.
        validity, pairs = sync_state(maildir_boxes(maildir)[box])
        assert f"UIDVALIDITY {validity}" in status, (box, status, validity)
        for mid, (uid, _, raw) in msgs.items():
            luid, _, lraw, name = loc[box][mid]
            assert pairs.get(uid) == luid, (box, mid, name, uid)
            assert crlf(without_tuid(lraw)) == without_tuid(raw), (box, mid)
        # The Maildir holds one file per message, nothing else in cur/new.
        path = maildir_boxes(maildir)[box]
        files = os.listdir(os.path.join(path, "cur")) + os.listdir(os.path.join(path, "new"))
        assert len(files) == len(msgs), box
    return srv


def rename_flags(path, entry, flags):
    """Gives a Maildir message new flags the way a mail reader does: moves it
    into cur/ with a new :2, info part."""
    sub, name = os.path.split(entry)
    base = name.partition(":2,")[0]
    info = "".join(sorted(LETTER_OF[f] for f in flags))
    os.rename(os.path.join(path, sub, name), os.path.join(path, "cur", f"{base}:2,{info}"))


def new_maildir_file(path, sub, unique, raw, flags=()):
    name = f"1800000000.{unique}.testhost"
    if sub == "cur":
        name += ":2," + "".join(sorted(LETTER_OF[f] for f in flags))
    with open(os.path.join(path, "tmp", unique), "wb") as f:
        f.write(raw.replace(b"\r\n", b"\n"))
    os.rename(os.path.join(path, "tmp", unique), os.path.join(path, sub, name))


@pytest.mark.skipif(shutil.which("mbsync") is None, reason="isync not installed")
def test_mbsync_two_way_sync_1000_messages(server, tmp_path):
    maildir = tmp_path / "Mail"
    maildir.mkdir()
    want = fill_account(server)
    rc = write_mbsyncrc(server, tmp_path, maildir)

    # Run 1: everything comes down; nothing goes up.
    stats = mbsync(rc, tmp_path)
    assert stats["near"] == (1000, 0, 0), stats
    assert stats["far"] == (0, 0, 0), stats
    check_agree(server, maildir, want)
    assert sum(len(v) for v in maildir_state(maildir).values()) == 1000

    # Changes on the server side, through IMAP.
    base = snapshot_model(want)
    srv = server_state(server)
    m = connect(server)
    uid = {b: {mid: v[0] for mid, v in msgs.items()} for b, (_, msgs) in srv.items()}

    def uids(box, idx):
        return ",".join(str(uid[box][mid_of(box, i)]) for i in idx)

    m.select("INBOX")
    flag_add = [i for i in range(1, 60) if i % 8]
    assert m.uid("STORE", uids("INBOX", flag_add), "+FLAGS.SILENT", "(\\Flagged)")[0] == "OK"
    seen_drop = list(range(300, 360, 3))
    assert m.uid("STORE", uids("INBOX", seen_drop), "-FLAGS.SILENT", "(\\Seen)")[0] == "OK"
    gone = list(range(100, 120))
    assert m.uid("STORE", uids("INBOX", gone), "+FLAGS.SILENT", "(\\Deleted)")[0] == "OK"
    assert m.expunge()[0] == "OK"
    for i in flag_add:
        want["INBOX"][mid_of("INBOX", i)] |= {"\\Flagged"}
    for i in seen_drop:
        want["INBOX"][mid_of("INBOX", i)] -= {"\\Seen"}
    for i in gone:
        del want["INBOX"][mid_of("INBOX", i)]
    new_srv = [(frozenset({"\\Seen"}) if k == 0 else frozenset(), make_message("srv-new", k))
               for k in range(5)]
    multiappend(m, "INBOX", new_srv)
    for k in range(5):
        want["INBOX"][mid_of("srv-new", k)] = new_srv[k][0]
    m.select("Work")
    seen_add = list(range(0, 30))
    assert m.uid("STORE", uids("Work", seen_add), "+FLAGS.SILENT", "(\\Seen)")[0] == "OK"
    gone_work = list(range(200, 210))
    assert m.uid("STORE", uids("Work", gone_work), "+FLAGS.SILENT", "(\\Deleted)")[0] == "OK"
    assert m.uid("EXPUNGE", uids("Work", gone_work))[0] == "OK"  # RFC 4315 §2.1
    for i in seen_add:
        want["Work"][mid_of("Work", i)] |= {"\\Seen"}
    for i in gone_work:
        del want["Work"][mid_of("Work", i)]
    assert m.create("Projects")[0] == "OK"
    multiappend(m, "Projects", [(frozenset({"\\Flagged"}), make_message("Projects", k))
                                for k in range(3)])
    want["Projects"] = {mid_of("Projects", k): frozenset({"\\Flagged"}) for k in range(3)}
    m.logout()

    # Changes on the Maildir side, as a mail reader makes them.
    server_changed = snapshot_model(want)
    loc = maildir_state(maildir)
    boxes = maildir_boxes(maildir)
    inbox = boxes["INBOX"]
    for i in range(400, 430):
        mid = mid_of("INBOX", i)
        flags = loc["INBOX"][mid][1] | {"\\Flagged", "\\Seen"}
        rename_flags(inbox, loc["INBOX"][mid][3], flags)
        want["INBOX"][mid] = flags
    for i in range(450, 480, 3):
        mid = mid_of("INBOX", i)
        flags = loc["INBOX"][mid][1] - {"\\Seen"}
        rename_flags(inbox, loc["INBOX"][mid][3], flags)
        want["INBOX"][mid] = flags
    for i in range(500, 510):
        mid = mid_of("INBOX", i)
        os.remove(os.path.join(inbox, loc["INBOX"][mid][3]))
        del want["INBOX"][mid]
    local_new = [make_message("local-new", k) for k in range(2)]
    new_maildir_file(inbox, "new", "a1", local_new[0])
    new_maildir_file(inbox, "cur", "a2", local_new[1], {"\\Seen"})
    want["INBOX"][mid_of("local-new", 0)] = frozenset()
    want["INBOX"][mid_of("local-new", 1)] = frozenset({"\\Seen"})
    dev = boxes["Lists/dev"]
    for i in range(0, 5):
        mid = mid_of("Lists/dev", i)
        os.remove(os.path.join(dev, loc["Lists/dev"][mid][3]))
        del want["Lists/dev"][mid]
    for i in range(10, 20):
        mid = mid_of("Lists/dev", i)
        flags = loc["Lists/dev"][mid][1] | {"\\Answered"}
        rename_flags(dev, loc["Lists/dev"][mid][3], flags)
        want["Lists/dev"][mid] = flags
    local_box = maildir / "Local"
    for sub in ("cur", "new", "tmp"):
        (local_box / sub).mkdir(parents=True)
    new_maildir_file(str(local_box), "cur", "l1", make_message("Local", 0), {"\\Flagged"})
    want["Local"] = {mid_of("Local", 0): frozenset({"\\Flagged"})}

    # Run 2: each side gets the other's changes.
    stats = mbsync(rc, tmp_path)
    # mbsync 1.4 counts a deletion it propagates as a flag update (it sets
    # \Deleted on the other side, then expunges).
    assert stats["far"] == (3, changes(server_changed, want), 0), stats   # 2 INBOX + 1 Local
    assert stats["near"] == (5 + 3, changes(base, server_changed), 0), stats  # INBOX, Projects
    srv2 = check_agree(server, maildir, want)
    assert sum(len(msgs) for _, msgs in srv2.values()) == 1000 - 20 - 10 - 10 - 5 + 5 + 3 + 3
    # The uploaded messages are byte-exact on the server (line ends aside).
    for k in range(2):
        assert without_tuid(srv2["INBOX"][1][mid_of("local-new", k)][2]) == local_new[k]

    # Run 3: nothing to do, and nothing changes on either side.
    before_srv = server_state(server)
    before_loc = maildir_snapshot(maildir)
    stats = mbsync(rc, tmp_path)
    assert stats == {"far": (0, 0, 0), "near": (0, 0, 0)}, stats
    after_srv = server_state(server)
    assert after_srv == before_srv  # same UIDs, flags, bytes, UIDNEXT and HIGHESTMODSEQ
    assert maildir_snapshot(maildir) == before_loc


# --------------------------------------------------------------------------
# mutt

def write_muttrc(server, tmp_path, keys, extra=""):
    """A muttrc for alice's account over STARTTLS, with the server's
    self-signed certificate trusted, no prompts left to answer, and `keys`
    pushed into mutt's input as if typed."""
    cert = os.path.join(server.data_dir, "tls", "cert.pem")
    trusted = tmp_path / "mutt-certs"
    shutil.copy(cert, trusted)
    port = server.ports["imap"]
    rc = tmp_path / "muttrc"
    rc.write_text(
        f'set folder="imap://127.0.0.1:{port}/"\n'
        'set spoolfile="+INBOX"\n'
        f'set imap_user="{ALICE[0]}"\n'
        f'set imap_pass="{ALICE[1]}"\n'
        "set ssl_starttls=yes\n"
        "set ssl_force_tls=yes\n"
        f'set certificate_file="{trusted}"\n'
        'set header_cache=""\n'
        'set message_cachedir=""\n'
        'set record=""\n'
        "set sort=mailbox-order\n"
        "set delete=yes\n"
        "set quit=yes\n"
        "set move=no\n"
        "set confirmcreate=no\n"
        "set confirmappend=no\n"
        "set mark_old=no\n"
        "set beep=no\n"
        "set wait_key=no\n"
        "set sleep_time=0\n"
        "set imap_idle=no\n"
        "set imap_passive=yes\n"
        "set timeout=10\n"
        + extra
        + (f'push "{keys}"\n' if keys else ""))
    return rc


def mutt(rc_path, home, *args):
    env = dict(os.environ, HOME=str(home), TERM="vt100", LANG="C.UTF-8", LC_ALL="C.UTF-8")
    env.pop("MAIL", None)
    rc, out = run_in_pty(["mutt", "-n", "-F", str(rc_path), *args], env, timeout=90)
    assert rc == 0, out[-3000:].decode("utf-8", "replace")
    return out


def mutt_message(k):
    return (f"From: Friend {k} <friend{k}@example.org>\r\n"
            f"To: alice@example.test\r\n"
            f"Subject: mutt test {k}\r\n"
            f"Date: Wed, 4 Mar 2026 1{k}:00:00 +0000\r\n"
            f"Message-ID: <mutt.{k}@example.org>\r\n"
            f"\r\n"
            f"body of message {k}\r\n").encode()


@pytest.mark.skipif(shutil.which("mutt") is None, reason="mutt not installed")
def test_mutt_deletes_saves_flags_and_reads(server, tmp_path):
    m = connect(server)
    multiappend(m, "INBOX", [(frozenset(), mutt_message(k)) for k in range(1, 7)])
    m.logout()
    # Index in mailbox order, messages 1-6. Delete 2; tag 3 and 4 and delete
    # the tagged ones; sync ($): 2, 3 and 4 are expunged, leaving 1, 5, 6 as
    # 1, 2, 3. Save 5 to "Saved", which does not exist yet (mutt creates it
    # after COPY answers TRYCREATE) and marks 5 deleted; flag 1; open 6 in the
    # pager (it becomes \Seen) and go back; quit, which expunges 5.
    keys = ("2<enter>d"
            "3<enter>t4<enter>t;d"
            "$"
            "2<enter>s=Saved<enter>"
            "1<enter>F"
            "3<enter><display-message>i"
            "q")
    rc = write_muttrc(server, tmp_path, keys)
    mutt(rc, tmp_path)

    m = connect(server)
    inbox = fetch_box(m, "INBOX")
    saved = fetch_box(m, "Saved")
    m.logout()
    assert sorted(inbox) == ["<mutt.1@example.org>", "<mutt.6@example.org>"], sorted(inbox)
    assert inbox["<mutt.1@example.org>"][1] == {"\\Flagged"}
    assert inbox["<mutt.6@example.org>"][1] == {"\\Seen"}
    assert list(saved) == ["<mutt.5@example.org>"]
    assert saved["<mutt.5@example.org>"][2] == mutt_message(5)
    # UIDs are never reused: 1 and 6 keep theirs.
    assert inbox["<mutt.1@example.org>"][0] == 1 and inbox["<mutt.6@example.org>"][0] == 6


@pytest.mark.skipif(shutil.which("mutt") is None, reason="mutt not installed")
def test_mutt_sends_through_submission_and_files_a_copy(server, tmp_path):
    # Batch mode (no terminal): mutt submits with STARTTLS + AUTH on the
    # submission port and APPENDs its copy to the IMAP Sent folder.
    port = server.ports["submission"]
    extra = (f'set smtp_url="smtp://alice%40example.test@127.0.0.1:{port}/"\n'
             f'set smtp_pass="{ALICE[1]}"\n'
             'set from="Alice <alice@example.test>"\n'
             'set record="=Sent"\n'
             "set copy=yes\n")
    rc = write_muttrc(server, tmp_path, "", extra)
    env = dict(os.environ, HOME=str(tmp_path), LANG="C.UTF-8", LC_ALL="C.UTF-8")
    r = subprocess.run(["mutt", "-n", "-F", str(rc), "-s", "from mutt", "bob@example.test"],
                       input=b"sent by mutt\n", capture_output=True, env=env, timeout=90)
    assert r.returncode == 0, r.stdout + r.stderr

    bob = imaplib.IMAP4("127.0.0.1", server.ports["imap"])
    bob.login("bob@example.test", "bob-secret")
    deadline = time.time() + 20
    got = {}
    while time.time() < deadline and not got:
        got = fetch_box(bob, "INBOX")
        if not got:
            time.sleep(0.2)
    bob.logout()
    assert len(got) == 1, got
    (uid, flags, raw), = got.values()
    assert b"Subject: from mutt" in raw and b"sent by mutt" in raw
    assert re.search(rb"^From: Alice <alice@example.test>", raw, re.M)

    m = connect(server)
    sent = fetch_box(m, "Sent")
    m.logout()
    assert list(sent) == list(got), (sent, got)  # same Message-ID
    (suid, sflags, sraw), = sent.values()
    assert sflags == {"\\Seen"}
    assert b"sent by mutt" in sraw


@pytest.mark.skipif(shutil.which("mutt") is None, reason="mutt not installed")
def test_mutt_header_cache_resyncs_with_qresync(server, tmp_path):
    # mutt keeps headers, UIDVALIDITY and HIGHESTMODSEQ in a header cache and,
    # with QRESYNC enabled, asks on reopening only for what changed: the server
    # reports VANISHED (EARLIER) UIDs and FETCHes with the new flags. If that
    # report were wrong, mutt's index would be wrong and the copies below would
    # pick the wrong messages.
    m = connect(server)
    multiappend(m, "INBOX", [(frozenset(), mutt_message(k)) for k in range(1, 6)])
    m.logout()
    cache = tmp_path / "hcache"
    cache.mkdir()
    extra = (f'set header_cache="{cache}/"\n'
             "set imap_condstore=yes\n"
             "set imap_qresync=yes\n")
    mutt(write_muttrc(server, tmp_path, "q", extra), tmp_path)
    assert os.listdir(cache), "mutt wrote no header cache"

    # Meanwhile, on the server: 2 is expunged, 4 flagged, 6 arrives.
    m = connect(server)
    m.select("INBOX")
    m.uid("STORE", "2", "+FLAGS.SILENT", "(\\Deleted)")
    m.expunge()
    m.uid("STORE", "4", "+FLAGS.SILENT", "(\\Flagged)")
    multiappend(m, "INBOX", [(frozenset(), mutt_message(6))])
    m.logout()

    # mutt's index is now 1, 3, 4, 5, 6: copy the 2nd, the flagged ones and the 5th.
    keys = ("2<enter>C=Second<enter>"
            "T~F<enter>;C=Flagged<enter>"
            "5<enter>C=Fifth<enter>"
            "q")
    mutt(write_muttrc(server, tmp_path, keys, extra), tmp_path, "-d", "2")
    debug = b"".join(open(p, "rb").read() for p in tmp_path.glob(".muttdebug*"))
    # mutt 2.2 resynchronises with UID FETCH ... (CHANGEDSINCE m VANISHED)
    # (RFC 7162 §3.2.6) and believes what comes back.
    assert re.search(rb"> a\d+ UID FETCH 1:\d+ \(FLAGS\) \(CHANGEDSINCE \d+ VANISHED\)", debug), \
        "mutt did not resynchronise from its header cache"
    assert b"< * VANISHED (EARLIER) 2\n" in debug

    m = connect(server)
    assert list(fetch_box(m, "Second")) == ["<mutt.3@example.org>"]
    assert list(fetch_box(m, "Flagged")) == ["<mutt.4@example.org>"]
    assert list(fetch_box(m, "Fifth")) == ["<mutt.6@example.org>"]
    assert sorted(fetch_box(m, "INBOX")) == [f"<mutt.{k}@example.org>" for k in (1, 3, 4, 5, 6)]
    m.logout()
