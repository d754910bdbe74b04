"""IMAP load generator: SESSIONS persistent sessions, each a process logged in as its own
user (testuser1..N, round robin over --users), run a weighted mix of commands for
DURATION seconds on their INBOX; prints "ops seconds ops/s" and the per-command counts.

  imap_load.py --port P --sessions 10 --users 10 --duration 20 [--seed 1]

The mix (weights, out of 100): SELECT 5, FETCH 35 (20 UID FETCH of 10 messages'
FLAGS/ENVELOPE/RFC822.SIZE, 15 BODY.PEEK[] of one message), STORE 20 (+/-\\Seen on one
message), SEARCH 15 (UNSEEN / SUBJECT), APPEND 10 (a 2 KB message), EXPUNGE 10 (flag one
message this session appended \\Deleted, then EXPUNGE: one op), IDLE 5 (enter, leave).
Every command counts as one op when its tagged OK arrives. The mailbox stays about the
same size: sessions expunge what they appended. Same client, same seed, every server.
"""
import argparse
import multiprocessing
import random
import re
import sys
import threading
import time

from imapc import Imap

MIX = [("select", 5), ("fetch_meta", 20), ("fetch_body", 15), ("store", 20), ("search", 15),
       ("append", 10), ("expunge", 10), ("idle", 5)]
APPENDUID = re.compile(rb"\[APPENDUID \d+ (\d+)\]")
SEARCH = re.compile(rb"^\* SEARCH ?(.*)$")


def small_message(i):
    body = ("appended by the load generator " * 3 + "\r\n") * 20
    return (f"From: load@example.org\r\nTo: testuser@example.test\r\n"
            f"Subject: load {i}\r\nMessage-ID: <load.{i}@example.org>\r\n\r\n{body}").encode()


class Session:
    def __init__(self, port, user, password, seed):
        self.rnd = random.Random(seed)
        self.c = Imap(port)
        self.c.login(user, password)
        self.uids = []
        self.mine = []
        self.appended = 0
        self.select()

    def select(self):
        self.c.command("SELECT INBOX")
        untagged, _ = self.c.command("UID SEARCH ALL")
        self.uids = [int(x) for line in untagged if (m := SEARCH.match(line)) for x in m.group(1).split()]
        self.mine = [u for u in self.mine if u in set(self.uids)]

    def pick(self):
        return self.rnd.choice(self.uids) if self.uids else None

    def op(self, name):
        c = self.c
        if name == "select":
            self.select()
        elif name == "fetch_meta":
            if not self.uids:
                return False
            k = self.rnd.randrange(len(self.uids))
            lo, hi = self.uids[k], self.uids[min(k + 9, len(self.uids) - 1)]
            c.command(f"UID FETCH {lo}:{hi} (FLAGS ENVELOPE RFC822.SIZE)")
        elif name == "fetch_body":
            u = self.pick()
            if u is None:
                return False
            c.command(f"UID FETCH {u} (BODY.PEEK[])")
        elif name == "store":
            u = self.pick()
            if u is None:
                return False
            sign = self.rnd.choice("+-")
            c.command(f"UID STORE {u} {sign}FLAGS.SILENT (\\Seen)")
        elif name == "search":
            if self.rnd.random() < 0.5:
                c.command("UID SEARCH UNSEEN")
            else:
                c.command(f'UID SEARCH SUBJECT "message {self.rnd.randrange(100)}"')
        elif name == "append":
            self.appended += 1
            _, tagged = c.command("APPEND INBOX (\\Seen)", small_message(self.appended))
            m = APPENDUID.search(tagged)
            if m:
                self.mine.append(int(m.group(1)))
                self.uids.append(int(m.group(1)))
        elif name == "expunge":
            if not self.mine:
                return False
            u = self.mine.pop(0)
            c.command(f"UID STORE {u} +FLAGS.SILENT (\\Deleted)")
            c.command("EXPUNGE")
            self.uids = [x for x in self.uids if x != u]
        elif name == "idle":
            c.idle_done(c.idle_start())
        return True


def worker(args):
    port, user, password, seed, duration, barrier = args
    try:
        s = Session(port, user, password, seed)
    except Exception:
        barrier.abort()  # the main process must not wait for a session that died
        raise
    names = [n for n, _ in MIX]
    weights = [w for _, w in MIX]
    counts = dict.fromkeys(names, 0)
    barrier.wait()
    end = time.monotonic() + duration
    while time.monotonic() < end:
        name = s.rnd.choices(names, weights)[0]
        if s.op(name):
            counts[name] += 1
    s.c.command("LOGOUT")
    return counts


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--sessions", type=int, default=10)
    ap.add_argument("--users", type=int, default=10)
    ap.add_argument("--user-format", default="testuser{}@example.test")
    ap.add_argument("--password", default="pass")
    ap.add_argument("--duration", type=float, default=20)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    mgr = multiprocessing.Manager()
    barrier = mgr.Barrier(a.sessions + 1)
    jobs = [(a.port, a.user_format.format(k % a.users + 1), a.password, a.seed * 1000 + k,
             a.duration, barrier) for k in range(a.sessions)]
    with multiprocessing.Pool(a.sessions) as pool:
        res = pool.map_async(worker, jobs)
        try:
            barrier.wait(timeout=300)
        except threading.BrokenBarrierError:
            res.get()  # raises the client's error
            raise
        t0 = time.monotonic()
        results = res.get()
        secs = time.monotonic() - t0
    total = {}
    for r in results:
        for k, v in r.items():
            total[k] = total.get(k, 0) + v
    ops = sum(total.values())
    print(f"{ops} {secs:.2f} {ops / secs:.1f}")
    print("imap: " + " ".join(f"{k}={v}" for k, v in total.items()), file=sys.stderr)


if __name__ == "__main__":
    main()
