"""ProcessPayment: charge the order, or decline it deterministically.

Decline rule (so tests and demos can drive the failure path): an order whose total exceeds 10000, or whose
customerId starts with ``declined-``, is declined. The task then raises ``PaymentDeclined``, which Step Functions
sees as Error "PaymentDeclined" and routes to the compensations. The decision is recorded, so a retried task gives
the same answer.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from shared.observability import count, entrypoint

from fulfilment.saga import create_once
from fulfilment.state import CORRELATION_ID_PATH, Order, order_from_state

PAYMENT = "PAYMENT"
CHARGED = "Charged"
DECLINED = "Declined"
DECLINE_ABOVE_TOTAL = 10000
DECLINED_CUSTOMER_PREFIX = "declined-"


class PaymentDeclined(Exception):  # noqa: N818  (the name is the Step Functions error name, a contract)
    """The payment was declined; the class name is the error name Step Functions matches on."""


def decline_reason(order: Order) -> str | None:
    if order.total > DECLINE_ABOVE_TOTAL:
        return f"total {order.total} {order.currency} exceeds the limit of {DECLINE_ABOVE_TOTAL}"
    if order.customer_id.startswith(DECLINED_CUSTOMER_PREFIX):
        return f"customer {order.customer_id} is not allowed to pay"
    return None


def charge(state: dict[str, Any]) -> dict[str, Any]:
    order = order_from_state(state)
    reason = decline_reason(order)
    decision = {"status": DECLINED, "reason": reason} if reason else {"status": CHARGED}
    payment = {**decision, "amount": order.total, "currency": order.currency}
    record, created = create_once(order.order_id, PAYMENT, payment)
    if created:
        count("PaymentsDeclined" if reason else "PaymentsCharged")
    if record["status"] == DECLINED:
        raise PaymentDeclined(f"payment for order {order.order_id} declined: {record['reason']}")
    return {"paymentId": f"{PAYMENT}#{order.order_id}", "status": record["status"], "amount": record["amount"]}


@entrypoint(correlation_id_path=CORRELATION_ID_PATH)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return charge(event)
