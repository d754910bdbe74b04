"""10,000 concurrent IMAP IDLE sessions on the real postino binary.

One Python process drives every connection with non-blocking sockets and a
selector: each logs in, SELECTs INBOX and IDLEs (pipelined), then one message
delivered over SMTP to every account must reach every session as `* 1 EXISTS`
(RFC 2177), and each ends with DONE and LOGOUT.

Logging in: LOGIN verifies an argon2id hash (19 MiB, tens of milliseconds of
CPU each), so a few hundred sessions use LOGIN pipelined with SELECT and IDLE
in one write; the rest use AUTHENTICATE SCRAM-SHA-256 with an initial response
(RFC 7677, RFC 4959), whose server side costs only a few HMACs.

Memory: with every session idling, the server's PSS may have grown by at most
32 KiB per session (plain builds).

Scale: POSTINO_IDLE_SCALE_CONNECTIONS, default 10,000, or 2,000 when the
binary is a sanitizer (ASan) build. Nothing here asserts on time; the
deadlines only keep a broken server from hanging the suite.
"""
import errno
import mmap
import os
import resource
import selectors
import smtplib
import socket
import time

from conftest import BIN
from scram import ScramClient, b64, unb64

USERS = 20
PASSWORD = "idle-secret"
LOGIN_SESSIONS = 300  # sessions that use LOGIN (argon2id); the rest use SCRAM
SOURCE_ADDRS = [f"127.0.0.{i}" for i in range(1, 5)]  # spread client ports
CONNECT_WINDOW = 400  # sessions being set up at once (listen backlog, CPU)
PHASE_TIMEOUT = 900.0  # seconds; a hang guard only
IP_BIND_ADDRESS_NO_PORT = getattr(socket, "IP_BIND_ADDRESS_NO_PORT", 24)


def sanitized_binary(path):
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
        return m.find(b"__asan_init") >= 0


def pss_kib(pid):
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            if line.startswith("Pss:"):
                return int(line.split()[1])
    raise AssertionError("no Pss in smaps_rollup")


def session_count():
    env = os.environ.get("POSTINO_IDLE_SCALE_CONNECTIONS")
    if env:
        return int(env)
    return 2000 if sanitized_binary(BIN) else 10000


def user(k):
    return f"idle{k % USERS}@example.test"


class Session:
    # States, in order.
    CONNECTING, GREETING, SCRAM1, SCRAM2, SCRAM3, LOGGED_IN, SELECTED, IDLING, EXISTS, \
        LOGGING_OUT, DONE = range(11)

    def __init__(self, k, port):
        self.k = k
        self.name = user(k)
        self.use_login = k < LOGIN_SESSIONS
        self.scram = None if self.use_login else ScramClient(self.name, PASSWORD)
        self.buf = b""
        self.out = b""
        self.state = Session.CONNECTING
        self.error = None
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_IP, IP_BIND_ADDRESS_NO_PORT, 1)
        self.sock.bind((SOURCE_ADDRS[k % len(SOURCE_ADDRS)], 0))
        self.sock.setblocking(False)
        rc = self.sock.connect_ex(("127.0.0.1", port))
        assert rc in (0, errno.EINPROGRESS), os.strerror(rc)

    def send(self, data):
        self.out += data

    def on_line(self, line):
        """Advances the state machine by one response line (CRLF removed)."""
        st = self.state
        if line.startswith(b"* BYE"):
            if st != Session.LOGGING_OUT:  # RFC 9051 §6.1.3: BYE before LOGOUT's OK
                self.error = f"BYE in state {st}: {line!r}"
            return
        if st == Session.GREETING:
            if not line.startswith(b"* OK"):
                self.error = f"greeting {line!r}"
            elif self.use_login:
                # LOGIN, SELECT and IDLE pipelined in one write.
                self.send(f'a1 LOGIN "{self.name}" "{PASSWORD}"\r\n'
                          "a2 SELECT INBOX\r\na3 IDLE\r\n".encode())
                self.state = Session.LOGGED_IN
            else:
                self.send(f"a1 AUTHENTICATE SCRAM-SHA-256 {b64(self.scram.first())}\r\n".encode())
                self.state = Session.SCRAM1
        elif st == Session.SCRAM1:
            if not line.startswith(b"+ "):
                self.error = f"SCRAM server-first {line!r}"
            else:
                self.send(b64(self.scram.final(unb64(line[2:].decode()))).encode() + b"\r\n")
                self.state = Session.SCRAM2
        elif st == Session.SCRAM2:
            if not line.startswith(b"+ "):
                self.error = f"SCRAM server-final {line!r}"
            else:
                self.scram.verify(unb64(line[2:].decode()))
                self.send(b"\r\n")
                self.state = Session.SCRAM3
        elif st == Session.SCRAM3:
            if not line.startswith(b"a1 OK"):
                self.error = f"AUTHENTICATE {line!r}"
            else:
                self.send(b"a2 SELECT INBOX\r\na3 IDLE\r\n")
                self.state = Session.LOGGED_IN
        elif st == Session.LOGGED_IN:
            if line.startswith(b"a1 "):
                if not line.startswith(b"a1 OK"):
                    self.error = f"LOGIN {line!r}"
            elif line.startswith(b"a2 "):
                if line.startswith(b"a2 OK"):
                    self.state = Session.SELECTED
                else:
                    self.error = f"SELECT {line!r}"
        elif st == Session.SELECTED:
            if line.startswith(b"+"):
                self.state = Session.IDLING
            elif line.startswith(b"a3 "):
                self.error = f"IDLE {line!r}"
        elif st == Session.IDLING:
            if line == b"* 1 EXISTS":
                self.state = Session.EXISTS
        elif st == Session.LOGGING_OUT:
            if line.startswith(b"a3 ") and not line.startswith(b"a3 OK"):
                self.error = f"DONE {line!r}"
            elif line.startswith(b"a4 "):
                if line.startswith(b"a4 OK"):
                    self.state = Session.DONE
                else:
                    self.error = f"LOGOUT {line!r}"


