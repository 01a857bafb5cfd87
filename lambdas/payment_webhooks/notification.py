"""The provider's webhook payload: a JSON object with at least ``eventId``, ``type`` and ``orderId`` (strings)."""

from __future__ import annotations

import json
from typing import Any

REQUIRED_FIELDS = ("eventId", "type", "orderId")


class InvalidNotificationError(ValueError):
    """The payload is not a webhook event; the message names what is wrong."""


def parse_notification(body: bytes | str) -> dict[str, Any]:
    try:
        payload = json.loads(body)
    except ValueError as error:
        raise InvalidNotificationError(f"Webhook payload is not JSON: {error}") from None
    if not isinstance(payload, dict):
        raise InvalidNotificationError("Webhook payload must be a JSON object")
    for name in REQUIRED_FIELDS:
        if not isinstance(payload.get(name), str) or not payload[name]:
            raise InvalidNotificationError(f"Webhook payload field {name!r} must be a non-empty string")
    return payload
