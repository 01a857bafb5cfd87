"""ReserveInventory: reserve the order's items (one reservation record per order)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from shared.observability import count, entrypoint

from fulfilment.saga import create_once
from fulfilment.state import CORRELATION_ID_PATH, order_from_state

RESERVATION = "RESERVATION"
RESERVED = "Reserved"


def reserve(state: dict[str, Any]) -> dict[str, Any]:
    order = order_from_state(state)
    lines = [{"sku": item["sku"], "qty": item["qty"]} for item in order.items]
    record, created = create_once(order.order_id, RESERVATION, {"status": RESERVED, "items": lines})
    if created:
        count("InventoryReserved")
    return {"reservationId": f"{RESERVATION}#{order.order_id}", "status": record["status"], "lines": len(lines)}


@entrypoint(correlation_id_path=CORRELATION_ID_PATH)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return reserve(event)
