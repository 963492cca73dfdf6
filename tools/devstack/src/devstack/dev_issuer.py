"""The development token issuer: ES256 signing keys under `.data/auth/keys/`, their JWKS served on
loopback, and tokens for the three roles (`devstack token`).

It stands in for Cognito locally: the subgraphs and the router verify its tokens exactly as they
verify Cognito's in AWS (AUTH_ISSUER, AUTH_AUDIENCE, AUTH_JWKS_URL). The keys are generated on first
use and never leave the machine: `.data/` is git-ignored and the key files are readable by their
owner only. Rotation (`devstack rotate-keys`) adds a key and keeps the previous one published, so
tokens signed before the rotation stay valid until they expire.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from ulid import ULID

AUDIENCE = "portfolio-supergraph"
KEEP_KEYS = 2  # the signing key and the one before it
DEFAULT_TTL_SECONDS = 3600


class DevKeys:
    """Key files `<kid>.pem` in one directory; the newest signs, all of them are published."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _files(self) -> list[Path]:
        # Kids are ULIDs, so sorting by name sorts by creation time.
        return sorted(self.directory.glob("*.pem")) if self.directory.is_dir() else []

    def ensure(self) -> None:
        if not self._files():
            self.rotate()

    def rotate(self) -> str:
        """A new signing key; keys older than the previous one are deleted. Returns the new kid."""
        self.directory.mkdir(parents=True, exist_ok=True)
        self.directory.chmod(0o700)
        kid = str(ULID())
        pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        path = self.directory / f"{kid}.pem"
        # Created with 0600 from the start: no moment where another user could read it.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(pem)
        for old in self._files()[:-KEEP_KEYS]:
            old.unlink()
        return kid

    def _private_key(self, path: Path) -> ec.EllipticCurvePrivateKey:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError(f"{path} is not an EC private key")
        return key

    def signing_key(self) -> tuple[str, ec.EllipticCurvePrivateKey]:
        self.ensure()
        newest = self._files()[-1]
        return newest.stem, self._private_key(newest)

    def jwks(self) -> dict[str, Any]:
        keys = []
        for path in self._files():
            public = jwt.algorithms.ECAlgorithm.to_jwk(self._private_key(path).public_key(), as_dict=True)
            keys.append({**public, "kid": path.stem, "alg": "ES256", "use": "sig"})
        return {"keys": keys}


class DevIssuer:
    def __init__(self, keys: DevKeys, issuer: str, audience: str = AUDIENCE) -> None:
        self.keys = keys
        self.issuer = issuer
        self.audience = audience

    @classmethod
    def in_data_dir(cls, data_dir: Path, issuer: str) -> DevIssuer:
        """The issuer whose keys live with a stack's data (`.data/auth/keys` for `make dev`)."""
        return cls(DevKeys(data_dir / "auth" / "keys"), issuer)

    @property
    def jwks_url(self) -> str:
        return f"{self.issuer}/.well-known/jwks.json"

    def env(self) -> dict[str, str]:
        """What the subgraphs and the router need to trust this issuer."""
        return {"AUTH_ISSUER": self.issuer, "AUTH_AUDIENCE": self.audience, "AUTH_JWKS_URL": self.jwks_url}

    def token(self, subject: str, roles: Iterable[str], ttl: int = DEFAULT_TTL_SECONDS) -> str:
        if ttl <= 0:
            raise ValueError("ttl must be positive")
        kid, key = self.keys.signing_key()
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject,
            "roles": list(roles),
            "iat": now,
            "exp": now + ttl,
            "jti": str(ULID()),
        }
        return jwt.encode(claims, key, algorithm="ES256", headers={"kid": kid})

    def customer(self, customer_id: str, ttl: int = DEFAULT_TTL_SECONDS) -> str:
        return self.token(customer_id, ["customer"], ttl)

    def operator(self, ttl: int = DEFAULT_TTL_SECONDS) -> str:
        return self.token("dev-operator", ["operator"], ttl)

    def admin(self, ttl: int = DEFAULT_TTL_SECONDS) -> str:
        return self.token("dev-admin", ["admin"], ttl)

    def openid_configuration(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "jwks_uri": self.jwks_url,
            "id_token_signing_alg_values_supported": ["ES256"],
            "subject_types_supported": ["public"],
            "response_types_supported": ["id_token"],
        }


class IssuerServer:
    """Serves the discovery document and the JWKS on loopback, from a thread of the launcher."""

    def __init__(self, issuer: DevIssuer, host: str, port: int) -> None:
        documents = {
            "/.well-known/jwks.json": issuer.keys.jwks,
            "/.well-known/openid-configuration": issuer.openid_configuration,
        }

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                document = documents.get(self.path.split("?", 1)[0])
                body = json.dumps(document() if document else {"error": "not found"}).encode()
                self.send_response(200 if document else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "max-age=60")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return None  # quiet: the launcher's log is for the services

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, name="dev-issuer", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
