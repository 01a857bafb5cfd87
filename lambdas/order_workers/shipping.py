"""shipping worker: a confirmed order becomes a dispatch request for the warehouse (``ORDER#<id>``/``DISPATCH``).

The dispatch record is created with a conditional put, so a redelivered OrderConfirmed creates nothing new.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from shared.config import require
from shared.dynamo import put_new
from shared.observability import count, entrypoint
from shared.orders import ORDER_CONFIRMED, dispatch_key

from order_workers.messages import event_from

OPERATIONS_TABLE = require("OPERATIONS_TABLE")

processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def record_handler(record: SQSRecord) -> None:
    event = event_from(record, accepted=(ORDER_CONFIRMED,))
    _, created = put_new(
        OPERATIONS_TABLE,
        dispatch_key(event.aggregate_id),
        {"status": "ReadyToDispatch", "confirmedAt": event.occurred_at},
    )
    if created:
        count("DispatchesRequested")


@entrypoint()
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
