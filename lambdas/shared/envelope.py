"""The domain event envelope shared by the event store, the bus and every consumer.

Wire shape (JSON): ``{"id", "type", "aggregateId", "version", "occurredAt", "data"}``. On the bus it is the
``detail`` of an EventBridge event whose source is ``orders.platform`` and whose detail-type is the envelope type.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

SOURCE = "orders.platform"


class InvalidEventError(ValueError):
    """A payload that is not a well-formed event envelope; the message names what is wrong."""


def utc_iso(moment: datetime | None = None) -> str:
    """ISO-8601 UTC with milliseconds and a ``Z``: one format everywhere, so timestamps compare as strings."""
    moment = moment or datetime.now(UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class Event:
    id: str
    type: str
    aggregate_id: str
    version: int
    occurred_at: str
    data: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def new(cls, type: str, aggregate_id: str, version: int, data: dict[str, Any]) -> Event:
        return cls(str(uuid.uuid4()), type, aggregate_id, version, utc_iso(), data)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "aggregateId": self.aggregate_id,
            "version": self.version,
            "occurredAt": self.occurred_at,
            "data": self.data,
        }

    @classmethod
    def from_dict(cls, raw: object) -> Event:
        if not isinstance(raw, Mapping):
            raise InvalidEventError(f"event envelope must be a JSON object, got {type(raw).__name__}")
        version = raw.get("version")
        # bool is an int subclass; numbers read from DynamoDB arrive as int after plain() conversion.
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise InvalidEventError(f"event envelope field 'version' must be an integer >= 1, got {version!r}")
        data = raw.get("data", {})
        if not isinstance(data, Mapping):
            raise InvalidEventError(f"event envelope field 'data' must be an object, got {type(data).__name__}")
        return cls(
            _text(raw, "id"),
            _text(raw, "type"),
            _text(raw, "aggregateId"),
            version,
            _text(raw, "occurredAt"),
            dict(data),
        )

    @classmethod
    def from_bridge(cls, bus_event: object) -> Event:
        """The envelope carried by an EventBridge event (its ``detail``)."""
        if not isinstance(bus_event, Mapping) or "detail" not in bus_event:
            raise InvalidEventError("not an EventBridge event: the 'detail' field is missing")
        event = cls.from_dict(bus_event["detail"])
        detail_type = bus_event.get("detail-type")
        if detail_type is not None and detail_type != event.type:
            raise InvalidEventError(f"detail-type {detail_type!r} does not match the envelope type {event.type!r}")
        return event


def _text(raw: Mapping[str, Any], name: str) -> str:
    value = raw.get(name)
    if not isinstance(value, str) or not value:
        raise InvalidEventError(f"event envelope field {name!r} must be a non-empty string, got {value!r}")
    return value
