"""The order aggregate: event types, the limits every entry point applies, and the status rules.

Several functions place or conclude orders (the API, the bulk import, the saga's end, the reconcile job); the rules
live here once so they cannot drift apart.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from shared.dynamo import ShardedIndex
from shared.envelope import Event
from shared.event_store import Change, EventStore

ORDER_PLACED = "OrderPlaced"
ORDER_CONFIRMED = "OrderConfirmed"
ORDER_CANCELLED = "OrderCancelled"
PAYMENT_CONFIRMED = "PaymentConfirmed"

PENDING = "Pending"
CONFIRMED = "Confirmed"
CANCELLED = "Cancelled"

MAX_ITEMS = 50  # keeps every per-order DynamoDB transaction (one write per SKU + 2) under its 100-item limit
MAX_QTY = 1000
CURRENCY = re.compile(r"^[A-Z]{3}$")  # ISO 4217 alphabetic code
CENT = Decimal("0.01")


class UnknownOrderError(LookupError):
    """No event exists for the order id."""


class OrderAlreadyConcludedError(RuntimeError):
    """The order was already confirmed or cancelled the other way."""


#: The read model's sparse index of the orders reconcile may have to act on (README "Reliability"): an order carries
#: ``openShard`` from its OrderPlaced until it is cancelled, or, once Confirmed, until reconcile has seen its dispatch
#: record; the index (hash ``openShard``, range ``createdAt``) holds only those, so reconcile queries it, never scans.
OPEN_INDEX = "open"
OPEN_SHARD_ATTRIBUTE = "openShard"
#: Partitions of the index (as the outbox's): each takes about 1,000 writes a second.
OPEN_SHARDS = 4
OPEN = ShardedIndex(OPEN_INDEX, OPEN_SHARD_ATTRIBUTE, OPEN_SHARDS)


def open_shard(order_id: str) -> int:
    """The order's shard of the open index: stable (of its id)."""
    return OPEN.shard(order_id)


def dispatch_key(order_id: str) -> dict[str, str]:
    """The key of the order's dispatch record in the operations table (written by the shipping worker)."""
    return {"pk": f"ORDER#{order_id}", "sk": "DISPATCH"}


def line_total(qty: int, unit_price: float | str | Decimal) -> Decimal:
    """qty x unit price in decimal, to the cent: money never goes through binary-float arithmetic."""
    return (qty * Decimal(str(unit_price))).quantize(CENT)


def order_placed_data(customer_id: str, items: Sequence[Mapping[str, Any]], currency: str) -> dict[str, Any]:
    """OrderPlaced data: the lines and their decimal total, stored as JSON numbers."""
    lines = [{"sku": item["sku"], "qty": int(item["qty"]), "unitPrice": float(item["unitPrice"])} for item in items]
    total = sum((line_total(int(item["qty"]), item["unitPrice"]) for item in items), Decimal(0))
    return {"customerId": customer_id, "items": lines, "total": float(total), "currency": currency}


#: The status an order has after each lifecycle event (other events leave it unchanged).
STATUS_AFTER = {ORDER_PLACED: PENDING, ORDER_CONFIRMED: CONFIRMED, ORDER_CANCELLED: CANCELLED}
_CONCLUSIONS = {CONFIRMED: ORDER_CONFIRMED, CANCELLED: ORDER_CANCELLED}


def status_of(history: Sequence[Event]) -> str | None:
    """The order's status after ``history``; None when there is no order."""
    status = None
    for event in history:
        status = STATUS_AFTER.get(event.type, status)
    return status


def conclude(store: EventStore, order_id: str, status: str, data: dict[str, Any]) -> Event | None:
    """Append OrderConfirmed or OrderCancelled while the order is Pending.

    Returns the appended event, or None when the order already has this status (a repeated request). Raises
    OrderAlreadyConcludedError when it was concluded the other way, UnknownOrderError when it does not exist.
    """
    event_type = _CONCLUSIONS[status]

    def decide(history: list[Event]) -> Change | None:
        current = status_of(history)
        if current is None:
            raise UnknownOrderError(f"order {order_id} does not exist in the event store")
        if current == status:
            return None
        if current != PENDING:
            raise OrderAlreadyConcludedError(f"order {order_id} is already {current}; it cannot become {status}")
        return Change(event_type, data)

    return store.decide_and_append(order_id, decide)
