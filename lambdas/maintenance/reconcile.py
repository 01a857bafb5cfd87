"""reconcile job (every 5 minutes): cancels orders stuck in Pending longer than STUCK_ORDER_MINUTES (default 30).

Candidates come from the read model (a scan: the table has no status index); the decision is taken again on the
event store, so an order that was concluded meanwhile (the read model lags) is left alone. The cancellation is an
OrderCancelled event (reason ``NotConcludedInTime``) appended with optimistic concurrency, so a saga concluding at
the same moment makes exactly one of the two win.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from shared.aws import client
from shared.config import integer, require
from shared.dynamo import from_item
from shared.envelope import utc_iso
from shared.event_store import EventStore
from shared.observability import count, entrypoint, logger
from shared.orders import CANCELLED, PENDING, OrderAlreadyConcludedError, conclude

ORDERS_TABLE = require("ORDERS_TABLE")
STUCK_ORDER_MINUTES = integer("STUCK_ORDER_MINUTES", 30)

store = EventStore(require("EVENT_STORE_TABLE"))


def stuck_order_ids(cutoff: str) -> list[str]:
    """Ids of read-model orders still Pending that were created before ``cutoff``."""
    paginator = client("dynamodb").get_paginator("scan")
    pages = paginator.paginate(
        TableName=ORDERS_TABLE,
        FilterExpression="#status = :pending AND createdAt < :cutoff",
        ProjectionExpression="orderId",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={":pending": {"S": PENDING}, ":cutoff": {"S": cutoff}},
    )
    return [from_item(item)["orderId"] for page in pages for item in page["Items"]]


def reconcile(now: datetime) -> dict[str, list[str]]:
    cutoff = utc_iso(now - timedelta(minutes=STUCK_ORDER_MINUTES))
    reason = {"reason": "NotConcludedInTime", "detail": f"still Pending after {STUCK_ORDER_MINUTES} minutes"}
    outcome: dict[str, list[str]] = {"cancelled": [], "alreadyConcluded": []}
    for order_id in stuck_order_ids(cutoff):
        try:
            cancelled = conclude(store, order_id, CANCELLED, reason) is not None
        except OrderAlreadyConcludedError:
            cancelled = False
        outcome["cancelled" if cancelled else "alreadyConcluded"].append(order_id)
    return outcome


@entrypoint(correlation_id_path=correlation_paths.EVENT_BRIDGE)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    outcome = reconcile(datetime.now(UTC))
    count("StuckOrdersCancelled", len(outcome["cancelled"]))
    logger.info("Reconcile finished", extra=outcome)
    return outcome
