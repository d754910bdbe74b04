"""MTA-STS policy discovery (RFC 8461) by the real binary.

nsd serves "_mta-sts" TXT records and the policy host's address; a Python
HTTPS server (certificate from a test CA made here with openssl) serves the
policy file. `postino dns mta-sts DOMAIN` shows what postino's MtaStsCache
discovered: mode, mx patterns and max_age, or mode none when discovery must
fail (wrong certificate, untrusted CA, redirect, wrong media type, no record).
"""
import http.server
import os
import ssl
import subprocess
import threading

import pytest

from dns_server import DnsServer, nsd_available

pytestmark = pytest.mark.skipif(not nsd_available(), reason="nsd is not installed")

POLICY = "version: STSv1\r\nmode: enforce\r\nmx: mail.example.test\r\nmx: *.backup.example.test\r\nmax_age: 86400\r\n"


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_ca_and_cert(d, names):
    """A test CA (ca.pem) and a server certificate for `names` (srv.pem, srv.key)."""
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=postino test CA",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)
    san = ",".join(f"DNS:{n}" for n in names)
    openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", "srv.key", "-out", "srv.csr", "-subj", f"/CN={names[0]}",
            "-addext", f"subjectAltName={san}", cwd=d)
    openssl("x509", "-req", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-days", "2", "-copy_extensions", "copy", "-out", "srv.pem", cwd=d)
    return os.path.join(d, "ca.pem"), os.path.join(d, "srv.pem"), os.path.join(d, "srv.key")


class PolicyServer:
    """HTTPS on 127.0.0.1 answering every GET with (status, headers, body)."""

    def __init__(self, cert, key):
        self.status, self.headers, self.body = 200, {"Content-Type": "text/plain"}, POLICY
        self.requests = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                outer.requests.append((self.path, self.headers.get("Host")))
                body = outer.body.encode()
                self.send_response(outer.status)
                for k, v in outer.headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def zones():
    return {
        "example.test": ['_mta-sts TXT "v=STSv1; id=20261126T1;"', "mta-sts A 127.0.0.1",
                         "@ MX 10 mail.example.test.", "mail A 127.0.0.1"],
        # Its policy host is our server too, but the certificate does not name it.
        "other.test": ['_mta-sts TXT "v=STSv1; id=1"', "mta-sts A 127.0.0.1"],
        "nosts.test": ["mta-sts A 127.0.0.1"],
    }


@pytest.fixture
def env(server_factory, tmp_path):
    d = tmp_path / "pki"
    d.mkdir()
    ca, cert, key = make_ca_and_cert(str(d), ["mta-sts.example.test"])
    with DnsServer(tmp_path, zones()) as dns_srv, PolicyServer(cert, key) as web:
        def make(ca_file=ca):
            extra = (f'[dns]\nservers = ["{dns_srv.address}"]\n\n'
                     f"[queue]\nmta_sts_port = {web.port}\n")
            if ca_file:
                extra += f'tls_ca_file = "{ca_file}"\n'
            return server_factory(extra_config=extra)
        yield make, web, dns_srv


def show(srv, domain):
    out = srv.cli("dns", "mta-sts", domain).stdout
    fields = [l.split(": ", 1) for l in out.splitlines()]
    res = {"mx": []}
    for k, v in fields:
        if k == "mx":
            res["mx"].append(v)
        else:
            res[k] = v
    return res


def test_policy_is_fetched_and_parsed(env):
    make, web, _ = env
    srv = make()
    p = show(srv, "Example.Test")
    assert p == {"domain": "example.test", "mode": "enforce",
                 "mx": ["mail.example.test", "*.backup.example.test"], "max_age": "86400"}
    assert web.requests == [("/.well-known/mta-sts.txt", f"mta-sts.example.test:{web.port}")]


def test_failures_mean_no_policy(env):
    make, web, _ = env
    srv = make()
    # The certificate is not valid for mta-sts.other.test (RFC 8461 §3.3).
    assert show(srv, "other.test")["mode"] == "none"
    # No _mta-sts record: no fetch at all.
    assert show(srv, "nosts.test")["mode"] == "none"
    assert web.requests == []
    # Redirects are not followed; other media types and bad policies are refused.
    web.status, web.headers = 301, {"Location": "https://mta-sts.example.test/x"}
    assert show(srv, "example.test")["mode"] == "none"
    web.status, web.headers = 200, {"Content-Type": "text/html"}
    assert show(srv, "example.test")["mode"] == "none"
    web.headers = {"Content-Type": "text/plain; charset=utf-8"}
    web.body = "version: STSv1\nmode: enforce\nmax_age: 60\n"  # no mx
    assert show(srv, "example.test")["mode"] == "none"
    assert len(web.requests) == 3
    web.body = POLICY
    assert show(srv, "example.test")["mode"] == "enforce"


def test_untrusted_ca_means_no_policy(env):
    make, web, _ = env
    srv = make(ca_file=None)
    assert show(srv, "example.test") == {"domain": "example.test", "mode": "none", "mx": [],
                                         "max_age": "0"}
    assert web.requests == []  # the TLS handshake failed before any request


def test_published_policy_reads_back(env, tmp_path):
    """What `postino dns` tells an operator to publish is what MTA-STS discovery reads."""
    make, web, dns_srv = env
    srv = make()
    srv.cli("domain", "add", "example.test")
    out = srv.cli("dns", "example.test").stdout
    records = [l for l in out.splitlines() if l.strip() and not l.startswith(";")]
    dns_srv.set_zone("example.test", records + ["mail.example.test. A 127.0.0.1"])
    web.body = "".join(l[1:].strip() + "\r\n" for l in out.splitlines() if l.startswith(";   "))
    p = show(srv, "example.test")
    assert p["mode"] == "testing" and p["mx"] == ["mail.example.test"] and p["max_age"] == "604800"
