"""ConcludeOrder: the saga's last task; appends OrderConfirmed or OrderCancelled to the event store.

``event["outcome"]`` is "confirmed" (every step succeeded) or "cancelled" (after the compensations, with the caught
error at ``error`` of the state). The saga's state is either the payload itself or, as the Saga component's final
task sends it, nested under ``event["saga"]`` next to the constant ``outcome``. The append uses optimistic concurrency with retries, so a PaymentConfirmed appended
concurrently by the webhook worker does not make it fail. A repeated task is a no-op; concluding an order that was
already concluded the other way (e.g. cancelled by the reconcile job) raises OrderAlreadyConcludedError.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from shared.config import require
from shared.envelope import InvalidEventError
from shared.event_store import EventStore
from shared.observability import count, entrypoint
from shared.orders import CANCELLED, CONFIRMED, conclude

from fulfilment.state import CORRELATION_ID_PATH, order_from_state

store = EventStore(require("EVENT_STORE_TABLE"))
OUTCOMES = {"confirmed": CONFIRMED, "cancelled": CANCELLED}


def cancellation(error: object) -> dict[str, Any]:
    """OrderCancelled data from the state's caught error ({"Error", "Cause"}; Cause is Lambda's JSON error)."""
    if not isinstance(error, Mapping):
        return {"reason": "unspecified"}
    cause = error.get("Cause", "")
    try:
        parsed = json.loads(cause)
    except (TypeError, ValueError):
        parsed = None  # a Cause that is not Lambda's JSON error is kept as it is
    detail = parsed.get("errorMessage", cause) if isinstance(parsed, dict) else cause
    return {"reason": error.get("Error", "unspecified"), "detail": detail}


def conclude_order(payload: dict[str, Any]) -> dict[str, Any]:
    outcome = payload.get("outcome")
    if outcome not in OUTCOMES:
        raise InvalidEventError(f"'outcome' must be one of {sorted(OUTCOMES)}, got {outcome!r}")
    state = payload.get("saga", payload)
    order = order_from_state(state)
    status = OUTCOMES[outcome]
    data = cancellation(state.get("error")) if status == CANCELLED else {}
    event = conclude(store, order.order_id, status, data)
    if event is not None:
        count(f"Orders{status}")
    return {"orderId": order.order_id, "status": status, "version": event.version if event else None}


@entrypoint(correlation_id_path=f"saga.{CORRELATION_ID_PATH} || {CORRELATION_ID_PATH}")
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return conclude_order(event)
