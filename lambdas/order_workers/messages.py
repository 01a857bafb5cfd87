"""Reading the bus event a fan-out queue message carries (SNS raw delivery: the body is the EventBridge event)."""

from __future__ import annotations

import json
from collections.abc import Collection

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from shared.envelope import Event, InvalidEventError


def event_from(record: SQSRecord, accepted: Collection[str] | None = None) -> Event:
    """The envelope in ``record``; InvalidEventError naming the problem for a body that is not one of ``accepted``.

    A type outside ``accepted`` means the subscription's filter policy and the worker disagree: it fails the item
    (and ends in the DLQ, where the alarm shows it) rather than being dropped silently.
    """
    try:
        body = json.loads(record.body)
    except ValueError as error:
        raise InvalidEventError(f"message {record.message_id} is not JSON: {error}") from None
    event = Event.from_bridge(body)
    if accepted is not None and event.type not in accepted:
        raise InvalidEventError(
            f"message {record.message_id} carries {event.type}; this worker handles {sorted(accepted)}"
        )
    return event
