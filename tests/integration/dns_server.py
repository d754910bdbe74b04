"""A real authoritative DNS server (nsd) on 127.0.0.1 for integration tests.

    from dns_server import DnsServer
    with DnsServer(tmpdir, {"example.test": ["@ MX 10 mx.example.test.",
                                             "mx A 127.0.0.1",
                                             '@ TXT "v=spf1 ip4:127.0.0.1 -all"']}) as dns:
        dns.port       # UDP and TCP port on 127.0.0.1
        dns.address    # "127.0.0.1:PORT", the value for postino's [dns] servers
        dns.set_zone("example.test", [...])   # rewrite a zone; returns once nsd serves it

Records are zone-file lines relative to the zone origin ("@" is the origin).
The class writes the SOA and NS records itself, and splits TXT strings longer
than 255 octets into several character-strings (RFC 1035 §3.3.14: each
<character-string> holds at most 255 octets; SPF and DKIM readers concatenate
them, RFC 7208 §3.3, RFC 6376 §3.6.2.2).

Zones named in `signed` are DNSSEC-signed (RFC 4033-4035) with a key made
by ldns-keygen (ECDSA P-256, algorithm 13) and ldns-signzone (NSEC), again on
every set_zone(); dns.trust_anchor(zone) gives the zone's DS record, for
postino's [dns] trust_anchors:

    with DnsServer(tmpdir, {"dane.test": [...]}, signed=["dane.test"]) as dns:
        dns.trust_anchor("dane.test")  # "dane.test. 3600 IN DS 2371 13 2 ..."

nsd runs unprivileged in the foreground (-d) with its own configuration, zone
files, pid file and logs in the temporary directory; it is stopped on exit.
After a start or a zone change the class waits until nsd answers with the
zone's new SOA serial, queried with dnspython.
"""
import os
import re
import signal
import socket
import subprocess
import time

import dns.exception
import dns.message
import dns.query
import dns.rdatatype

NSD = os.environ.get("NSD_BIN", "/usr/sbin/nsd")
LDNS_KEYGEN = "/usr/bin/ldns-keygen"
LDNS_SIGNZONE = "/usr/bin/ldns-signzone"
MAX_STRING = 255  # RFC 1035 §3.3: one <character-string> is at most 255 octets


def _free_port():
    """A port free for both UDP and TCP on 127.0.0.1."""
    for _ in range(100):
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            t.bind(("127.0.0.1", 0))
            port = t.getsockname()[1]
            try:
                u.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
        finally:
            t.close()
            u.close()
    raise RuntimeError("no free port for nsd")


_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')


def _split_long_strings(record):
    """Rewrites each quoted string longer than 255 octets as several strings.

    The length is counted on the unescaped text; escapes (\\" \\\\ \\DDD) are
    kept whole so no string is cut inside one."""

    def split(match):
        body = match.group(1)
        tokens = re.findall(r'\\[0-9]{3}|\\.|[^\\]', body)
        if len(tokens) <= MAX_STRING:
            return match.group(0)
        parts = ["".join(tokens[i:i + MAX_STRING]) for i in range(0, len(tokens), MAX_STRING)]
        return " ".join(f'"{p}"' for p in parts)

    return _QUOTED.sub(split, record)


class DnsServer:
    def __init__(self, tmpdir, zones, timeout=20.0, signed=()):
        self.dir = os.path.join(str(tmpdir), "nsd")
        os.makedirs(self.dir, exist_ok=True)
        self.port = _free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.timeout = timeout
        self.zones = {}
        self.serials = {}
        self.proc = None
        self.log_path = os.path.join(self.dir, "nsd.log")
        self.keys = {}  # signed zone -> ldns key base name (path without extension)
        for name in signed:
            self._make_key(name.rstrip(".").lower())
        for name, records in zones.items():
            self._write_zone(name, records)
        self._write_config()

    # -- context manager -------------------------------------------------

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    # -- public API ------------------------------------------------------

    def start(self):
        if not os.path.exists(NSD):
            raise RuntimeError(f"{NSD} is not installed")
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([NSD, "-d", "-c", self.conf_path],
                                     stdout=self._log, stderr=subprocess.STDOUT,
                                     cwd=self.dir)
        for zone in self.zones:
            self._wait_serial(zone)
        return self

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        self._log.close()

    def set_zone(self, zone, records):
        """Writes `zone` anew and blocks until nsd serves its new serial.

        A zone nsd already knows is reloaded with SIGHUP (nsd re-reads zone
        files whose mtime changed); a new zone changes the configuration, so
        nsd is restarted on the same port."""
        zone = zone.rstrip(".").lower()
        known = zone in self.zones
        self._write_zone(zone, records)
        if not known:
            self._write_config()
        if self.proc is None:
            return
        if known:
            self.proc.send_signal(signal.SIGHUP)
            self._wait_serial(zone)
        else:
            self.stop()
            self.start()

    def trust_anchor(self, zone):
        """The DS record (presentation form, one line) of a signed zone's key."""
        with open(self.keys[zone.rstrip(".").lower()] + ".ds") as f:
            return " ".join(f.read().split())

    def log_text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    # -- internals -------------------------------------------------------

    @property
    def conf_path(self):
        return os.path.join(self.dir, "nsd.conf")

    def _zone_path(self, zone):
        return os.path.join(self.dir, f"{zone}.zone")

    def _write_zone(self, zone, records):
        zone = zone.rstrip(".").lower()
        serial = self.serials.get(zone, 0) + 1
        self.serials[zone] = serial
        self.zones[zone] = list(records)
        lines = [
            f"$ORIGIN {zone}.",
            "$TTL 60",
            f"@ IN SOA ns.{zone}. hostmaster.{zone}. {serial} 3600 600 86400 60",
            f"@ IN NS ns.{zone}.",
        ]
        lines += [_split_long_strings(r) for r in records]
        path = self._zone_path(zone)
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            f.write("\n".join(lines) + "\n")
        if zone in self.keys:
            # RFC 4035 §2: RRSIGs over every RRset, NSEC chain, DNSKEY at the apex.
            subprocess.run([LDNS_SIGNZONE, "-f", tmp + ".signed", "-o", f"{zone}.", tmp,
                            self.keys[zone]], check=True, capture_output=True)
            os.replace(tmp + ".signed", tmp)
        os.replace(tmp, path)
        # nsd reloads on SIGHUP only if the mtime changed: make each write newer.
        stamp = time.time() + serial
        os.utime(path, (stamp, stamp))

    def _make_key(self, zone):
        keydir = os.path.join(self.dir, "keys")
        os.makedirs(keydir, exist_ok=True)
        # -k: a key-signing key (flags 257), which also signs the zone's data.
        out = subprocess.run([LDNS_KEYGEN, "-a", "ECDSAP256SHA256", "-k", f"{zone}."],
                             cwd=keydir, check=True, capture_output=True, text=True).stdout
        self.keys[zone] = os.path.join(keydir, out.strip())

    def _write_config(self):
        d = self.dir
        lines = [
            "server:",
            '  ip-address: 127.0.0.1',
            f"  port: {self.port}",
            '  username: ""',
            '  chroot: ""',
            f'  zonesdir: "{d}"',
            f'  pidfile: "{d}/nsd.pid"',
            '  database: ""',
            f'  xfrdfile: "{d}/xfrd.state"',
            f'  xfrdir: "{d}/xfr"',
            f'  zonelistfile: "{d}/zone.list"',
            f'  logfile: "{d}/nsd.log"',
            "  server-count: 1",
            "  tcp-count: 64",
            "  verbosity: 1",
            "  hide-version: yes",
            "remote-control:",
            "  control-enable: no",
            "",
        ]
        for zone in self.zones:
            lines += ["zone:", f"  name: {zone}", f'  zonefile: "{self._zone_path(zone)}"', ""]
        os.makedirs(os.path.join(d, "xfr"), exist_ok=True)
        # A zone list left by a previous run would add zones nsd no longer has.
        zl = os.path.join(d, "zone.list")
        if os.path.exists(zl):
            os.remove(zl)
        with open(self.conf_path, "w") as f:
            f.write("\n".join(lines) + "\n")

    def _soa_serial(self, zone):
        q = dns.message.make_query(zone + ".", dns.rdatatype.SOA)
        r = dns.query.udp(q, "127.0.0.1", port=self.port, timeout=0.5)
        for rrset in r.answer:
            if rrset.rdtype == dns.rdatatype.SOA:
                return rrset[0].serial
        return None

    def _wait_serial(self, zone):
        want = self.serials[zone]
        deadline = time.time() + self.timeout
        last = None
        while time.time() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"nsd exited with {self.proc.returncode}:\n{self.log_text()}")
            try:
                last = self._soa_serial(zone)
                if last == want:
                    return
            except (dns.exception.Timeout, OSError) as e:
                last = e
            time.sleep(0.05)
        raise TimeoutError(f"nsd did not serve {zone} serial {want} (last: {last}):\n{self.log_text()}")


def nsd_available():
    return os.path.exists(NSD)
