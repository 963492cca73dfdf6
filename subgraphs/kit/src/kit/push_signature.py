"""Signing the events one service pushes to another over HTTP (the local transport; AWS uses
EventBridge and SQS, whose access IAM controls).

An event changes what the receiver believes (a customer exists, or is closed), so its endpoint
cannot be open: the sender signs the exact body with a shared secret (HMAC-SHA256) and a timestamp,
and the receiver refuses a bad signature, or one older than `MAX_AGE_SECONDS` (a replay).
"""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "X-Event-Signature"
MAX_AGE_SECONDS = 300


def _digest(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, now: float | None = None) -> str:
    """The header value: `t=<unix seconds>,v1=<hex HMAC of "t.body">`."""
    timestamp = int(time.time() if now is None else now)
    return f"t={timestamp},v1={_digest(secret, timestamp, body)}"


def verify(secret: str, body: bytes, header: str | None, now: float | None = None) -> bool:
    if not secret or not header:
        return False
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(parts["t"])
        given = parts["v1"]
    except (KeyError, ValueError):
        return False
    current = time.time() if now is None else now
    if abs(current - timestamp) > MAX_AGE_SECONDS:
        return False
    return hmac.compare_digest(given, _digest(secret, timestamp, body))
