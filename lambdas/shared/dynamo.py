"""DynamoDB helpers on the low-level client (lighter to create than boto3's resource layer).

Domain code works with JSON-native values (int, float, str, list, dict); DynamoDB wants ``Decimal`` for numbers.
``to_item``/``from_item`` translate at the boundary so no ``Decimal`` leaks into handlers or JSON responses.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from shared.aws import client

Item = dict[str, Any]  # attribute name -> DynamoDB attribute value
Write = dict[str, Any]  # one TransactWriteItems entry ({"Put": ...} or {"Update": ...})

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()

MARKER_RETENTION_SECONDS = (
    30 * 24 * 3600
)  # outlives the queues' 14-day DLQ retention, so a redrive is still deduplicated


def _to_dynamo(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(repr(value))  # repr is the shortest exact round-trip, so 9.99 stays 9.99
    if isinstance(value, Mapping):
        return {key: _to_dynamo(inner) for key, inner in value.items()}
    if isinstance(value, list | tuple):
        return [_to_dynamo(inner) for inner in value]
    return value


def plain(value: Any) -> Any:
    """``value`` with every ``Decimal`` turned into an int (when integral) or a float."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Mapping):
        return {key: plain(inner) for key, inner in value.items()}
    if isinstance(value, list | tuple | set):
        return [plain(inner) for inner in value]
    return value


def to_item(values: Mapping[str, Any]) -> Item:
    """A JSON-native mapping as DynamoDB attribute values."""
    return {key: _serializer.serialize(_to_dynamo(value)) for key, value in values.items()}


def from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """DynamoDB attribute values as a JSON-native dict."""
    return {key: plain(_deserializer.deserialize(value)) for key, value in item.items()}


def is_condition_failure(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


def get(table: str, key: Mapping[str, Any]) -> dict[str, Any] | None:
    """The item at ``key`` (strongly consistent), or None."""
    found = client("dynamodb").get_item(TableName=table, Key=to_item(key), ConsistentRead=True).get("Item")
    return from_item(found) if found else None


def put_new(table: str, key: Mapping[str, Any], attributes: Mapping[str, Any]) -> tuple[dict[str, Any], bool]:
    """Create the item at ``key`` unless it exists; returns the stored item and whether this call created it.

    The conditional put makes the write itself the idempotency check: a duplicate gets the first writer's item.
    """
    item = {**key, **attributes}
    try:
        client("dynamodb").put_item(
            TableName=table,
            Item=to_item(item),
            ConditionExpression="attribute_not_exists(#key)",
            ExpressionAttributeNames={"#key": next(iter(key))},
        )
    except ClientError as error:
        if not is_condition_failure(error):
            raise
        stored = get(table, key)
        if stored is None:  # deleted between the two calls: surface the conflict so the caller's retry starts over
            raise
        return stored, False
    return item, True


def add_counts(table: str, key: Mapping[str, Any], counts: Mapping[str, int | float]) -> Write:
    """A transaction ``Update`` that atomically ADDs each of ``counts`` to the item at ``key``."""
    names = {f"#c{index}": name for index, name in enumerate(counts)}
    values = {f":c{index}": amount for index, amount in enumerate(counts.values())}
    return {
        "Update": {
            "TableName": table,
            "Key": to_item(key),
            "UpdateExpression": "ADD " + ", ".join(f"#c{index} :c{index}" for index in range(len(counts))),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": to_item(values),
        }
    }


def apply_once(table: str, marker: str, writes: list[Write]) -> bool:
    """Run ``writes`` and record ``marker`` in one transaction; False when the marker existed (a duplicate).

    The processed marker (pk ``PROCESSED#<marker>``) carries ``expiresAt`` (epoch seconds) so the cleanup job or
    a TTL on that attribute removes it once no redelivery can arrive any more.
    """
    marker_item = {
        "pk": f"PROCESSED#{marker}",
        "sk": "PROCESSED",
        "expiresAt": int(time.time()) + MARKER_RETENTION_SECONDS,
    }
    put_marker = {
        "Put": {"TableName": table, "Item": to_item(marker_item), "ConditionExpression": "attribute_not_exists(pk)"}
    }
    try:
        client("dynamodb").transact_write_items(TransactItems=[put_marker, *writes])
    except ClientError as error:
        reasons = error.response.get("CancellationReasons") or []
        if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
            return False
        raise
    return True


@dataclass(frozen=True)
class ShardedIndex:
    """A sparse global secondary index whose hash key is a shard number in ``0..shards-1``: an item is in it while
    it carries ``attribute``, and the shards spread the index's writes over several partitions (each takes about
    1,000 writes a second). A reader queries every shard, never scans the table."""

    name: str
    attribute: str
    shards: int

    def shard(self, key: str) -> int:
        """``key``'s shard: stable (CRC-32 of the key), so a retried write lands in the same one."""
        return zlib.crc32(key.encode()) % self.shards

    def query(self, table: str, sort_condition: str, values: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        """The index's items whose sort key meets ``sort_condition`` (e.g. ``"occurredAt < :cutoff"``, with
        ``values`` ``{":cutoff": ...}``) as JSON-native dicts: one paginated Query per shard, in shard order."""
        if ":shard" in values:
            raise ValueError(f"{self.name}: :shard is the shard's placeholder; name the sort key's value otherwise")
        paginator = client("dynamodb").get_paginator("query")
        for shard in range(self.shards):
            pages = paginator.paginate(
                TableName=table,
                IndexName=self.name,
                KeyConditionExpression=f"#shard = :shard AND {sort_condition}",
                ExpressionAttributeNames={"#shard": self.attribute},
                ExpressionAttributeValues=to_item({**values, ":shard": shard}),
            )
            for page in pages:
                yield from (from_item(item) for item in page["Items"])
