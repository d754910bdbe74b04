"""Mail authentication on the MX listener against a real DNS server (nsd,
dns_server.py) holding SPF, DKIM and DMARC records: messages signed by
python3-dkim (RSA and Ed25519) arrive with dkim=pass and dmarc=pass in
Authentication-Results (read back over IMAP), SPF pass and fail are reported,
a p=reject domain that fails is refused with 550 5.7.1, p=quarantine goes to
Junk, a forged Authentication-Results with our authserv-id is removed, and
python3-spf (pyspf, asking the same nsd) agrees with postino on the SPF result
of every SPF record in the test zone."""
import base64
import email
import imaplib
import re
import smtplib

import dkim
import dns.resolver
import pytest
import spf
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from dns_server import DnsServer, nsd_available

pytestmark = pytest.mark.skipif(not nsd_available(), reason="nsd is not installed")

AUTHSERV_ID = "mail.example.test"  # server.hostname in conftest's config
ALICE = ("alice@example.test", "alice-secret")


def rsa_key():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    der = key.public_key().public_bytes(serialization.Encoding.DER,
                                        serialization.PublicFormat.SubjectPublicKeyInfo)
    return pem, f"v=DKIM1; k=rsa; p={base64.b64encode(der).decode()}"


def ed25519_key():
    key = ed25519.Ed25519PrivateKey.generate()
    seed = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                             serialization.NoEncryption())
    pub = key.public_key().public_bytes(serialization.Encoding.Raw,
                                        serialization.PublicFormat.Raw)
    # python3-dkim takes the Ed25519 private key as the base64 of its seed (RFC 8463 §4).
    return base64.b64encode(seed), f"v=DKIM1; k=ed25519; p={base64.b64encode(pub).decode()}"


# SPF records for the agreement test: name (below spf.test) -> record, and the
# result both implementations must give for a client at 127.0.0.1.
SPF_CASES = {
    "pass": ("v=spf1 ip4:127.0.0.1 -all", "pass"),
    "fail": ("v=spf1 ip4:192.0.2.1 -all", "fail"),
    "softfail": ("v=spf1 ip4:192.0.2.1 ~all", "softfail"),
    "neutral": ("v=spf1 ?all", "neutral"),
    "none": (None, "none"),
    "syntax": ("v=spf1 ip4:127.0.0.1/40 -all", "permerror"),
    "unknown-mech": ("v=spf1 frobnicate:x -all", "permerror"),
    "include": ("v=spf1 include:pass.spf.test -all", "pass"),
    "include-fail": ("v=spf1 include:fail.spf.test ~all", "softfail"),
    "include-none": ("v=spf1 include:none.spf.test -all", "permerror"),
    "redirect": ("v=spf1 redirect=fail.spf.test", "fail"),
    "redirect-pass": ("v=spf1 redirect=pass.spf.test", "pass"),
    "a": ("v=spf1 a -all", "pass"),
    "a-other": ("v=spf1 a:other.spf.test -all", "fail"),
    "mx": ("v=spf1 mx -all", "pass"),
    "mx-other": ("v=spf1 mx:a-other.spf.test ?all", "neutral"),
    "exists": ("v=spf1 exists:%{i}.ok.spf.test -all", "pass"),
    "macro-ir": ("v=spf1 exists:%{ir}.%{v}._spf.%{d2} -all", "pass"),
    "macro-local": ("v=spf1 exists:%{l}.users.spf.test -all", "pass"),
    "macro-bad": ("v=spf1 exists:%{z}.spf.test -all", "permerror"),
    "cidr": ("v=spf1 ip4:127.0.0.0/8 ip6:::1/128 -all", "pass"),
    "two-records": (["v=spf1 +all", "v=spf1 -all"], "permerror"),
}


def spf_zone():
    recs = [
        "a A 127.0.0.1",
        "other A 192.0.2.7",
        "mx MX 10 mxhost.spf.test.",
        "mxhost A 127.0.0.1",
        "a-other MX 10 other.spf.test.",
        "127.0.0.1.ok A 127.0.0.2",
        "1.0.0.127.in-addr._spf.spf.test. A 127.0.0.2",
        "sender.users A 127.0.0.2",
        "none A 127.0.0.1",  # the name exists, with no SPF record
    ]
    for name, (record, _) in SPF_CASES.items():
        if record is None:
            continue
        for r in record if isinstance(record, list) else [record]:
            recs.append(f'{name} TXT "{r}"')
    return recs


