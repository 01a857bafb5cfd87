"""The order a saga execution is about, read from the state the state machine passes as every task's payload.

The state is the EventBridge event that started the execution (``detail`` is the OrderPlaced envelope), step results
under ``results`` and a caught error under ``error``. Kept apart from the step records (``fulfilment.saga``) so a task
that records nothing, like conclude-order, needs no operations table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shared.envelope import Event, InvalidEventError
from shared.orders import ORDER_PLACED

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
