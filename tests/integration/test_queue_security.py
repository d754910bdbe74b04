"""Outbound security end to end, through the real binary, a real nsd and a
receiving SMTP server on loopback:

- every message the queue sends carries DKIM signatures (rsa-sha256 and
  ed25519-sha256, keys made by `postino domain add`, records published from
  `postino dns DOMAIN` into nsd) that python3-dkim (dkimpy) verifies;
- a domain with an MTA-STS policy in enforce mode (RFC 8461 §5) whose MX does
  not offer STARTTLS is not delivered to in clear: the message stays queued.
"""
import os

import dkim
import pytest

from dns_server import DnsServer, nsd_available
from test_dkim_keys import dnsfunc_for, records_of
from test_mta_sts import PolicyServer, make_ca_and_cert
from test_queue import (ScriptedMx, make_message, queue_config, queue_ids, start_sender, submit,
                        wait_until)

pytestmark = pytest.mark.skipif(not nsd_available(), reason="nsd is not installed")

REMOTE_ZONE = ["@ MX 10 mx.remote.test.", "mx A 127.0.0.1"]


def test_outbound_dkim_signatures_verify_with_dkimpy(server_factory, tmp_path):
    mx = ScriptedMx()
    with DnsServer(tmp_path, {"remote.test": REMOTE_ZONE}) as dns_srv:
        try:
            srv = start_sender(server_factory, queue_config(dns_srv, mx.port))
            # Publish what `postino dns` prints for the sender's domain.
            published = records_of(srv.cli("dns", "example.test").stdout)
            assert any("._domainkey.example.test." in r for r in published), published
            dns_srv.set_zone("example.test", published)

            body = "Signed on the way out.\r\n.A line with a leading dot.\r\n"
            submit(srv, ["friend@remote.test"], make_message("signed out", body=body))
            assert wait_until(lambda: len(mx.messages) >= 1, timeout=30), srv.log_text()[-3000:]
            _, rcpts, data = mx.messages[0]
            assert rcpts == ["friend@remote.test"]
            assert b"Signed on the way out." in data

            d = dkim.DKIM(data)
            sigs = [v for k, v in d.headers if k.lower() == b"dkim-signature"]
            algos = sorted(next(t.split(b"=")[1].strip() for t in s.split(b";")
                                if t.strip().startswith(b"a=")) for s in sigs)
            assert algos == [b"ed25519-sha256", b"rsa-sha256"], sigs
            dnsfunc = dnsfunc_for(dns_srv)
            for idx in range(len(sigs)):
                assert dkim.DKIM(data).verify(idx=idx, dnsfunc=dnsfunc), f"signature {idx}"
            # And the signatures cover the body: a changed body fails both.
            tampered = data.replace(b"Signed on the way out.", b"Changed on the way.")
            for idx in range(len(sigs)):
                with pytest.raises(dkim.ValidationError):
                    dkim.DKIM(tampered).verify(idx=idx, dnsfunc=dnsfunc)
        finally:
            mx.close()


def test_mta_sts_enforce_domain_is_not_delivered_in_clear(server_factory, tmp_path):
    pki = tmp_path / "pki"
    pki.mkdir()
    ca, cert, key = make_ca_and_cert(str(pki), ["mta-sts.remote.test"])
    zone = REMOTE_ZONE + ['_mta-sts TXT "v=STSv1; id=enforce1;"', "mta-sts A 127.0.0.1"]
    # The MX host offers no STARTTLS at all.
    mx = ScriptedMx(ehlo_extra=("PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES"))
    with DnsServer(tmp_path, {"remote.test": zone}) as dns_srv, PolicyServer(cert, key) as web:
        web.body = ("version: STSv1\r\nmode: enforce\r\nmx: mx.remote.test\r\n"
                    "max_age: 86400\r\n")
        try:
            extra = f'mta_sts_port = {web.port}\ntls_ca_file = "{ca}"\n'
            srv = start_sender(server_factory, queue_config(dns_srv, mx.port, extra=extra))
            # The policy as postino sees it.
            shown = srv.cli("dns", "mta-sts", "remote.test").stdout
            assert "mode: enforce" in shown, shown

            submit(srv, ["friend@remote.test"], make_message("must be encrypted"))
            # Wait for a completed attempt: it must be deferred for want of TLS.
            assert wait_until(lambda: "queue.attempt" in srv.log_text(), timeout=30), \
                srv.log_text()[-3000:]
            log = srv.log_text()
            attempt = [l for l in log.splitlines() if "queue.attempt" in l][0]
            assert "status=deferred" in attempt, attempt
            assert "4.7.5" in attempt or "TLS" in attempt.upper(), attempt
            # Nothing of the envelope or the message reached the MX in clear.
            assert mx.messages == []
            assert sum(mx.rcpt_attempts.values()) == 0
            assert web.requests and web.requests[0][0] == "/.well-known/mta-sts.txt"
            # Still queued for a later attempt.
            assert len(queue_ids(srv)) == 1
        finally:
            mx.close()
