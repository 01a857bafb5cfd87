"""order-projector: event-store stream -> orders read model + EventBridge, and the outbox marked.

For each INSERT record: apply the event to the order's read model (``projection``, version-safe), then publish it to
the bus and mark it published in the store (``shared.outbox``). A record succeeds only once all three are done: a
failed projection, an entry EventBridge rejects or a failed mark fails the record, so the stream redelivers it
(re-projecting is then a no-op, and consumers deduplicate the re-publication by event id). A record the stream gives
up on leaves its event unpublished in the store, where the outbox sweeper finds it.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecord,
    DynamoDBRecordEventName,
)
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError
from shared.config import require
from shared.dynamo import plain
from shared.envelope import Event
from shared.observability import count, entrypoint, logger
from shared.outbox import is_published, mark_all_published, publish

from order_projector.projection import project

ORDERS_TABLE = require("ORDERS_TABLE")
EVENT_BUS_NAME = require("EVENT_BUS_NAME")
EVENT_STORE_TABLE = require("EVENT_STORE_TABLE")

processor = BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)


def project_record(record: DynamoDBRecord) -> Event | None:
    """Project one stream record; returns the event to publish (None for changes that are not appends and for
    events already published)."""
    if record.event_name is not DynamoDBRecordEventName.INSERT:
        # The store is append-only: a MODIFY is the outbox's mark (or an operator's fix), a REMOVE a TTL.
        logger.debug(
            "Ignoring a non-INSERT change to the event store", extra={"eventName": record.raw_event.get("eventName")}
        )
        return None
    event = Event.from_dict(plain(record.dynamodb.new_image if record.dynamodb else None))
    logger.set_correlation_id(event.aggregate_id)
    if project(ORDERS_TABLE, event):
        count("EventsProjected")
        return event
    # Applied before: a retried batch, a re-drive, or the sweeper got there first. Publish it again only if it
    # is still unpublished: a publication nobody needs would start a second saga for the same order.
    return None if is_published(EVENT_STORE_TABLE, event) else event


def mark(published: list[tuple[str, Event]]) -> set[str]:
    """Mark the published events in the store; the sequence numbers of those whose mark failed."""
    try:
        mark_all_published(EVENT_STORE_TABLE, [event for _, event in published])
    except ClientError:
        logger.exception(
            "Marking events published failed; their records will be retried", extra={"events": len(published)}
        )
        return {sequence for sequence, _ in published}
    return set()


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
    for status, reason, record in outcomes:
        if status == "fail":
            logger.warning(
                "A record failed; the stream will retry it",
                extra={"sequenceNumber": record["dynamodb"]["SequenceNumber"], "error": reason},
            )
    failed = {failure["itemIdentifier"] for failure in processor.response()["batchItemFailures"]}
    rejected = publish(EVENT_BUS_NAME, to_publish)
    for sequence, reason in rejected.items():
        logger.error(
            "Publishing failed; the record will be retried", extra={"sequenceNumber": sequence, "error": reason}
        )
    count("EventsPublished", len(to_publish) - len(rejected))
    if rejected:
        count("EventsPublishFailed", len(rejected))
    failed |= rejected.keys() | mark([(sequence, e) for sequence, e in to_publish if sequence not in rejected])
    # Reported in stream order: Lambda resumes the shard from the lowest failed sequence number.
    ordered = [
        record["dynamodb"]["SequenceNumber"] for record in records if record["dynamodb"]["SequenceNumber"] in failed
    ]
    # The batch's size next to Lambda's REPORT line (same request id): what the timeout is sized against.
    logger.info("Batch projected", extra={"records": len(records), "failed": len(ordered)})
    return {"batchItemFailures": [{"itemIdentifier": sequence} for sequence in ordered]}
