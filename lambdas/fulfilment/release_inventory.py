"""ReleaseInventory (compensates ReserveInventory): release the order's reservation, if it was made."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from shared.observability import count, entrypoint

from fulfilment.reserve_inventory import RESERVATION, RESERVED
from fulfilment.saga import transition
from fulfilment.state import CORRELATION_ID_PATH, order_from_state

RELEASED = "Released"


def release(state: dict[str, Any]) -> dict[str, Any]:
    order = order_from_state(state)
    status, moved = transition(order.order_id, RESERVATION, RESERVED, RELEASED)
    if moved:
        count("InventoryReleased")
    return {"orderId": order.order_id, "status": status or "NothingReserved"}


@entrypoint(correlation_id_path=CORRELATION_ID_PATH)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return release(event)
