"""Webhook signatures: ``X-Signature`` = hex HMAC-SHA256 over ``f"{X-Timestamp}.{raw body}"`` with the shared secret.

The timestamp is signed too and must lie within ±tolerance of now, so a captured request cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac


class SignatureRejectedError(Exception):
    """Why a webhook was refused (the message is safe to return to the caller)."""


class SignatureMismatchError(SignatureRejectedError):
    """Well-formed and fresh, but not signed with this secret (perhaps with the one before a rotation)."""


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def verify(secret: str, signature: str | None, timestamp: str | None, body: bytes, now: float, tolerance: int) -> None:
    """Raise SignatureRejectedError with the reason unless the signature and timestamp are valid."""
    if not signature:
        raise SignatureRejectedError("missing X-Signature header")
    if not timestamp:
        raise SignatureRejectedError("missing X-Timestamp header")
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise SignatureRejectedError("X-Timestamp must be unix seconds") from None
    if abs(now - sent_at) > tolerance:
        raise SignatureRejectedError(f"X-Timestamp is outside the ±{tolerance} s tolerance")
    # compare_digest takes the same time wherever the strings differ, so timing reveals nothing about the secret.
    if not hmac.compare_digest(sign(secret, timestamp, body), signature.lower()):
        raise SignatureMismatchError("X-Signature does not match the payload")