@pytest.fixture(scope="module")
def keys():
    return {"rsa": rsa_key(), "ed": ed25519_key()}


@pytest.fixture
def env(tmp_path, server_factory, keys):
    rsa_pem, rsa_txt = keys["rsa"]
    _, ed_txt = keys["ed"]
    zones = {
        "sender.test": [
            '@ TXT "v=spf1 ip4:127.0.0.1 -all"',
            f'rsa._domainkey TXT "{rsa_txt}"',
            f'ed._domainkey TXT "{ed_txt}"',
            '_dmarc TXT "v=DMARC1; p=reject; rua=mailto:dmarc@sender.test"',
        ],
        "reject.test": ['@ TXT "v=spf1 -all"', '_dmarc TXT "v=DMARC1; p=reject"'],
        "quarantine.test": ['@ TXT "v=spf1 -all"', '_dmarc TXT "v=DMARC1; p=quarantine"'],
        "spf.test": spf_zone(),
        # The parent zone, so that DMARC Tree Walks above the test domains
        # (RFC 9989 §4.10) get NXDOMAIN, as under a real TLD, not REFUSED.
        "test": [],
    }
    with DnsServer(tmp_path, zones) as ns:
        cfg = f'[dns]\nservers = ["{ns.address}"]\n\n[mailauth]\nenabled = true\n'
        s = server_factory(cfg)
        s.cli("domain", "add", "example.test")
        s.cli("user", "add", ALICE[0], "--password-stdin", input=ALICE[1] + "\n")
        s.start()
        yield s, ns


def message(sender, subject, extra=""):
    return (f"{extra}From: Sender <{sender}>\r\nTo: alice@example.test\r\nSubject: {subject}\r\n"
            f"Date: Fri, 27 Nov 2026 00:00:00 +0000\r\nMessage-ID: <{subject}@t>\r\n\r\n"
            f"Hello Alice.\r\n").encode()


def send(server, mail_from, msg):
    with smtplib.SMTP("127.0.0.1", server.ports["smtp"], local_hostname="client.sender.test") as c:
        return c.sendmail(mail_from, ["alice@example.test"], msg)


def fetch_all(server, mailbox="INBOX"):
    m = imaplib.IMAP4("127.0.0.1", server.ports["imap"])
    m.login(*ALICE)
    typ, _ = m.select(mailbox, readonly=True)
    assert typ == "OK"
    typ, data = m.uid("SEARCH", None, "ALL")
    assert typ == "OK"
    uids = data[0].split()
    out = []
    if uids:
        typ, data = m.uid("FETCH", b",".join(uids).decode(), "(BODY.PEEK[])")
        assert typ == "OK"
        out = [item[1] for item in data if isinstance(item, tuple)]
    m.logout()
    return out


def authres(raw):
    """Our Authentication-Results field, unfolded (it is the first field)."""
    msg = email.message_from_bytes(raw)
    fields = msg.get_all("Authentication-Results") or []
    ours = [re.sub(r"\s+", " ", f) for f in fields if f.strip().lower().startswith(AUTHSERV_ID)]
    assert len(ours) == 1, fields
    assert raw.startswith(b"Authentication-Results: " + AUTHSERV_ID.encode()), raw[:200]
    return ours[0]


def test_dkim_signed_message_passes_dkim_and_dmarc(env, keys):
    server, _ = env
    rsa_pem, _ = keys["rsa"]
    ed_seed, _ = keys["ed"]
    msg = message("alice@sender.test", "signed")
    sig_rsa = dkim.sign(msg, b"rsa", b"sender.test", rsa_pem)
    sig_ed = dkim.sign(msg, b"ed", b"sender.test", ed_seed, signature_algorithm=b"ed25519-sha256")
    send(server, "bounce@sender.test", sig_ed + sig_rsa + msg)
    (raw,) = fetch_all(server)
    ar = authres(raw)
    assert "spf=pass" in ar and "smtp.mailfrom=sender.test" in ar, ar
    assert re.search(r"dkim=pass header\.d=sender\.test header\.s=rsa header\.a=rsa-sha256", ar), ar
    assert re.search(r"dkim=pass header\.d=sender\.test header\.s=ed header\.a=ed25519-sha256",
                     ar), ar
    assert re.search(r"dmarc=pass \(p=reject dis=none\) header\.from=sender\.test", ar), ar
    # Our fields on top did not break the signatures: python3-dkim agrees.
    assert dkim.verify(raw, dnsfunc=lambda name, timeout=5: txt(env[1], name))


