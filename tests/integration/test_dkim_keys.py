"""DKIM keys and the records to publish.

`postino domain add` makes an RSA and an Ed25519 key; `postino dns DOMAIN`
prints the zone records; those records are served by a real nsd, and
python3-dkim (verifying through that nsd) accepts mail signed by postino's
KeyRing (`postino dkim sign`) with both algorithms; python3-spf passes the
printed SPF record for the server's address.
"""
import os
import pwd
import re
import stat
import subprocess

import dkim
import dns.resolver
import pytest
import spf

from conftest import BIN
from dns_server import DnsServer, nsd_available

pytestmark = pytest.mark.skipif(not nsd_available(), reason="nsd is not installed")

DOMAIN = "example.test"
HOST = "mail.example.test"  # the conftest Server's hostname

MESSAGE = (b"From: Alice <alice@example.test>\r\n"
           b"To: bob@example.org\r\n"
           b"Subject: signed by postino\r\n"
           b"Date: Thu, 26 Nov 2026 10:00:00 +0000\r\n"
           b"Message-ID: <keys-1@example.test>\r\n"
           b"MIME-Version: 1.0\r\n"
           b"Content-Type: text/plain; charset=utf-8\r\n"
           b"\r\n"
           b"Hello Bob,\r\n"
           b"\r\n"
           b"  this line has  spaces   and a trailing space \r\n"
           b"\r\n\r\n")


def dkim_sign(srv, message, *args):
    """`postino dkim sign` on raw bytes (no newline translation)."""
    return subprocess.run([BIN, "--config", srv.config_path, "dkim", "sign", *args],
                          input=message, capture_output=True, timeout=60)


def records_of(zone_text):
    """The record lines of `postino dns` output (comments left out)."""
    return [l for l in zone_text.splitlines() if l.strip() and not l.startswith(";")]


def rr(records, name, rtype):
    """The data of every record at `name` of type `rtype`."""
    out = []
    for line in records:
        parts = line.split(None, 4)
        assert len(parts) == 5, line
        owner, ttl, cls, t, data = parts
        assert owner.endswith("."), line
        assert cls == "IN" and int(ttl) > 0, line
        if owner.lower() == name.lower() + "." and t == rtype:
            out.append(data)
    return out


def txt_value(data):
    strings = re.findall(r'"((?:[^"\\]|\\.)*)"', data)
    assert all(len(s) <= 255 for s in strings), data
    return "".join(strings)


def resolver(dns_srv):
    r = dns.resolver.Resolver(configure=False)
    r.nameservers = ["127.0.0.1"]
    r.port = dns_srv.port
    r.lifetime = 5
    return r


def dnsfunc_for(dns_srv):
    r = resolver(dns_srv)

    def dnsfunc(name, timeout=5):
        name = name.decode() if isinstance(name, bytes) else name
        try:
            answers = r.resolve(name.rstrip("."), "TXT")
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return None
        return b"".join(answers[0].strings)

    return dnsfunc


@pytest.fixture
def keyed(server_factory):
    s = server_factory()
    s.cli("domain", "add", DOMAIN)
    return s


def test_domain_add_makes_private_key_files(keyed):
    d = os.path.join(keyed.data_dir, "dkim", DOMAIN)
    names = sorted(os.listdir(d))
    assert len(names) == 2, names
    assert names[0].endswith("e.ed25519.pem") and names[1].endswith("r.rsa.pem"), names
    assert re.fullmatch(r"\d{6}e\.ed25519\.pem", names[0]), names
    for n in names:
        st = os.stat(os.path.join(d, n))
        assert stat.S_IMODE(st.st_mode) == 0o600, n
        with open(os.path.join(d, n)) as f:
            assert f.read().startswith("-----BEGIN PRIVATE KEY-----")
    assert stat.S_IMODE(os.stat(d).st_mode) == 0o700
    # Adding the same domain again fails and leaves the keys alone.
    before = {n: open(os.path.join(d, n)).read() for n in names}
    r = keyed.cli("domain", "add", DOMAIN, check=False)
    assert r.returncode != 0
    assert {n: open(os.path.join(d, n)).read() for n in os.listdir(d)} == before


