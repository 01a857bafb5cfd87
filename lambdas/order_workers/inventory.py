"""inventory worker: keeps each SKU's committed quantity in step with placed and cancelled orders.

OrderPlaced adds the order's quantities to ``SKU#<sku>``/``STOCK`` ``committed`` and records the commitment
(``ORDER#<id>``/``COMMITMENT``); OrderCancelled subtracts them again. Each event is applied once: the counters and a
processed marker for the event id are written in one transaction. A cancellation that overtakes its placement (SQS
does not order messages) fails and is retried until the placement has been applied.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from shared.config import require
from shared.dynamo import Write, add_counts, apply_once, get, to_item
from shared.envelope import Event, InvalidEventError
from shared.observability import count, entrypoint
from shared.orders import ORDER_CANCELLED, ORDER_PLACED

from order_workers.messages import event_from

OPERATIONS_TABLE = require("OPERATIONS_TABLE")
COMMITTED = "Committed"
RELEASED = "Released"

processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


class NotCommittedYetError(RuntimeError):
    """The cancellation arrived before its order's placement was applied; a retry resolves it."""


def commitment_key(order_id: str) -> dict[str, str]:
    return {"pk": f"ORDER#{order_id}", "sk": "COMMITMENT"}


def quantities(event: Event) -> Counter[str]:
    """Quantity per SKU of an OrderPlaced event (one transaction may touch each SKU item only once)."""
    totals: Counter[str] = Counter()
    for item in event.data.get("items") or []:
        sku, qty = (item.get("sku"), item.get("qty")) if isinstance(item, dict) else (None, None)
        if not isinstance(sku, str) or not isinstance(qty, int) or qty <= 0:
            raise InvalidEventError(f"{event.type} {event.id} has an invalid item {item!r}")
        totals[sku] += qty
    if not totals:
        raise InvalidEventError(f"{event.type} {event.id} has no items")
    return totals


def stock_changes(per_sku: Counter[str], sign: int) -> list[Write]:
    return [
        add_counts(OPERATIONS_TABLE, {"pk": f"SKU#{sku}", "sk": "STOCK"}, {"committed": sign * qty})
        for sku, qty in per_sku.items()
    ]


def commit(event: Event) -> bool:
    per_sku = quantities(event)
    commitment = {**commitment_key(event.aggregate_id), "status": COMMITTED, "quantities": dict(per_sku)}
    record = {"Put": {"TableName": OPERATIONS_TABLE, "Item": to_item(commitment)}}
    return apply_once(OPERATIONS_TABLE, event.id, [*stock_changes(per_sku, +1), record])


def release(event: Event) -> bool:
    commitment = get(OPERATIONS_TABLE, commitment_key(event.aggregate_id))
    if commitment is None:
        raise NotCommittedYetError(
            f"order {event.aggregate_id} has no commitment yet; {event.type} {event.id} will be retried"
        )
    if commitment["status"] == RELEASED:
        return False
    released = {
        "Update": {
            "TableName": OPERATIONS_TABLE,
            "Key": to_item(commitment_key(event.aggregate_id)),
            "UpdateExpression": "SET #status = :released",
            "ConditionExpression": "#status = :committed",  # a concurrent release fails this one, and its retry skips
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": to_item({":released": RELEASED, ":committed": COMMITTED}),
        }
    }
    per_sku = Counter(commitment["quantities"])
    return apply_once(OPERATIONS_TABLE, event.id, [*stock_changes(per_sku, -1), released])


def record_handler(record: SQSRecord) -> None:
    event = event_from(record, accepted=(ORDER_PLACED, ORDER_CANCELLED))
    applied = commit(event) if event.type == ORDER_PLACED else release(event)
    if applied:
        count("StockCommitted" if event.type == ORDER_PLACED else "StockReleased")


@entrypoint()
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
