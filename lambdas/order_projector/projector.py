"""order-projector: event-store stream -> orders read model + EventBridge (the outbox is the stream).

For each INSERT record: apply the event to the order's read-model item, then publish it to the bus. The read model
applies events strictly in version order: version v is written only over version v-1 (a conditional update), so an
older or repeated event never overwrites a newer one, and an event that arrives before its predecessor fails and is
retried. Publishing happens after projecting, in PutEvents calls of at most 10 entries; an entry EventBridge rejects
fails its record, so the stream redelivers it (re-projecting is then a no-op and publishing is retried).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecord,
    DynamoDBRecordEventName,
)
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError
from shared.aws import client
from shared.config import require
from shared.dynamo import get, is_condition_failure, plain, to_item
from shared.envelope import SOURCE, Event
from shared.observability import count, entrypoint, logger
from shared.orders import ORDER_CANCELLED, ORDER_PLACED, PAYMENT_CONFIRMED, STATUS_AFTER

ORDERS_TABLE = require("ORDERS_TABLE")
EVENT_BUS_NAME = require("EVENT_BUS_NAME")
PUT_EVENTS_LIMIT = 10  # entries per PutEvents call

processor = BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)


class ProjectionGapError(RuntimeError):
    """The event's predecessor is not projected yet; retrying the record later applies them in order."""


def read_model_changes(event: Event) -> dict[str, Any]:
    """The read-model attributes ``event`` sets; every event also advances ``version`` and ``updatedAt``."""
    changes: dict[str, Any] = {"version": event.version, "updatedAt": event.occurred_at}
    if event.type in STATUS_AFTER:
        changes["status"] = STATUS_AFTER[event.type]
    if event.type == ORDER_PLACED:
        changes |= {name: event.data.get(name) for name in ("customerId", "items", "total", "currency")}
        changes["createdAt"] = event.occurred_at
    elif event.type == ORDER_CANCELLED:
        changes["cancellationReason"] = event.data.get("reason", "unspecified")
    elif event.type == PAYMENT_CONFIRMED:
        changes["paymentStatus"] = "Confirmed"
    return changes


def project(event: Event) -> bool:
    """Apply ``event`` to the read model; False when it was already applied (a redelivery)."""
    changes = read_model_changes(event)
    names = {f"#a{index}": name for index, name in enumerate(changes)}
    values = {f":a{index}": value for index, value in enumerate(changes.values())}
    if event.version == 1:
        condition = "attribute_not_exists(orderId)"
    else:
        condition = "version = :previous"
        values[":previous"] = event.version - 1
    try:
        client("dynamodb").update_item(
            TableName=ORDERS_TABLE,
            Key=to_item({"orderId": event.aggregate_id}),
            UpdateExpression="SET " + ", ".join(f"#a{index} = :a{index}" for index in range(len(changes))),
            ConditionExpression=condition,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=to_item(values),
        )
    except ClientError as error:
        if not is_condition_failure(error):
            raise
        current = get(ORDERS_TABLE, {"orderId": event.aggregate_id})
        projected = current["version"] if current else 0
        if projected >= event.version:
            return False
        raise ProjectionGapError(
            f"order {event.aggregate_id} is projected up to version {projected}; "
            f"version {event.version} waits for version {event.version - 1}"
        ) from error
    return True


def project_record(record: DynamoDBRecord) -> Event | None:
    """Project one stream record; returns the event to publish (None for changes that are not appends)."""
    if record.event_name is not DynamoDBRecordEventName.INSERT:
        # The store is append-only: a MODIFY/REMOVE is an operator's fix or a TTL, not a domain event.
        logger.warning(
            "Ignoring a non-INSERT change to the event store", extra={"eventName": record.raw_event.get("eventName")}
        )
        return None
    event = Event.from_dict(plain(record.dynamodb.new_image if record.dynamodb else None))
    logger.set_correlation_id(event.aggregate_id)
    if project(event):
        count("EventsProjected")
    return event


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def publish(events: Sequence[tuple[str, Event]]) -> set[str]:
    """Put each (record id, event) on the bus; returns the record ids whose entry EventBridge did not accept."""
    failed: set[str] = set()
    for chunk in chunks(events, PUT_EVENTS_LIMIT):
        entries = [
            {
                "Source": SOURCE,
                "DetailType": event.type,
                "Detail": json.dumps(event.to_dict()),
                "EventBusName": EVENT_BUS_NAME,
            }
            for _, event in chunk
        ]
        try:
            results = client("events").put_events(Entries=entries)["Entries"]
        except ClientError:
            logger.exception("PutEvents failed; the whole chunk will be retried", extra={"entries": len(entries)})
            failed.update(record_id for record_id, _ in chunk)
            continue
        for (record_id, event), result in zip(chunk, results, strict=True):
            if "ErrorCode" in result:
                logger.error(
                    "EventBridge rejected an event; its record will be retried",
                    extra={"eventId": event.id, "errorCode": result["ErrorCode"], "error": result.get("ErrorMessage")},
                )
                failed.add(record_id)
    count("EventsPublished", len(events) - len(failed))
    if failed:
        count("EventsPublishFailed", len(failed))
    return failed


@entrypoint()
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    records = event["Records"]
    with processor(records=records, handler=project_record):
        outcomes = processor.process()
    to_publish = [
        (record["dynamodb"]["SequenceNumber"], projected)
        for status, projected, record in outcomes
        if status == "success" and projected is not None
    ]
    failed = {failure["itemIdentifier"] for failure in processor.response()["batchItemFailures"]}
    failed |= publish(to_publish)
    # Reported in stream order: Lambda resumes the shard from the lowest failed sequence number.
    ordered = [
        record["dynamodb"]["SequenceNumber"] for record in records if record["dynamodb"]["SequenceNumber"] in failed
    ]
    return {"batchItemFailures": [{"itemIdentifier": sequence} for sequence in ordered]}
