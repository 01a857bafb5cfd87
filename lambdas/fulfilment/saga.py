"""What every saga task shares: reading the order from the state, and idempotent records in the operations table.

The state machine passes its whole state as the payload: the EventBridge event that started it (``detail`` is the
OrderPlaced envelope), step results under ``results``, a caught error under ``error``. Each step keeps one record per
order in OPERATIONS_TABLE (pk ``ORDER#<orderId>``, sk the record kind); creating it with a conditional put is both the
step's effect and its idempotency check, so a retried task returns the first result instead of acting twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError
from shared.aws import client
from shared.config import require
from shared.dynamo import get, is_condition_failure, put_new, to_item
from shared.envelope import Event, InvalidEventError, utc_iso
from shared.orders import ORDER_PLACED

OPERATIONS_TABLE = require("OPERATIONS_TABLE")
CORRELATION_ID_PATH = "detail.aggregateId"  # the order id: one id follows an order through every step's logs


@dataclass(frozen=True)
class Order:
    order_id: str
    customer_id: str
    items: list[dict[str, Any]]
    total: float
    currency: str


def order_from_state(state: Mapping[str, Any]) -> Order:
    """The order a saga execution is about; InvalidEventError naming the problem when the state does not carry one."""
    event = Event.from_bridge(state)
    if event.type != ORDER_PLACED:
        raise InvalidEventError(f"the saga starts from an {ORDER_PLACED} event, got {event.type}")
    data = event.data
    for name, kind in (("customerId", str), ("items", list), ("total", int | float), ("currency", str)):
        if not isinstance(data.get(name), kind):
            raise InvalidEventError(f"{ORDER_PLACED} data field {name!r} is missing or has the wrong type")
    return Order(event.aggregate_id, data["customerId"], data["items"], float(data["total"]), data["currency"])


def key(order_id: str, kind: str) -> dict[str, str]:
    return {"pk": f"ORDER#{order_id}", "sk": kind}


def create_once(order_id: str, kind: str, attributes: Mapping[str, Any]) -> tuple[dict[str, Any], bool]:
    """Create the order's ``kind`` record; the stored record and whether this call created it."""
    return put_new(OPERATIONS_TABLE, key(order_id, kind), {**attributes, "createdAt": utc_iso()})


def transition(order_id: str, kind: str, source: str, target: str) -> tuple[str | None, bool]:
    """Move the order's ``kind`` record from status ``source`` to ``target`` (a compensation).

    Returns the record's status afterwards and whether this call moved it. The status is None when there is no
    record (the step being compensated never acted: nothing to undo) and ``target`` when an earlier attempt moved it.
    """
    try:
        client("dynamodb").update_item(
            TableName=OPERATIONS_TABLE,
            Key=to_item(key(order_id, kind)),
            UpdateExpression="SET #status = :target, updatedAt = :now",
            ConditionExpression="#status = :source",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues=to_item({":source": source, ":target": target, ":now": utc_iso()}),
        )
    except ClientError as error:
        if not is_condition_failure(error):
            raise
        record = get(OPERATIONS_TABLE, key(order_id, kind))
        return (record["status"] if record else None), False
    return target, True