def test_dns_prints_every_record(keyed):
    out = keyed.cli("dns", DOMAIN).stdout
    recs = records_of(out)
    assert rr(recs, DOMAIN, "MX") == [f"10 {HOST}."]
    assert [txt_value(t) for t in rr(recs, DOMAIN, "TXT")] == ["v=spf1 mx -all"]
    dmarc = txt_value(rr(recs, "_dmarc." + DOMAIN, "TXT")[0])
    assert dmarc.startswith("v=DMARC1; p=quarantine;") and f"rua=mailto:postmaster@{DOMAIN}" in dmarc
    sts = txt_value(rr(recs, "_mta-sts." + DOMAIN, "TXT")[0])
    assert re.fullmatch(r"v=STSv1; id=[0-9a-f]{20};", sts), sts
    assert rr(recs, "mta-sts." + DOMAIN, "CNAME") == [f"{HOST}."]
    assert txt_value(rr(recs, "_smtp._tls." + DOMAIN, "TXT")[0]) == \
        f"v=TLSRPTv1; rua=mailto:postmaster@{DOMAIN}"
    # RFC 6186 / RFC 8314 client records at the configured listener ports.
    for svc, listener in (("_submissions._tcp", "submissions"), ("_submission._tcp", "submission"),
                          ("_imaps._tcp", "imaps"), ("_imap._tcp", "imap"),
                          ("_pop3s._tcp", "pop3s"), ("_pop3._tcp", "pop3")):
        srv = rr(recs, f"{svc}.{DOMAIN}", "SRV")
        assert len(srv) == 1, svc
        prio, weight, port, target = srv[0].split()
        assert int(port) == keyed.ports[listener] and target == f"{HOST}.", srv
    assert int(rr(recs, f"_submissions._tcp.{DOMAIN}", "SRV")[0].split()[0]) < \
        int(rr(recs, f"_submission._tcp.{DOMAIN}", "SRV")[0].split()[0])
    for name in ("autoconfig", "autodiscover"):
        assert rr(recs, f"{name}.{DOMAIN}", "CNAME") == [f"{HOST}."]
    keys = [l for l in recs if "._domainkey." in l]
    assert len(keys) == 2
    rsa = [txt_value(l.split(None, 4)[4]) for l in keys if "k=rsa" in l][0]
    assert rsa.startswith("v=DKIM1; k=rsa; p=") and len(rsa) > 255  # split into strings
    assert any("k=ed25519" in l for l in keys)
    # The policy file to host, as comments; mode testing with a self-signed certificate.
    policy = [l[1:].strip() for l in out.splitlines() if l.startswith(";   ")]
    assert policy == ["version: STSv1", "mode: testing", f"mx: {HOST}", "max_age: 604800"]


def test_dns_for_a_domain_without_keys_and_bad_names(server_factory):
    s = server_factory()
    out = s.cli("dns", "other.test").stdout
    assert "; no DKIM keys for other.test" in out
    assert not [l for l in records_of(out) if "_domainkey" in l]
    r = s.cli("dns", "bad..name", check=False)
    assert r.returncode != 0 and "invalid domain" in r.stderr
    r = s.cli("dns", check=False)
    assert r.returncode == 2


def test_published_records_verify_with_dkimpy_and_spf(keyed, tmp_path):
    out = keyed.cli("dns", DOMAIN).stdout
    zone = records_of(out) + [f"{HOST}. A 127.0.0.1"]
    with DnsServer(tmp_path, {DOMAIN: zone}) as dns_srv:
        r = dkim_sign(keyed, MESSAGE)
        assert r.returncode == 0, r.stderr
        signed = r.stdout
        assert signed.endswith(MESSAGE)
        headers = signed[:len(signed) - len(MESSAGE)]
        fields = re.split(rb"\r\n(?=\S)", headers.rstrip(b"\r\n"))
        assert len(fields) == 2 and all(f.startswith(b"DKIM-Signature:") for f in fields)
        assert b"a=rsa-sha256" in fields[0] and b"a=ed25519-sha256" in fields[1]
        dnsfunc = dnsfunc_for(dns_srv)
        d = dkim.DKIM(signed)
        assert d.verify(idx=0, dnsfunc=dnsfunc), "rsa-sha256 did not verify"
        d = dkim.DKIM(signed)
        assert d.verify(idx=1, dnsfunc=dnsfunc), "ed25519-sha256 did not verify"
        # A changed body fails both.
        tampered = signed.replace(b"Hello Bob", b"Hello Eve")
        for idx in (0, 1):
            with pytest.raises(dkim.ValidationError, match="body hash mismatch"):
                dkim.DKIM(tampered).verify(idx=idx, dnsfunc=dnsfunc)

        # SPF: "v=spf1 mx -all" passes the MX host's address and fails another.
        saved = dns.resolver.default_resolver
        dns.resolver.default_resolver = resolver(dns_srv)
        try:
            res, _ = spf.check2(i="127.0.0.1", s=f"alice@{DOMAIN}", h=HOST)
            assert res == "pass"
            res, _ = spf.check2(i="127.0.0.9", s=f"alice@{DOMAIN}", h=HOST)
            assert res == "fail"
        finally:
            dns.resolver.default_resolver = saved


def test_dkim_sign_for_other_domains(keyed):
    other = MESSAGE.replace(b"alice@example.test", b"alice@elsewhere.test")
    r = dkim_sign(keyed, other)
    assert r.returncode == 1 and b"no DKIM keys" in r.stderr and r.stdout == b""
    r = dkim_sign(keyed, other, "--domain", DOMAIN)
    assert r.returncode == 0 and b"d=example.test;" in r.stdout and r.stdout.endswith(other)
    # A subdomain's From uses the parent's keys (relaxed DMARC alignment).
    sub = MESSAGE.replace(b"alice@example.test", b"alice@news.example.test")
    r = dkim_sign(keyed, sub)
    assert r.returncode == 0 and b"d=example.test;" in r.stdout


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to hand files to another user")
def test_domain_add_as_root_gives_keys_to_the_service_user(server_factory):
    nobody = pwd.getpwnam("nobody")
    s = server_factory()
    with open(s.config_path) as f:
        text = f.read().replace('user = ""', 'user = "nobody"')
    with open(s.config_path, "w") as f:
        f.write(text)
    s.cli("domain", "add", DOMAIN)
    top = os.path.join(s.data_dir, "dkim")
    paths = [top] + [os.path.join(dp, n) for dp, dns_, fs in os.walk(top) for n in dns_ + fs]
    assert len(paths) == 4  # dkim/, dkim/example.test/ and two keys
    for p in paths:
        assert os.stat(p).st_uid == nobody.pw_uid, p