def txt(ns, name):
    r = dns.resolver.Resolver(configure=False)
    r.nameservers = ["127.0.0.1"]
    r.port = ns.port
    try:
        ans = r.resolve(name.decode().rstrip("."), "TXT")
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return None
    return b"".join(ans[0].strings)


def test_spf_pass_and_fail_are_reported(env):
    server, _ = env
    send(server, "x@pass.spf.test", message("x@pass.spf.test", "spfpass"))
    send(server, "x@fail.spf.test", message("x@fail.spf.test", "spffail"))
    by_subject = {email.message_from_bytes(r)["Subject"]: authres(r) for r in fetch_all(server)}
    assert "spf=pass (matched ip4) smtp.mailfrom=pass.spf.test" in by_subject["spfpass"]
    assert "spf=fail" in by_subject["spffail"]
    assert "smtp.mailfrom=fail.spf.test" in by_subject["spffail"]
    # No DMARC record for spf.test: DMARC does not apply.
    assert "dmarc=none header.from=fail.spf.test" in by_subject["spffail"]


def test_dmarc_reject_is_refused(env):
    server, _ = env
    with pytest.raises(smtplib.SMTPDataError) as e:
        send(server, "ceo@reject.test", message("ceo@reject.test", "spoof"))
    assert e.value.smtp_code == 550
    assert e.value.smtp_error.startswith(b"5.7.1 "), e.value.smtp_error
    assert fetch_all(server) == []
    assert fetch_all(server, "Junk") == []


def test_dmarc_quarantine_goes_to_junk(env):
    server, _ = env
    send(server, "x@quarantine.test", message("x@quarantine.test", "quarantined"))
    assert fetch_all(server) == []
    (raw,) = fetch_all(server, "Junk")
    ar = authres(raw)
    assert re.search(r'dmarc=fail \(p=quarantine dis=quarantine\) reason="[^"]+" '
                     r'header\.from=quarantine\.test', ar), ar
    assert "spf=fail" in ar


def test_forged_authentication_results_removed(env):
    server, _ = env
    forged = ("Authentication-Results: Mail.Example.Test;\r\n\tdkim=pass header.d=bank.test;\r\n"
              "\tdmarc=pass header.from=bank.test\r\n"
              "Authentication-Results: relay.other.example; spf=pass smtp.mailfrom=x.test\r\n")
    send(server, "x@pass.spf.test", message("x@pass.spf.test", "forged", extra=forged))
    (raw,) = fetch_all(server)
    assert b"bank.test" not in raw
    assert b"Authentication-Results: relay.other.example; spf=pass" in raw
    ar = authres(raw)
    assert "spf=pass" in ar and "dkim=none" in ar


def pyspf_result(ns, ip, sender, helo):
    r = dns.resolver.Resolver(configure=False)
    r.nameservers = ["127.0.0.1"]
    r.port = ns.port
    r.lifetime = 5
    saved = dns.resolver.default_resolver
    dns.resolver.default_resolver = r  # pyspf asks dns.resolver.query()
    try:
        result, _ = spf.check2(i=ip, s=sender, h=helo)
    finally:
        dns.resolver.default_resolver = saved
    return result


def test_spf_results_agree_with_pyspf(env):
    server, ns = env
    with smtplib.SMTP("127.0.0.1", server.ports["smtp"], local_hostname="client.sender.test") as c:
        for name in SPF_CASES:
            sender = f"sender@{name}.spf.test"
            c.sendmail(sender, ["alice@example.test"], message(sender, name))
    ours = {}
    for raw in fetch_all(server):
        subject = email.message_from_bytes(raw)["Subject"]
        ours[subject] = re.search(r"spf=([a-z]+)", authres(raw)).group(1)
    assert set(ours) == set(SPF_CASES)
    for name, (record, expected) in SPF_CASES.items():
        theirs = pyspf_result(ns, "127.0.0.1", f"sender@{name}.spf.test", "client.sender.test")
        assert (name, ours[name]) == (name, theirs), f"{name}: {record!r}"
        assert ours[name] == expected, f"{name}: {record!r}"
