"""The orders read model as a projection of the event store, version-safe.

Events are applied strictly in version order: version v is written only over version v-1 (a conditional update),
so an older or repeated event never overwrites a newer one (a redelivered, re-driven or swept event arriving late is
a no-op), and an event that arrives before its predecessor fails with :class:`ProjectionGapError` and is retried.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError
from shared.aws import client
from shared.dynamo import get, is_condition_failure, to_item
from shared.envelope import Event
from shared.orders import (
    OPEN_SHARD_ATTRIBUTE,
    ORDER_CANCELLED,
    ORDER_PLACED,
    PAYMENT_CONFIRMED,
    STATUS_AFTER,
    open_shard,
)


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
        changes[OPEN_SHARD_ATTRIBUTE] = open_shard(event.aggregate_id)  # in the open index until it closes
    elif event.type == ORDER_CANCELLED:
        changes["cancellationReason"] = event.data.get("reason", "unspecified")
    elif event.type == PAYMENT_CONFIRMED:
        changes["paymentStatus"] = "Confirmed"
    return changes


def project(orders_table: str, event: Event) -> bool:
    """Apply ``event`` to the read model; False when it was already applied (a redelivery)."""
    changes = read_model_changes(event)
    names = {f"#a{index}": name for index, name in enumerate(changes)}
    closes = event.type == ORDER_CANCELLED  # a cancelled order leaves the open index (a Confirmed one: reconcile)
    if closes:
        names["#open"] = OPEN_SHARD_ATTRIBUTE
    values = {f":a{index}": value for index, value in enumerate(changes.values())}
    if event.version == 1:
        condition = "attribute_not_exists(orderId)"
    else:
        condition = "version = :previous"
        values[":previous"] = event.version - 1
    try:
        client("dynamodb").update_item(
            TableName=orders_table,
            Key=to_item({"orderId": event.aggregate_id}),
            UpdateExpression="SET "
            + ", ".join(f"#a{index} = :a{index}" for index in range(len(changes)))
            + (" REMOVE #open" if closes else ""),
            ConditionExpression=condition,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=to_item(values),
        )
    except ClientError as error:
        if not is_condition_failure(error):
            raise
        current = get(orders_table, {"orderId": event.aggregate_id})
        projected = current["version"] if current else 0
        if projected >= event.version:
            return False
        raise ProjectionGapError(
            f"order {event.aggregate_id} is projected up to version {projected}; "
            f"version {event.version} waits for version {event.version - 1}"
        ) from error
    return True