class Driver:
    def __init__(self, port):
        self.port = port
        self.sel = selectors.DefaultSelector()
        self.sessions = []

    def open(self, k):
        s = Session(k, self.port)
        self.sessions.append(s)
        self.sel.register(s.sock, selectors.EVENT_READ | selectors.EVENT_WRITE, s)
        return s

    def pump(self, timeout=1.0):
        for key, events in self.sel.select(timeout):
            s = key.data
            if s.state == Session.CONNECTING and events & selectors.EVENT_WRITE:
                err = s.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    s.error = f"connect: {os.strerror(err)}"
                    self.drop(s)
                    continue
                s.state = Session.GREETING
            if events & selectors.EVENT_READ:
                try:
                    data = s.sock.recv(65536)
                except (BlockingIOError, InterruptedError):
                    data = None
                except OSError as e:
                    s.error = f"recv: {e}"
                    self.drop(s)
                    continue
                if data == b"":
                    if s.state != Session.DONE:
                        s.error = s.error or f"closed by server in state {s.state}"
                    self.drop(s)
                    continue
                if data:
                    s.buf += data
                    while b"\r\n" in s.buf and not s.error:
                        line, s.buf = s.buf.split(b"\r\n", 1)
                        s.on_line(line)
            if s.out:
                try:
                    n = s.sock.send(s.out)
                    s.out = s.out[n:]
                except (BlockingIOError, InterruptedError):
                    pass
                except OSError as e:
                    s.error = f"send: {e}"
            if s.error:
                self.drop(s)
                continue
            want = selectors.EVENT_READ | (selectors.EVENT_WRITE if s.out else 0)
            if key.events != want:
                self.sel.modify(s.sock, want, s)

    def drop(self, s):
        try:
            self.sel.unregister(s.sock)
        except (KeyError, ValueError):
            pass
        s.sock.close()

    def check(self, what, deadline):
        errors = [s for s in self.sessions if s.error]
        assert not errors, f"{len(errors)} sessions failed while {what}; first: " \
                           f"{errors[0].k}: {errors[0].error}"
        assert time.monotonic() < deadline, f"gave up waiting while {what}"

    def wait(self, what, done, deadline):
        while not done():
            self.check(what, deadline)
            self.pump()

    def count(self, state):
        return sum(1 for s in self.sessions if s.state == state)


def test_ten_thousand_idle_sessions_all_see_one_delivery(server_factory):
    n = session_count()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = n + 512
    assert hard >= need, f"RLIMIT_NOFILE hard limit {hard} is below {need}"
    # Raised before the server starts: postino inherits the limit.
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, need), hard))
    try:
        limits = (f"[limits]\nmax_connections = {n + 100}\n"
                  f"max_connections_per_ip = {n + 100}\n")
        srv = server_factory(limits, listeners=("smtp", "imap"))
        srv.cli("domain", "add", "example.test")
        for k in range(USERS):
            srv.cli("user", "add", user(k), "--password-stdin", input=PASSWORD + "\n")
        srv.start()
        time.sleep(1)
        pss_before = pss_kib(srv.proc.pid)
        drv = Driver(srv.ports["imap"])

        # Open every session, a window at a time, and bring each to IDLE.
        deadline = time.monotonic() + PHASE_TIMEOUT
        opened = 0
        while drv.count(Session.IDLING) < n:
            busy = opened - drv.count(Session.IDLING)
            while opened < n and busy < CONNECT_WINDOW:
                drv.open(opened)
                opened += 1
                busy += 1
            drv.check("opening sessions", deadline)
            drv.pump(0.2)

        # The budget: at most 32 KiB per idle IDLE session, measured as
        # bench/imap_idle_mem.sh does (growth of the server's PSS). Sanitizer
        # builds shadow every byte, so only plain builds are held to it.
        per_session = (pss_kib(srv.proc.pid) - pss_before) / n
        print(f"{n} IDLE sessions: {per_session:.1f} KiB PSS per session")
        if not sanitized_binary(BIN):
            assert per_session <= 32, f"{per_session:.1f} KiB per IDLE session"

        # One message to every account: every session must see it.
        with smtplib.SMTP("127.0.0.1", srv.ports["smtp"], timeout=120) as smtp:
            msg = (b"From: sender@example.org\r\nSubject: wake up\r\n"
                   b"Message-ID: <idle-scale@example.org>\r\n\r\nhello\r\n")
            refused = smtp.sendmail("sender@example.org", [user(k) for k in range(USERS)], msg)
            assert refused == {}
        drv.wait("waiting for * 1 EXISTS",
                 lambda: drv.count(Session.EXISTS) == n, time.monotonic() + PHASE_TIMEOUT)

        for s in drv.sessions:
            s.send(b"DONE\r\na4 LOGOUT\r\n")
            s.state = Session.LOGGING_OUT
            drv.sel.modify(s.sock, selectors.EVENT_READ | selectors.EVENT_WRITE, s)
        drv.wait("logging out", lambda: drv.count(Session.DONE) == n,
                 time.monotonic() + PHASE_TIMEOUT)
        for s in drv.sessions:
            drv.drop(s)
        assert "level=error" not in srv.log_text()
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
