"""StartSaga: each OrderPlaced on the bus starts the fulfilment saga once per event id.

The bus delivers an event at least once and the outbox can publish it twice (the projector and the outbox sweeper
racing, a reconcile re-publication), but the saga is not a consumer that deduplicates. An EventBridge rule starting
the state machine itself names each execution at random, so this function starts it instead, named after the event's
id: Step Functions refuses a second execution of a name (ExecutionAlreadyExists; a running one with the same input
is returned as is) for 90 days after the first closed, which is the deduplication, atomic in Step Functions. The
execution's input is the EventBridge event as delivered, the saga's state as before.
"""

from __future__ import annotations

import json
import re
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError
from shared.aws import client
from shared.config import require
from shared.envelope import Event, InvalidEventError
from shared.observability import count, entrypoint, logger
from shared.orders import ORDER_PLACED

from fulfilment.state import CORRELATION_ID_PATH

SAGA_STATE_MACHINE_ARN = require("SAGA_STATE_MACHINE_ARN")
#: What Step Functions accepts as an execution name (1-80 of these characters).
EXECUTION_NAME = re.compile(r"^[A-Za-z0-9_-]{1,80}$")


def execution_name(event: Event) -> str:
    """The saga execution's name: the OrderPlaced event's id (an event id is a UUID)."""
    if not EXECUTION_NAME.match(event.id):
        raise InvalidEventError(f"event id {event.id!r} cannot name an execution (1-80 of A-Z a-z 0-9 - _)")
    return event.id


def start(bus_event: dict[str, Any]) -> dict[str, Any]:
    """Start the saga for ``bus_event``'s OrderPlaced; ``started`` False when its execution already exists."""
    placed = Event.from_bridge(bus_event)
    if placed.type != ORDER_PLACED:
        raise InvalidEventError(f"the saga starts from an {ORDER_PLACED} event, got {placed.type}")
    name = execution_name(placed)
    try:
        answer = client("stepfunctions").start_execution(
            stateMachineArn=SAGA_STATE_MACHINE_ARN, name=name, input=json.dumps(bus_event)
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ExecutionAlreadyExists":
            raise
        count("SagaStartsDeduplicated")
        logger.info("The saga of this OrderPlaced was started before", extra={"eventId": placed.id})
        return {"started": False, "execution": name}
    count("SagasStarted")
    return {"started": True, "execution": name, "executionArn": answer["executionArn"]}


@entrypoint(correlation_id_path=CORRELATION_ID_PATH)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return start(event)
