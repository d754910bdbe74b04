"""Opens N IMAP sessions (LOGIN, SELECT INBOX, IDLE), prints "ready N" on stdout once all
are idling, and holds them until stdin closes; then ends IDLE and logs out.

  imap_idle.py --port P --count 1000 --users 10
  imap_idle.py --port P --tls ...        implicit TLS (an imaps port; no certificate check)

Sessions are opened by THREADS threads (default 16); logins are spread round robin over
testuser1..--users. Used by imap_idle_mem.sh to measure server memory per IDLE session.
"""
import argparse
import concurrent.futures
import resource
import socket
import ssl
import sys

import imapc
from imapc import Imap


def use_tls():
    """Makes imapc's connections implicit TLS (imapc opens them with create_connection)."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    plain = socket.create_connection

    def connect(address, timeout=None, *args, **kwargs):
        return ctx.wrap_socket(plain(address, timeout, *args, **kwargs), server_hostname="localhost")

    imapc.socket = type("tls_socket", (), {"create_connection": staticmethod(connect)})


def open_idle(port, user, password):
    c = Imap(port)
    c.login(user, password)
    c.command("SELECT INBOX")
    return c, c.idle_start()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--users", type=int, default=10)
    ap.add_argument("--user-format", default="testuser{}@example.test")
    ap.add_argument("--password", default="pass")
    ap.add_argument("--threads", type=int, default=16)
    ap.add_argument("--tls", action="store_true")
    a = ap.parse_args()
    if a.tls:
        use_tls()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, max(soft, a.count + 256))
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    with concurrent.futures.ThreadPoolExecutor(a.threads) as ex:
        futs = [ex.submit(open_idle, a.port, a.user_format.format(k % a.users + 1), a.password)
                for k in range(a.count)]
        sessions = [f.result() for f in futs]
    print(f"ready {len(sessions)}", flush=True)
    sys.stdin.read()
    for c, tag in sessions:
        try:
            c.idle_done(tag)
            c.command("LOGOUT")
        except Exception:  # the measurement is done; a closed session changes nothing
            pass
        c.close()


if __name__ == "__main__":
    main()
