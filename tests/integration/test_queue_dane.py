"""DANE for outbound SMTP (RFC 7672) end to end: the real binary, a real nsd
serving a DNSSEC-signed zone (keys and signatures made by ldns-keygen and
ldns-signzone) whose DS record is postino's only trust anchor ([dns]
trust_anchors), and receiving SMTP servers on loopback written here, one with
STARTTLS and a certificate made with openssl, one without STARTTLS.

One message goes to one recipient in each destination domain:

  good.dane.test    secure MX, TLSA 3 1 1 of the receiver's key    -> delivered over TLS (DANE-EE)
  ta.dane.test      secure MX, TLSA 2 0 1 of the issuing CA         -> delivered over TLS (DANE-TA)
  bad.dane.test     secure MX, TLSA 3 1 1 of another key            -> not delivered, stays queued
  wrongname.dane.test  TLSA 2 0 1 of the CA, certificate names other hosts -> not delivered
  clear.dane.test   secure TLSA, MX host without STARTTLS          -> nothing sent in clear
  plain.test        unsigned zone (insecure TLSA) to the host without STARTTLS -> delivered in clear
"""
import hashlib
import os
import re
import socket
import socketserver
import ssl
import subprocess
import threading

import pytest

from dns_server import DnsServer, nsd_available
from test_mta_sts import make_ca_and_cert
from test_queue import make_message, queue_ids, start_sender, submit, wait_until

pytestmark = [
    pytest.mark.skipif(not nsd_available(), reason="nsd is not installed"),
    pytest.mark.skipif(not os.path.exists("/usr/bin/ldns-signzone"),
                       reason="ldnsutils is not installed"),
]

TLS_HOST = "127.0.0.2"    # receiver with STARTTLS
CLEAR_HOST = "127.0.0.3"  # receiver without STARTTLS


def der_of(pem_path, what):
    """DER bytes of the certificate (what="cert") or of its SubjectPublicKeyInfo ("spki")."""
    args = ["x509", "-in", pem_path, "-outform", "DER"]
    if what == "spki":
        args = ["x509", "-in", pem_path, "-noout", "-pubkey"]
        pem = subprocess.run(["openssl", *args], check=True, capture_output=True).stdout
        args = ["pkey", "-pubin", "-outform", "DER"]
        return subprocess.run(["openssl", *args], input=pem, check=True,
                              capture_output=True).stdout
    return subprocess.run(["openssl", *args], check=True, capture_output=True).stdout


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


