"""webhook worker: records the provider's payment confirmations as PaymentConfirmed events.

A ``payment.succeeded`` webhook appends PaymentConfirmed (data: providerEventId, and amount/currency when sent) to
the order's stream; other webhook types are acknowledged and ignored. Providers redeliver, so each provider
``eventId`` is processed once (Powertools idempotency on IDEMPOTENCY_TABLE, kept 7 days).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig
from aws_lambda_powertools.utilities.typing import LambdaContext
from shared.config import require
from shared.envelope import Event
from shared.event_store import Change, EventStore
from shared.idempotency import idempotent_on_first_use
from shared.observability import count, entrypoint, logger
from shared.orders import PAYMENT_CONFIRMED, UnknownOrderError

from payment_webhooks.notification import parse_notification

PAYMENT_SUCCEEDED = "payment.succeeded"
PASSED_THROUGH = ("amount", "currency")

store = EventStore(require("EVENT_STORE_TABLE"))
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
idempotency_config = IdempotencyConfig(event_key_jmespath="eventId", expires_after_seconds=7 * 24 * 3600)
IDEMPOTENCY_TABLE = require("IDEMPOTENCY_TABLE")


@idempotent_on_first_use(IDEMPOTENCY_TABLE, idempotency_config, data_keyword_argument="notification")
def confirm_payment(notification: dict[str, Any]) -> dict[str, Any]:
    order_id = notification["orderId"]
    data = {"providerEventId": notification["eventId"]} | {
        k: notification[k] for k in PASSED_THROUGH if k in notification
    }

    def decide(history: list[Event]) -> Change:
        if not history:
            raise UnknownOrderError(
                f"webhook {notification['eventId']} confirms a payment for unknown order {order_id}"
            )
        return Change(PAYMENT_CONFIRMED, data)

    event = store.decide_and_append(order_id, decide)
    count("PaymentsConfirmed")
    return {"orderId": order_id, "version": event.version if event else None}


def record_handler(record: SQSRecord) -> None:
    notification = parse_notification(record.body)
    if notification["type"] != PAYMENT_SUCCEEDED:
        logger.info("Ignoring webhook type", extra={"type": notification["type"], "eventId": notification["eventId"]})
        count("WebhooksIgnored")
        return
    confirm_payment(notification=notification)


@entrypoint()
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    idempotency_config.register_lambda_context(context)
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
