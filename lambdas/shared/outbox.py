"""The outbox: which events of the event store have reached the bus.

Every appended event carries ``outboxShard`` (a number in ``0..OUTBOX_SHARDS-1``) until it has been published;
``mark_all_published`` removes it and stamps ``publishedAt``. The store's sparse index ``unpublished`` (hash
``outboxShard``, range ``occurredAt``) therefore holds only the events still waiting for the bus, so the sweeper
finds them with one Query per shard, never a scan. Shards spread the index's writes over several partitions (each
takes about 1,000 writes a second; every append and every mark is one).

Publishing puts each event on the bus with its envelope as the detail, in PutEvents calls of at most 10 entries.
EventBridge assigns its own ids; consumers deduplicate by the envelope's ``id``, so publishing an event twice (the
projector's retry, the sweeper, a reconcile re-drive) has the effect of once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from botocore.exceptions import ClientError

from shared.aws import client
from shared.dynamo import ShardedIndex, from_item, to_item
from shared.envelope import SOURCE, Event, utc_iso

#: Partitions of the sparse index; changing it needs no migration (the sweeper queries every shard it knows, so
#: lower it only once no event carries a higher shard).
OUTBOX_SHARDS = 4
SHARD_ATTRIBUTE = "outboxShard"
PUBLISHED_ATTRIBUTE = "publishedAt"
UNPUBLISHED_INDEX = "unpublished"
UNPUBLISHED = ShardedIndex(UNPUBLISHED_INDEX, SHARD_ATTRIBUTE, OUTBOX_SHARDS)
PUT_EVENTS_LIMIT = 10  # entries per PutEvents call
TRANSACT_LIMIT = 100  # actions per TransactWriteItems call

Key = TypeVar("Key")


def shard_of(event: Event) -> int:
    """The event's outbox shard: stable (of its id), so a retried append lands in the same one."""
    return UNPUBLISHED.shard(event.id)


def stored_item(event: Event) -> dict[str, Any]:
    """What the store keeps for a new event: its envelope and its outbox shard (not published yet)."""
    return {**event.to_dict(), SHARD_ATTRIBUTE: shard_of(event)}


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def publish(bus_name: str, events: Sequence[tuple[Key, Event]]) -> dict[Key, str]:
    """Put each (key, event) on the bus; returns the keys whose entry EventBridge did not accept, with why."""
    failed: dict[Key, str] = {}
    for chunk in _chunks(events, PUT_EVENTS_LIMIT):
        entries = [
            {
                "Source": SOURCE,
                "DetailType": event.type,
                "Detail": json.dumps(event.to_dict()),
                "EventBusName": bus_name,
            }
            for _, event in chunk
        ]
        try:
            results = client("events").put_events(Entries=entries)["Entries"]
        except ClientError as error:
            failed.update((key, f"PutEvents failed: {error}") for key, _ in chunk)
            continue
        for (key, event), result in zip(chunk, results, strict=True):
            if "ErrorCode" in result:
                failed[key] = (
                    f"event {event.id} rejected: {result['ErrorCode']} {result.get('ErrorMessage', '')}".strip()
                )
    return failed


def _mark(table_name: str, event: Event) -> dict[str, Any]:
    """The update that records ``event`` as published: out of the sparse index, the first publication time kept.

    Conditioned on the event existing, so a mark can never create an item that is not an event."""
    return {
        "TableName": table_name,
        "Key": to_item({"aggregateId": event.aggregate_id, "version": event.version}),
        "UpdateExpression": "SET #published = if_not_exists(#published, :now) REMOVE #shard",
        "ConditionExpression": "attribute_exists(aggregateId)",
        "ExpressionAttributeNames": {"#published": PUBLISHED_ATTRIBUTE, "#shard": SHARD_ATTRIBUTE},
        "ExpressionAttributeValues": to_item({":now": utc_iso()}),
    }


def mark_all_published(table_name: str, events: Sequence[Event]) -> None:
    """Record that ``events`` reached the bus (they leave the sparse index), up to 100 per TransactWriteItems call:
    one round trip instead of one per event; all or none of a call's marks are written, and the caller retries a
    failed call."""
    for chunk in _chunks(events, TRANSACT_LIMIT):
        client("dynamodb").transact_write_items(TransactItems=[{"Update": _mark(table_name, e)} for e in chunk])


def is_published(table_name: str, event: Event) -> bool:
    """Whether the store records ``event`` as published (a strongly consistent read of its item)."""
    found = client("dynamodb").get_item(
        TableName=table_name,
        Key=to_item({"aggregateId": event.aggregate_id, "version": event.version}),
        ProjectionExpression="version, #shard",
        ExpressionAttributeNames={"#shard": SHARD_ATTRIBUTE},
        ConsistentRead=True,
    )
    return "Item" in found and SHARD_ATTRIBUTE not in found["Item"]


def unpublished_before(table_name: str, cutoff: str) -> list[Event]:
    """The events still unpublished that occurred before ``cutoff`` (ISO-8601 UTC), from the sparse index: one
    Query per shard, in (aggregate, version) order so a sweep projects and publishes each aggregate in order."""
    items = UNPUBLISHED.query(table_name, "occurredAt < :cutoff", {":cutoff": cutoff})
    found = [Event.from_dict(item) for item in items]
    return sorted(found, key=lambda event: (event.aggregate_id, event.version))


def unpublished_of(table_name: str, aggregate_id: str) -> list[Event]:
    """The aggregate's events not published yet, in version order (strongly consistent: from the table)."""
    paginator = client("dynamodb").get_paginator("query")
    pages = paginator.paginate(
        TableName=table_name,
        KeyConditionExpression="aggregateId = :id",
        FilterExpression="attribute_exists(#shard)",
        ExpressionAttributeNames={"#shard": SHARD_ATTRIBUTE},
        ExpressionAttributeValues={":id": {"S": aggregate_id}},
        ConsistentRead=True,
    )
    return [Event.from_dict(from_item(item)) for page in pages for item in page["Items"]]