class SmtpReceiver:
    """An SMTP server on (host, port); with a certificate it offers STARTTLS.
    Records every RCPT (address, TLS in use) and every accepted message."""

    def __init__(self, host, port, cert_chain=None, key=None):
        self.rcpts = []     # (address, tls)
        self.messages = []  # (rcpts, tls, data)
        self.lock = threading.Lock()
        ctx = None
        if cert_chain:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(cert_chain, key)
        rx = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                sock = self.request
                f = sock.makefile("rwb")
                tls = False

                def send(text):
                    f.write(text.encode() + b"\r\n")
                    f.flush()

                try:
                    send("220 mx.test ESMTP receiver")
                    rcpts = []
                    while True:
                        line = f.readline(4096)
                        if not line:
                            return
                        text = line.decode("utf-8", "replace").rstrip("\r\n")
                        verb = text[:4].upper()
                        if verb == "EHLO":
                            caps = ["mx.test", "PIPELINING", "8BITMIME"]
                            if ctx is not None and not tls:
                                caps.append("STARTTLS")
                            send("\r\n".join(f"250{'-' if i < len(caps) - 1 else ' '}{c}"
                                             for i, c in enumerate(caps)))
                        elif verb == "STAR" and ctx is not None and not tls:
                            send("220 2.0.0 Ready to start TLS")
                            sock = ctx.wrap_socket(sock, server_side=True)
                            f = sock.makefile("rwb")
                            tls = True
                        elif verb == "MAIL":
                            rcpts = []
                            send("250 2.1.0 Ok")
                        elif verb == "RCPT":
                            addr = text[text.index("<") + 1:text.index(">")]
                            with rx.lock:
                                rx.rcpts.append((addr, tls))
                            rcpts.append(addr)
                            send("250 2.1.5 Ok")
                        elif verb == "DATA":
                            send("354 go ahead")
                            data = []
                            while True:
                                l = f.readline(1 << 20)
                                if not l or l == b".\r\n":
                                    break
                                data.append(l)
                            with rx.lock:
                                rx.messages.append((list(rcpts), tls, b"".join(data)))
                            send("250 2.0.0 Ok: queued")
                        elif verb == "RSET":
                            rcpts = []
                            send("250 2.0.0 Ok")
                        elif verb == "QUIT":
                            send("221 2.0.0 Bye")
                            return
                        else:
                            send("502 5.5.2 Unknown command")
                except (OSError, ssl.SSLError):
                    return  # the client gave up (e.g. after a failed DANE check)

        class Srv(socketserver.ThreadingTCPServer):
            allow_reuse_address = True
            daemon_threads = True

        self.server = Srv((host, port), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def delivered_to(self, addr):
        with self.lock:
            return [(tls, data) for rcpts, tls, data in self.messages if addr in rcpts]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def receivers(cert_chain, key):
    """A TLS receiver on TLS_HOST and a clear one on CLEAR_HOST, on one port."""
    for _ in range(20):
        tls_rx = SmtpReceiver(TLS_HOST, 0, cert_chain, key)
        try:
            return tls_rx, SmtpReceiver(CLEAR_HOST, tls_rx.port)
        except OSError:
            tls_rx.close()
    raise RuntimeError("no port free on both loopback addresses")


def attempt_lines(log, rcpt):
    return [l for l in log.splitlines() if "queue.attempt" in l and f"rcpt={rcpt}" in l]


def test_dane_outbound(server_factory, tmp_path):
    pki = tmp_path / "pki"
    pki.mkdir()
    ca, cert, key = make_ca_and_cert(str(pki), ["mx.good.dane.test", "mx.ta.dane.test"])
    chain = str(pki / "chain.pem")  # DANE-TA(2): the TA goes in the chain (RFC 7672 §3.1.2)
    with open(chain, "w") as out:
        out.write(open(cert).read() + open(ca).read())
    other = tmp_path / "other"
    other.mkdir()
    _, other_cert, _ = make_ca_and_cert(str(other), ["mx.bad.dane.test"])

    ee = sha256_hex(der_of(cert, "spki"))
    wrong_ee = sha256_hex(der_of(other_cert, "spki"))
    ta = sha256_hex(der_of(ca, "cert"))
    tls_rx, clear_rx = receivers(chain, key)
    port = tls_rx.port
    dane_zone = []
    for name, host, tlsa in [("good", TLS_HOST, f"3 1 1 {ee}"),
                             ("ta", TLS_HOST, f"2 0 1 {ta}"),
                             ("bad", TLS_HOST, f"3 1 1 {wrong_ee}"),
                             ("wrongname", TLS_HOST, f"2 0 1 {ta}"),
                             ("clear", CLEAR_HOST, f"3 1 1 {ee}")]:
        dane_zone += [f"{name} MX 10 mx.{name}.dane.test.", f"mx.{name} A {host}",
                      f"_{port}._tcp.mx.{name} TLSA {tlsa}"]
    plain_zone = ["@ MX 10 mx.plain.test.", f"mx A {CLEAR_HOST}",
                  f"_{port}._tcp.mx TLSA 3 1 1 {ee}"]
    zones = {"dane.test": dane_zone, "plain.test": plain_zone}
    try:
        with DnsServer(tmp_path, zones, signed=["dane.test"]) as dns_srv:
            anchor = dns_srv.trust_anchor("dane.test")
            config = (f'[dns]\nservers = ["{dns_srv.address}"]\ntrust_anchors = ["{anchor}"]\n\n'
                      f"[queue]\nsmtp_port = {port}\nretry_min = 60\nretry_max = 120\n"
                      "poll_interval = 1\n")
            srv = start_sender(server_factory, config)

            # What postino's resolver sees: the signed zone validates with the
            # anchor; the unsigned one is answered, but not as secure.
            shown = srv.cli("dns", "lookup", "tlsa", f"_{port}._tcp.mx.good.dane.test").stdout
            assert f"tlsa 3 1 1 {ee}" in shown.lower(), shown
            assert "rcode ok secure" in shown, shown
            shown = srv.cli("dns", "lookup", "tlsa", f"_{port}._tcp.mx.plain.test").stdout
            assert "rcode ok" in shown and "secure" not in shown, shown

            rcpts = [f"friend@{d}" for d in ("good.dane.test", "ta.dane.test", "bad.dane.test",
                                             "wrongname.dane.test", "clear.dane.test",
                                             "plain.test")]
            submit(srv, rcpts, make_message("dane"))

            def settled():
                log = srv.log_text()
                return all(attempt_lines(log, r) for r in rcpts)

            assert wait_until(settled, timeout=40), srv.log_text()[-4000:]
            log = srv.log_text()

            # (a) TLSA 3 1 1 matching the receiver's key: delivered, over TLS, DANE-EE.
            got = tls_rx.delivered_to("friend@good.dane.test")
            assert len(got) == 1 and got[0][0] is True, got
            assert b"Subject: dane" in got[0][1]
            assert re.search(r"queue\.connected .*host=mx\.good\.dane\.test .*policy=dane "
                             r"tls=verified auth=dane-ee", log), log[-4000:]
            line = attempt_lines(log, "friend@good.dane.test")[0]
            assert "status=delivered" in line and "tls_policy=dane" in line, line

            # DANE-TA(2): the CA in the chain, the certificate names the MX host.
            got = tls_rx.delivered_to("friend@ta.dane.test")
            assert len(got) == 1 and got[0][0] is True, got
            assert re.search(r"queue\.connected .*host=mx\.ta\.dane\.test .*policy=dane "
                             r"tls=verified auth=dane-ta", log), log[-4000:]

            # (b) a TLSA record that matches nothing: no RCPT reached the
            # receiver, the recipient is deferred with a reply naming DANE.
            # DANE-TA(2) with a certificate for other names fails the same way.
            seen = [a for a, _ in tls_rx.rcpts]
            for r in ("friend@bad.dane.test", "friend@wrongname.dane.test"):
                assert r not in seen, tls_rx.rcpts
                line = attempt_lines(log, r)[0]
                assert "status=deferred" in line and "4.7.5" in line, line
                assert "DANE" in line and "does not match its TLSA records" in line, line
                assert "tls_policy=dane" in line, line

            # (c) secure TLSA, but the host offers no STARTTLS: nothing in clear.
            assert "friend@clear.dane.test" not in [a for a, _ in clear_rx.rcpts]
            line = attempt_lines(log, "friend@clear.dane.test")[0]
            assert "status=deferred" in line and "STARTTLS required" in line, line
            assert "DANE" in line, line

            # (d) the unsigned zone: its TLSA record is insecure and ignored,
            # so the host without STARTTLS gets the message in clear.
            got = clear_rx.delivered_to("friend@plain.test")
            assert len(got) == 1 and got[0][0] is False, got
            line = attempt_lines(log, "friend@plain.test")[0]
            assert "status=delivered" in line and "tls_policy=opportunistic" in line, line

            # The message stays queued for the three DANE failures, and
            # `postino queue show` says why.
            ids = queue_ids(srv)
            assert len(ids) == 1, ids
            shown = srv.cli("queue", "show", ids[0]).stdout
            for r in ("friend@bad.dane.test", "friend@wrongname.dane.test",
                      "friend@clear.dane.test"):
                row = next(l for l in shown.splitlines() if r in l)
                assert "DANE" in row, shown
            assert "does not match its TLSA records" in shown, shown
    finally:
        tls_rx.close()
        clear_rx.close()
