"""clickstream processor: Kinesis batches -> per-minute counters in the metrics table.

A record's data is JSON ``{"type": "page_view", "page": "/products/42", "occurredAt": "2024-05-01T12:34:56Z"}``
(occurredAt: ISO-8601 with an offset, or unix seconds). It adds 1 to ``count`` of ``CLICKS#<yyyy-mm-ddTHH:MM>`` /
``<type>#<page>`` (UTC minute) with an atomic ADD. Kinesis redelivers records after a failure in the same batch, so
each record's counter update and a processed marker for its eventID are written in one transaction: counted once.
A record that is not such JSON is reported as a failed item; the rest of the batch is counted.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.kinesis_stream_event import KinesisStreamRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from shared.config import require
from shared.dynamo import add_counts, apply_once
from shared.observability import count, entrypoint

METRICS_TABLE = require("METRICS_TABLE")
MAX_FIELD_LENGTH = 256

processor = BatchProcessor(event_type=EventType.KinesisDataStreams, raise_on_entire_batch_failure=False)


class InvalidClickError(ValueError):
    """A clickstream record that cannot be counted; the message names what is wrong."""


def minute_of(occurred_at: object) -> str:
    """The UTC minute (``yyyy-mm-ddTHH:MM``) of an ISO-8601 timestamp with an offset or of unix seconds."""
    if isinstance(occurred_at, int | float) and not isinstance(occurred_at, bool):
        moment = datetime.fromtimestamp(occurred_at, UTC)
    elif isinstance(occurred_at, str):
        try:
            moment = datetime.fromisoformat(occurred_at)
        except ValueError:
            raise InvalidClickError(f"occurredAt {occurred_at!r} is not an ISO-8601 timestamp") from None
        if moment.tzinfo is None:
            raise InvalidClickError(f"occurredAt {occurred_at!r} has no UTC offset")
    else:
        raise InvalidClickError(f"occurredAt must be an ISO-8601 string or unix seconds, got {occurred_at!r}")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")


def click_key(record: KinesisStreamRecord) -> dict[str, str]:
    """The aggregate item a record counts towards."""
    try:
        click = record.kinesis.data_as_json()
    except ValueError as error:
        raise InvalidClickError(f"record {record.event_id} is not JSON: {error}") from None
    if not isinstance(click, dict):
        raise InvalidClickError(f"record {record.event_id} must be a JSON object")
    for name in ("type", "page"):
        value = click.get(name)
        if not isinstance(value, str) or not 0 < len(value) <= MAX_FIELD_LENGTH:
            raise InvalidClickError(
                f"record {record.event_id}: {name!r} must be a string of 1 to {MAX_FIELD_LENGTH} characters"
            )
    return {"pk": f"CLICKS#{minute_of(click.get('occurredAt'))}", "sk": f"{click['type']}#{click['page']}"}


def record_handler(record: KinesisStreamRecord) -> None:
    counter = add_counts(METRICS_TABLE, click_key(record), {"count": 1})
    if apply_once(METRICS_TABLE, record.event_id, [counter]):
        count("ClicksCounted")


@entrypoint()
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
