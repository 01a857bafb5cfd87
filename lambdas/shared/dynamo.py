"""DynamoDB helpers on the low-level client (lighter to create than boto3's resource layer).

Domain code works with JSON-native values (int, float, str, list, dict); DynamoDB wants ``Decimal`` for numbers.
``to_item``/``from_item`` translate at the boundary so no ``Decimal`` leaks into handlers or JSON responses.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
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
