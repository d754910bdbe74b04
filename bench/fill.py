"""Fills mailboxes with the same generated messages on any server that speaks SMTP or LMTP.

  fill.py --host 127.0.0.1 --port P [--lmtp] --count N --size BYTES --rcpt A [--rcpt B ...]

Message i is the same bytes whichever server receives it (seeded by i): RFC 5322 headers,
a text body of about BYTES bytes in 76-column lines, some of them starting with "." so
dot-stuffing is exercised. Each message is one transaction to every --rcpt, so servers
that store a message once for many recipients may do so. PARALLEL connections (default 4).
"""
import argparse
import multiprocessing
import random
import re
import smtplib
import sys

WORDS = ("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike "
         "november oscar papa quebec romeo sierra tango uniform victor whiskey xray").split()


def make_message(i, size):
    rnd = random.Random(i)
    head = (f"From: Sender {i % 7} <sender{i % 7}@example.org>\r\n"
            f"To: <testuser@example.test>\r\n"
            f"Subject: bench message {i} {rnd.choice(WORDS)}\r\n"
            f"Date: Thu, 26 Nov 2026 12:{i // 60 % 60:02d}:{i % 60:02d} +0000\r\n"
            f"Message-ID: <bench.{i}@example.org>\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=us-ascii\r\n\r\n")
    lines = []
    total = len(head)
    while total < size:
        words = []
        n = 0
        while n < 70:
            w = rnd.choice(WORDS)
            words.append(w)
            n += len(w) + 1
        line = " ".join(words)
        if rnd.random() < 0.03:
            line = "." + line
        lines.append(line)
        total += len(line) + 2
    return (head + "\r\n".join(lines) + "\r\n").encode()


def lmtp_send(client, sender, rcpts, msg):
    """One LMTP transaction: after DATA, LMTP answers once per recipient (RFC 2033 §4.2),
    which smtplib.sendmail does not read."""
    client.mail(sender)
    for r in rcpts:
        code, resp = client.rcpt(r)
        if code != 250:
            raise RuntimeError(f"RCPT {r}: {code} {resp!r}")
    code, resp = client.docmd("DATA")
    if code != 354:
        raise RuntimeError(f"DATA: {code} {resp!r}")
    stuffed = re.sub(rb"(?m)^\.", b"..", msg)
    client.send(stuffed + b".\r\n")
    for r in rcpts:
        code, resp = client.getreply()
        if code != 250:
            raise RuntimeError(f"delivery to {r}: {code} {resp!r}")


def worker(args_tuple):
    host, port, lmtp, rcpts, size, indices = args_tuple
    client = smtplib.LMTP(host, port) if lmtp else smtplib.SMTP(host, port)
    client.ehlo("fill.example.org")  # LHLO for LMTP
    for i in indices:
        sender, msg = f"sender{i % 7}@example.org", make_message(i, size)
        if lmtp:
            lmtp_send(client, sender, rcpts, msg)
            continue
        refused = client.sendmail(sender, rcpts, msg)
        if refused:
            raise RuntimeError(f"refused: {refused}")
    client.quit()
    return len(indices)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--lmtp", action="store_true")
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--size", type=int, default=30000)
    ap.add_argument("--rcpt", action="append", required=True)
    ap.add_argument("--parallel", type=int, default=4)
    a = ap.parse_args()
    chunks = [list(range(k, a.count, a.parallel)) for k in range(a.parallel)]
    jobs = [(a.host, a.port, a.lmtp, a.rcpt, a.size, c) for c in chunks if c]
    with multiprocessing.Pool(len(jobs)) as pool:
        done = sum(pool.map(worker, jobs))
    print(f"fill: {done} messages to {len(a.rcpt)} recipient(s) on port {a.port}", file=sys.stderr)


if __name__ == "__main__":
    main()
