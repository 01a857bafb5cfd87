"""What every saga step shares: idempotent records in the operations table.

Each step keeps one record per order in OPERATIONS_TABLE (pk ``ORDER#<orderId>``, sk the record kind); creating it with a conditional put is both the
step's effect and its idempotency check, so a retried task returns the first result instead of acting twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError
from shared.aws import client
from shared.config import require
from shared.dynamo import get, is_condition_failure, put_new, to_item
from shared.envelope import utc_iso

OPERATIONS_TABLE = require("OPERATIONS_TABLE")


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
