"""RefundPayment (compensates ProcessPayment): refund a charged payment; a declined or missing one needs nothing."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from shared.observability import count, entrypoint

from fulfilment.process_payment import CHARGED, PAYMENT
from fulfilment.saga import transition
from fulfilment.state import CORRELATION_ID_PATH, order_from_state

REFUNDED = "Refunded"


def refund(state: dict[str, Any]) -> dict[str, Any]:
    order = order_from_state(state)
    status, moved = transition(order.order_id, PAYMENT, CHARGED, REFUNDED)
    if moved:
        count("PaymentsRefunded")
    return {"orderId": order.order_id, "status": status or "NothingCharged"}


@entrypoint(correlation_id_path=CORRELATION_ID_PATH)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return refund(event)
