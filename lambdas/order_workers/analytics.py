"""analytics worker: daily counters per event type in the metrics table (``ORDERS#<yyyy-mm-dd>``/``<type>``).

Every event adds 1 to ``count``; an event whose data has a total and a currency also adds the total to
``total<currency>`` (e.g. ``totalEUR``). Counters and the event's processed marker are written in one transaction,
so a redelivered event is not counted twice.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from shared.config import require
from shared.dynamo import add_counts, apply_once
from shared.envelope import Event
from shared.observability import count, entrypoint

from order_workers.messages import event_from

METRICS_TABLE = require("METRICS_TABLE")

processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def counters(event: Event) -> dict[str, int | float]:
    amounts: dict[str, int | float] = {"count": 1}
    total, currency = event.data.get("total"), event.data.get("currency")
    if isinstance(total, int | float) and isinstance(currency, str):
        amounts[f"total{currency}"] = total
    return amounts


def record_handler(record: SQSRecord) -> None:
    event = event_from(record)
    day = event.occurred_at[:10]
    key = {"pk": f"ORDERS#{day}", "sk": event.type}
    if apply_once(METRICS_TABLE, event.id, [add_counts(METRICS_TABLE, key, counters(event))]):
        count("EventsCounted")


@entrypoint()
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
