"""reconcile job (every 5 minutes): orders that stopped moving, told apart by why.

- **Stalled, not failed**: an order Pending longer than STUCK_ORDER_MINUTES (default 30) whose events are not all
  published (its OrderPlaced never reached the bus, so no saga ever started) is re-published with its own event ids
  (consumers deduplicate by id), never cancelled.
- **Failed or timed out**: an order Pending that long whose events were all published had its saga started and not
  concluded: it is cancelled with an OrderCancelled event (reason ``NotConcludedInTime``) appended with optimistic
  concurrency, so a saga concluding at the same moment makes exactly one of the two win.
- **Confirmed, never dispatched**: an order Confirmed more than DISPATCH_OVERDUE_SECONDS ago (default 600) and less
  than DISPATCH_LOOKBACK_HOURS (default 24: the shipping DLQ's alarm covers older ones) with no dispatch record gets
  its OrderConfirmed re-published (same id: the shipping worker's conditional put creates the dispatch once).

Candidates come from the read model's sparse ``open`` index (``shared.orders``: an order is in it from its
OrderPlaced until cancelled, or once Confirmed until this job has seen its dispatch record or given it up), one Query
per shard, never a scan; every decision is taken again on the event store (the source of truth), so an order
concluded meanwhile (the read model lags) is left alone.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError
from shared.aws import client
from shared.config import integer, require
from shared.dynamo import get, is_condition_failure, to_item
from shared.envelope import Event, utc_iso
from shared.event_store import EventStore
from shared.observability import count, entrypoint, logger
from shared.orders import (
    CANCELLED,
    CONFIRMED,
    OPEN,
    OPEN_SHARD_ATTRIBUTE,
    ORDER_CONFIRMED,
    ORDER_PLACED,
    PENDING,
    OrderAlreadyConcludedError,
    conclude,
    dispatch_key,
)
from shared.outbox import mark_all_published, publish, unpublished_of

ORDERS_TABLE = require("ORDERS_TABLE")
OPERATIONS_TABLE = require("OPERATIONS_TABLE")
EVENT_BUS_NAME = require("EVENT_BUS_NAME")
STUCK_ORDER_MINUTES = integer("STUCK_ORDER_MINUTES", 30)
DISPATCH_OVERDUE_SECONDS = integer("DISPATCH_OVERDUE_SECONDS", 600)
DISPATCH_LOOKBACK_HOURS = integer("DISPATCH_LOOKBACK_HOURS", 24)

store = EventStore(require("EVENT_STORE_TABLE"))


class RepublishError(RuntimeError):
    """EventBridge did not accept a re-publication; the next run tries again."""


def candidates(now: datetime) -> dict[str, list[dict[str, Any]]]:
    """The read-model orders Pending since before the stuck cutoff and those Confirmed before the dispatch overdue
    time, from the sparse open index (one Query per shard: it holds only open orders, never a scan)."""
    stuck = utc_iso(now - timedelta(minutes=STUCK_ORDER_MINUTES))
    overdue = utc_iso(now - timedelta(seconds=DISPATCH_OVERDUE_SECONDS))
    found: dict[str, list[dict[str, Any]]] = {PENDING: [], CONFIRMED: []}
    # An order is created before it is confirmed: nothing created after both cutoffs is a candidate.
    for order in OPEN.query(ORDERS_TABLE, "createdAt <= :newest", {":newest": max(stuck, overdue)}):
        if order["status"] == PENDING and order["createdAt"] < stuck:
            found[PENDING].append(order)
        elif order["status"] == CONFIRMED and order["updatedAt"] <= overdue:
            found[CONFIRMED].append(order)
    return found


def close(order_id: str) -> None:
    """Take a Confirmed order out of the open index: reconcile has nothing left to do for it."""
    try:
        client("dynamodb").update_item(
            TableName=ORDERS_TABLE,
            Key=to_item({"orderId": order_id}),
            UpdateExpression="REMOVE #shard",
            ConditionExpression="#status = :confirmed",
            ExpressionAttributeNames={"#shard": OPEN_SHARD_ATTRIBUTE, "#status": "status"},
            ExpressionAttributeValues=to_item({":confirmed": CONFIRMED}),
        )
    except ClientError as error:
        if not is_condition_failure(error):
            raise


def republish(events: list[Event]) -> None:
    """Publish ``events`` again with their own ids and mark them published."""
    rejected = publish(EVENT_BUS_NAME, [(event.id, event) for event in events])
    if rejected:
        raise RepublishError(f"EventBridge did not accept {len(rejected)} event(s): {'; '.join(rejected.values())}")
    mark_all_published(store.table_name, events)


def settle_pending(order_id: str) -> str:
    """``republished`` when the order stalled before its saga, else ``cancelled`` or ``alreadyConcluded``."""
    unpublished = unpublished_of(store.table_name, order_id)
    if unpublished:
        republish(unpublished)
        if any(event.type == ORDER_PLACED for event in unpublished):
            return "republished"  # no saga ever started: the re-published OrderPlaced starts it now
    reason = {"reason": "NotConcludedInTime", "detail": f"still Pending after {STUCK_ORDER_MINUTES} minutes"}
    try:
        return "cancelled" if conclude(store, order_id, CANCELLED, reason) is not None else "alreadyConcluded"
    except OrderAlreadyConcludedError:
        return "alreadyConcluded"


def redispatch(order: dict[str, Any], lookback: str) -> bool:
    """Re-publish the OrderConfirmed of an order with no dispatch record; False when it has one (it leaves the open
    index) or was confirmed before ``lookback`` (it leaves the index too: the shipping DLQ's alarm covers it)."""
    order_id = order["orderId"]
    if get(OPERATIONS_TABLE, dispatch_key(order_id)) is not None:
        close(order_id)
        return False
    if order["updatedAt"] < lookback:
        logger.error(
            f"A Confirmed order without dispatch for over {DISPATCH_LOOKBACK_HOURS} h: no longer re-published",
            extra={"orderId": order_id},
        )
        close(order_id)
        return False
    confirmed = [event for event in store.load(order_id) if event.type == ORDER_CONFIRMED]
    if not confirmed:  # the read model said Confirmed: only an operator's edit of it gets here
        logger.error("A Confirmed read model without an OrderConfirmed event", extra={"orderId": order_id})
        return False
    republish(confirmed)
    return True


def reconcile(now: datetime) -> dict[str, list[str]]:
    found = candidates(now)
    lookback = utc_iso(now - timedelta(hours=DISPATCH_LOOKBACK_HOURS))
    outcome: dict[str, list[str]] = {"republished": [], "cancelled": [], "alreadyConcluded": [], "redispatched": []}
    for order in found[PENDING]:
        outcome[settle_pending(order["orderId"])].append(order["orderId"])
    outcome["redispatched"] = [order["orderId"] for order in found[CONFIRMED] if redispatch(order, lookback)]
    return outcome


@entrypoint(correlation_id_path=correlation_paths.EVENT_BRIDGE)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    outcome = reconcile(datetime.now(UTC))
    count("StuckOrdersCancelled", len(outcome["cancelled"]))
    count("StalledOrdersRepublished", len(outcome["republished"]))
    count("ConfirmedOrdersRedispatched", len(outcome["redispatched"]))
    logger.info("Reconcile finished", extra=outcome)
    return outcome
