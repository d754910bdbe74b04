"""POP3 RETR throughput: CLIENTS parallel processes, client k logs in as user k and RETRs
every message of its maildrop, one command at a time, then QUITs (nothing is deleted).

  pop3_load.py --port P --clients 10 --user-format testuser{}@example.test --password pass

The client is plain sockets (poplib's line-by-line parsing would make Python the
bottleneck): it reads each RETR answer in 256 KiB chunks until CRLF.CRLF and counts the
bytes on the wire. The same client runs against every server. Prints
"bytes seconds MB/s messages" (MB = 10^6 bytes); the clock starts once all clients have
logged in and stops when the last one has read its last message.
"""
import argparse
import multiprocessing
import socket
import sys
import threading
import time

END = b"\r\n.\r\n"


class Pop:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.buf = b""
        self.line()

    def line(self):
        while b"\r\n" not in self.buf:
            self.fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def fill(self):
        self.buf += self.recv()

    def cmd(self, text):
        self.s.sendall(text.encode() + b"\r\n")
        line = self.line()
        if not line.startswith(b"+OK"):
            raise RuntimeError(f"{text.split()[0]}: {line!r}")
        return line

    def multiline(self):
        """Reads a multi-line body through its CRLF.CRLF; returns the bytes before it."""
        data = self.buf
        while len(data) < 3:
            data += self.recv()
        if data.startswith(b".\r\n"):  # empty body
            self.buf = data[3:]
            return 0
        consumed = 0
        while True:
            k = data.find(END)
            if k >= 0:
                self.buf = data[k + len(END):]
                return consumed + k + 2
            keep = min(4, len(data))
            consumed += len(data) - keep
            data = data[len(data) - keep:] + self.recv()

    def recv(self):
        data = self.s.recv(262144)
        if not data:
            raise ConnectionError("server closed the connection")
        return data


def client(args):
    port, user, password, barrier = args
    try:
        p = Pop(port)
        p.cmd(f"USER {user}")
        p.cmd(f"PASS {password}")
        count = int(p.cmd("STAT").split()[1])
    except Exception:
        barrier.abort()  # the main process must not wait for a client that died
        raise
    barrier.wait()
    total = 0
    for i in range(1, count + 1):
        p.cmd(f"RETR {i}")
        total += p.multiline()
    p.cmd("QUIT")
    return total, count, time.monotonic()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--clients", type=int, default=10)
    ap.add_argument("--user-format", default="testuser{}@example.test")
    ap.add_argument("--password", default="pass")
    a = ap.parse_args()
    mgr = multiprocessing.Manager()
    barrier = mgr.Barrier(a.clients + 1)
    jobs = [(a.port, a.user_format.format(k + 1), a.password, barrier) for k in range(a.clients)]
    with multiprocessing.Pool(a.clients) as pool:
        res = pool.map_async(client, jobs)
        try:
            barrier.wait(timeout=300)
        except threading.BrokenBarrierError:
            res.get()  # raises the client's error
            raise
        t0 = time.monotonic()
        results = res.get()
    t1 = max(r[2] for r in results)
    nbytes = sum(r[0] for r in results)
    msgs = sum(r[1] for r in results)
    secs = t1 - t0
    print(f"{nbytes} {secs:.3f} {nbytes / secs / 1e6:.1f} {msgs}")
    print(f"pop3: {msgs} messages, {nbytes / 1e6:.1f} MB in {secs:.2f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
