"""Signing the events one service pushes to another over HTTP (the local transport; AWS uses
EventBridge and SQS, whose access IAM controls).

An event changes what the receiver believes (a customer exists, or is closed), so its endpoint
cannot be open: the sender signs the exact body with a shared secret (HMAC-SHA256) and a timestamp,
and the receiver refuses a bad signature, or one older than `MAX_AGE_SECONDS` (a replay).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time

HEADER = "X-Event-Signature"
MAX_AGE_SECONDS = 300

# Exactly what `sign` writes, in ASCII: anything else (non-ASCII, which hmac.compare_digest refuses
# to compare, "١٢٣" as a timestamp, a megabyte of digits) is simply not a valid signature.
_SIGNATURE = re.compile(r"t=([0-9]{1,12}),v1=([0-9a-f]{64})", re.ASCII)


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
    match = _SIGNATURE.fullmatch(header)
    if match is None:
        return False
    timestamp, given = int(match.group(1)), match.group(2)
    current = time.time() if now is None else now
    if abs(current - timestamp) > MAX_AGE_SECONDS:
        return False
    return hmac.compare_digest(given.encode(), _digest(secret, timestamp, body).encode())
