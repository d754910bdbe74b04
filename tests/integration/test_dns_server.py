"""The nsd test harness (dns_server.py) serves real DNS on 127.0.0.1, and
`postino dns lookup` sees what it serves."""
import os

import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import dns.resolver
import pytest

from dns_server import DnsServer, nsd_available

pytestmark = pytest.mark.skipif(not nsd_available(), reason="nsd is not installed")

LONG = "v=DKIM1; k=rsa; p=" + "A" * 400  # longer than one 255-octet string

ZONES = {
    "example.test": [
        "@ MX 10 mx.example.test.",
        "@ MX 20 mx2.example.test.",
        "mx A 127.0.0.1",
        "mx AAAA ::1",
        "mx2 A 127.0.0.2",
        '@ TXT "v=spf1 ip4:127.0.0.1 -all"',
        f'sel._domainkey TXT "{LONG}"',
    ],
    "null.test": ["@ MX 0 ."],
    "1.0.127.in-addr.arpa": ["1 PTR mx.example.test."],
}


def resolver(srv):
    r = dns.resolver.Resolver(configure=False)
    r.nameservers = ["127.0.0.1"]
    r.port = srv.port
    r.lifetime = 5
    return r


def test_serves_a_mx_txt_ptr_nxdomain(tmp_path):
    with DnsServer(tmp_path, ZONES) as srv:
        assert srv.address == f"127.0.0.1:{srv.port}"
        r = resolver(srv)
        assert [a.address for a in r.resolve("mx.example.test", "A")] == ["127.0.0.1"]
        assert [a.address for a in r.resolve("mx.example.test", "AAAA")] == ["::1"]
        mx = sorted((m.preference, m.exchange.to_text()) for m in r.resolve("example.test", "MX"))
        assert mx == [(10, "mx.example.test."), (20, "mx2.example.test.")]
        spf = r.resolve("example.test", "TXT")
        assert [b"".join(t.strings) for t in spf] == [b"v=spf1 ip4:127.0.0.1 -all"]
        # The long TXT is served as several character-strings of at most 255
        # octets that concatenate to the original (RFC 1035 §3.3.14).
        dkim = list(r.resolve("sel._domainkey.example.test", "TXT"))
        assert len(dkim) == 1
        strings = dkim[0].strings
        assert len(strings) == 2 and all(len(s) <= 255 for s in strings)
        assert b"".join(strings) == LONG.encode()
        ptr = r.resolve("1.1.0.127.in-addr.arpa", "PTR")
        assert [p.target.to_text() for p in ptr] == ["mx.example.test."]
        with pytest.raises(dns.resolver.NXDOMAIN):
            r.resolve("nope.example.test", "A")
        with pytest.raises(dns.resolver.NoAnswer):  # NODATA
            r.resolve("mx2.example.test", "TXT")
        # TCP is served on the same port.
        q = dns.message.make_query("example.test.", dns.rdatatype.MX)
        resp = dns.query.tcp(q, "127.0.0.1", port=srv.port, timeout=5)
        assert resp.rcode() == dns.rcode.NOERROR and len(resp.answer[0]) == 2


def test_set_zone_reloads_and_adds_zones(tmp_path):
    with DnsServer(tmp_path, {"example.test": ["mx A 127.0.0.1"]}) as srv:
        r = resolver(srv)
        srv.set_zone("example.test", ["mx A 127.0.0.9"])
        assert [a.address for a in r.resolve("mx.example.test", "A")] == ["127.0.0.9"]
        srv.set_zone("other.test", ['@ TXT "hello"'])
        assert [b"".join(t.strings) for t in r.resolve("other.test", "TXT")] == [b"hello"]
        # The first zone is still served after the restart.
        assert [a.address for a in r.resolve("mx.example.test", "A")] == ["127.0.0.9"]
    assert srv.proc is None


def dns_config(srv, timeout=5):
    return f'[dns]\nservers = ["{srv.address}"]\ntimeout = {timeout}\n'


def test_postino_dns_lookup_sees_nsd(tmp_path, server_factory):
    with DnsServer(tmp_path, ZONES) as srv:
        s = server_factory(dns_config(srv))
        r = s.cli("dns", "lookup", "mx", "example.test")
        # Lowest preference first (RFC 5321 §5.1), then the status line.
        assert r.stdout == "MX 10 mx.example.test\nMX 20 mx2.example.test\nrcode ok\n"
        assert s.cli("dns", "lookup", "mx", "null.test").stdout == "MX 0 .\nrcode ok\n"
        assert s.cli("dns", "lookup", "a", "MX.Example.Test.").stdout == "A 127.0.0.1\nrcode ok\n"
        assert s.cli("dns", "lookup", "aaaa", "mx.example.test").stdout == "AAAA ::1\nrcode ok\n"
        txt = s.cli("dns", "lookup", "txt", "sel._domainkey.example.test").stdout
        assert txt == f'TXT "{LONG}"\nrcode ok\n'  # the split strings joined again
        ptr = s.cli("dns", "lookup", "ptr", "1.1.0.127.in-addr.arpa").stdout
        assert ptr == "PTR mx.example.test\nrcode ok\n"
        assert s.cli("dns", "lookup", "a", "nope.example.test").stdout == "rcode nxdomain\n"
        assert s.cli("dns", "lookup", "txt", "mx2.example.test").stdout == "rcode nodata\n"

        # A changed zone is what postino sees next.
        srv.set_zone("example.test", ["@ MX 5 new.example.test.",
                                      "_25._tcp.new TLSA 3 1 1 00ff"])
        assert s.cli("dns", "lookup", "mx", "example.test").stdout == \
            "MX 5 new.example.test\nrcode ok\n"
        assert s.cli("dns", "lookup", "tlsa", "_25._tcp.new.example.test").stdout == \
            "TLSA 3 1 1 00ff\nrcode ok\n"

        bad = s.cli("dns", "lookup", "srv", "example.test", check=False)
        assert bad.returncode != 0 and "unknown record type" in bad.stderr
        # nsd refuses names outside its zones: a temporary failure, not an answer.
        refused = s.cli("dns", "lookup", "a", "www.elsewhere.example", check=False)
        assert refused.returncode != 0 and refused.stdout == ""


def test_postino_dns_lookup_times_out(tmp_path, server_factory):
    import socket
    import time
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # bound, never answers
    silent.bind(("127.0.0.1", 0))
    try:
        port = silent.getsockname()[1]
        s = server_factory(f'[dns]\nservers = ["127.0.0.1:{port}"]\ntimeout = 1\n')
        t0 = time.monotonic()
        r = s.cli("dns", "lookup", "mx", "example.test", check=False)
        took = time.monotonic() - t0
        assert r.returncode != 0
        assert "timeout" in r.stderr
        assert 0.9 <= took < 10
    finally:
        silent.close()
