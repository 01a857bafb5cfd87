"""invoice worker: writes the order's invoice as JSON to ``s3://INVOICE_BUCKET/invoices/<orderId>.json``.

Task message body: ``{"orderId": "..."}``. The key depends only on the order and the document only on the order's
read model, so a redelivered task rewrites the same object. An order the read model does not have yet (the
projection lags the API by moments) fails the item, which is retried after the visibility timeout.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from shared.aws import client
from shared.config import require
from shared.dynamo import get
from shared.observability import count, entrypoint
from shared.orders import line_total

ORDERS_TABLE = require("ORDERS_TABLE")
INVOICE_BUCKET = require("INVOICE_BUCKET")

processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


class InvalidTaskError(ValueError):
    """The task message is not ``{"orderId": "<id>"}``."""


class OrderNotProjectedError(LookupError):
    """The read model has no such order (yet); the task is retried."""


def invoice_key(order_id: str) -> str:
    return f"invoices/{order_id}.json"


def invoice(order: dict[str, Any]) -> dict[str, Any]:
    """The invoice document for a read-model order."""
    lines = [{**line, "amount": float(line_total(line["qty"], line["unitPrice"]))} for line in order["items"]]
    return {
        "invoiceNumber": f"INV-{order['orderId']}",
        "orderId": order["orderId"],
        "customerId": order["customerId"],
        "orderedAt": order["createdAt"],
        "orderStatus": order["status"],
        "currency": order["currency"],
        "lines": lines,
        "total": order["total"],
    }


def order_id_from(record: SQSRecord) -> str:
    try:
        task = json.loads(record.body)
    except ValueError as error:
        raise InvalidTaskError(f"task {record.message_id} is not JSON: {error}") from None
    order_id = task.get("orderId") if isinstance(task, dict) else None
    if not isinstance(order_id, str) or not order_id:
        raise InvalidTaskError(f'task {record.message_id} must be {{"orderId": "<id>"}}, got {record.body[:200]!r}')
    return order_id


def record_handler(record: SQSRecord) -> str:
    order_id = order_id_from(record)
    order = get(ORDERS_TABLE, {"orderId": order_id})
    if order is None:
        raise OrderNotProjectedError(f"order {order_id} is not in the read model (yet)")
    key = invoice_key(order_id)
    body = json.dumps(invoice(order), indent=2).encode()
    client("s3").put_object(Bucket=INVOICE_BUCKET, Key=key, Body=body, ContentType="application/json")
    count("InvoicesWritten")
    return key


@entrypoint()
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
