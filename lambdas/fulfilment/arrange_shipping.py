"""ArrangeShipping: book the shipment for the order (one shipment record per order)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from shared.observability import count, entrypoint

from fulfilment.saga import create_once
from fulfilment.state import CORRELATION_ID_PATH, order_from_state

SHIPMENT = "SHIPMENT"


def arrange(state: dict[str, Any]) -> dict[str, Any]:
    order = order_from_state(state)
    parcels = sum(int(item["qty"]) for item in order.items)
    record, created = create_once(order.order_id, SHIPMENT, {"status": "Booked", "parcels": parcels})
    if created:
        count("ShipmentsArranged")
    return {"shipmentId": f"{SHIPMENT}#{order.order_id}", "status": record["status"], "parcels": record["parcels"]}


@entrypoint(correlation_id_path=CORRELATION_ID_PATH)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return arrange(event)
