"""A minimal IMAP4 client for bench/imap_idle.py: one socket, one command at a time.

Every server is driven by exactly the same bytes. It understands just enough of the grammar to find the end of a response:
lines, and {n} literals at the end of a line (RFC 9051 §4.3).
"""
import re
import socket

LITERAL = re.compile(rb"\{(\d+)\+?\}$")


class ImapError(Exception):
    pass


class Imap:
    def __init__(self, port, host="127.0.0.1", timeout=60):
        self.s = socket.create_connection((host, port), timeout=timeout)
        self.buf = b""
        self.n = 0
        greeting = self.line()
        if not greeting.startswith(b"* OK"):
            raise ImapError(f"greeting: {greeting!r}")

    def recv(self):
        data = self.s.recv(262144)
        if not data:
            raise ConnectionError("server closed the connection")
        return data

    def line(self):
        """One response line with any literals it carries inlined; CRLF removed."""
        out = b""
        while True:
            k = self.buf.find(b"\r\n")
            while k < 0:
                self.buf += self.recv()
                k = self.buf.find(b"\r\n")
            part, self.buf = self.buf[:k], self.buf[k + 2:]
            out += part
            m = LITERAL.search(part)
            if not m:
                return out
            size = int(m.group(1))
            while len(self.buf) < size:
                self.buf += self.recv()
            out += b"\r\n" + self.buf[:size]
            self.buf = self.buf[size:]

    def tag(self):
        self.n += 1
        return f"A{self.n}".encode()

    def command(self, text, literal=None):
        """Sends a command (with an optional synchronising literal appended) and returns
        (untagged lines, tagged line). Raises ImapError unless the status is OK."""
        tag = self.tag()
        if literal is None:
            self.s.sendall(tag + b" " + text.encode() + b"\r\n")
        else:
            self.s.sendall(tag + b" " + text.encode() + b" {%d}\r\n" % len(literal))
            while True:
                line = self.line()
                if line.startswith(b"+"):
                    break
                if line.startswith(tag):
                    raise ImapError(f"{text.split()[0]}: {line!r}")
            self.s.sendall(literal + b"\r\n")
        untagged = []
        while True:
            line = self.line()
            if line.startswith(tag + b" "):
                if not line[len(tag) + 1:].startswith(b"OK"):
                    raise ImapError(f"{text[:40]}: {line!r}")
                return untagged, line
            untagged.append(line)

    def login(self, user, password):
        return self.command(f'LOGIN "{user}" "{password}"')

    def idle_start(self):
        """Sends IDLE and waits for the continuation; returns the tag to end it with."""
        tag = self.tag()
        self.s.sendall(tag + b" IDLE\r\n")
        while True:
            line = self.line()
            if line.startswith(b"+"):
                return tag
            if line.startswith(tag):
                raise ImapError(f"IDLE: {line!r}")

    def idle_done(self, tag):
        self.s.sendall(b"DONE\r\n")
        while True:
            line = self.line()
            if line.startswith(tag + b" "):
                if not line[len(tag) + 1:].startswith(b"OK"):
                    raise ImapError(f"IDLE: {line!r}")
                return

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass
