"""Client side of SCRAM-SHA-256 (RFC 5802 §3, RFC 7677) for the integration tests.

Messages are plain strings; each test puts them into its protocol's framing
(base64 in SMTP AUTH, IMAP AUTHENTICATE and POP3 AUTH). Salted passwords are
cached per (password, salt, iterations): the PBKDF2 step is the slow part and
a test may log the same account in many times.
"""
import base64
import hashlib
import hmac
import os

_salted_cache = {}


class ScramClient:
    def __init__(self, user, password):
        self.user, self.password = user, password
        self.cnonce = base64.b64encode(os.urandom(18)).decode()
        self.first_bare = f"n={user},r={self.cnonce}"
        self.server_signature = None

    def first(self):
        """client-first-message (no channel binding)."""
        return "n,," + self.first_bare

    def final(self, server_first):
        """client-final-message with the proof, for server-first-message."""
        attrs = dict(kv.split("=", 1) for kv in server_first.split(","))
        assert attrs["r"].startswith(self.cnonce), server_first
        salt, iters = base64.b64decode(attrs["s"]), int(attrs["i"])
        key = (self.password, salt, iters)
        if key not in _salted_cache:
            _salted_cache[key] = hashlib.pbkdf2_hmac("sha256", self.password.encode(), salt, iters)
        salted = _salted_cache[key]
        client_key = hmac.new(salted, b"Client Key", "sha256").digest()
        stored_key = hashlib.sha256(client_key).digest()
        without_proof = f"c=biws,r={attrs['r']}"
        auth_msg = f"{self.first_bare},{server_first},{without_proof}".encode()
        proof = bytes(a ^ b for a, b in
                      zip(client_key, hmac.new(stored_key, auth_msg, "sha256").digest()))
        server_key = hmac.new(salted, b"Server Key", "sha256").digest()
        self.server_signature = hmac.new(server_key, auth_msg, "sha256").digest()
        return f"{without_proof},p={base64.b64encode(proof).decode()}"

    def verify(self, server_final):
        """Asserts the server-final-message proves the server knows the password."""
        assert server_final == "v=" + base64.b64encode(self.server_signature).decode(), server_final


def b64(text):
    return base64.b64encode(text.encode()).decode()


def unb64(text):
    return base64.b64decode(text).decode()
