from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError
from lambda_testkit import bus_event, load, order_placed
from shared.aws import client
from shared.envelope import Event, InvalidEventError


@pytest.fixture
def starter(saga_machine):
    return load("fulfilment.start_saga")


def executions(machine: str) -> list[dict]:
    return client("stepfunctions").list_executions(stateMachineArn=machine)["executions"]


def test_an_order_placed_starts_an_execution_named_after_its_event_id_with_the_bus_event_as_input(
    starter, saga_machine, context
):
    placed = order_placed()
    delivered = bus_event(placed)
    assert starter.handler(delivered, context)["started"] is True
    [execution] = executions(saga_machine)
    assert execution["name"] == placed.id
    described = client("stepfunctions").describe_execution(executionArn=execution["executionArn"])
    assert json.loads(described["input"]) == delivered


def test_the_same_order_placed_published_twice_starts_one_saga(starter, saga_machine, context):
    placed = order_placed()
    assert starter.handler(bus_event(placed), context)["started"] is True
    # The sweeper's publication of the same event: another EventBridge envelope around the same envelope.
    assert starter.handler(bus_event(placed), context) == {"started": False, "execution": placed.id}
    assert [e["name"] for e in executions(saga_machine)] == [placed.id]


def test_two_orders_start_two_sagas(starter, saga_machine, context):
    for order_id in ("order-1", "order-2"):
        starter.handler(bus_event(order_placed(order_id)), context)
    assert len(executions(saga_machine)) == 2


def test_an_event_other_than_order_placed_is_refused(starter, saga_machine, context):
    with pytest.raises(InvalidEventError, match="starts from an OrderPlaced event, got OrderConfirmed"):
        starter.handler(bus_event(Event.new("OrderConfirmed", "order-1", 2, {})), context)
    assert executions(saga_machine) == []


def test_an_event_id_that_cannot_name_an_execution_is_refused(starter, saga_machine, context):
    placed = order_placed()
    odd = Event(f"{placed.id} #2", placed.type, placed.aggregate_id, 1, placed.occurred_at, placed.data)
    with pytest.raises(InvalidEventError, match="cannot name an execution"):
        starter.handler(bus_event(odd), context)


def test_other_start_failures_are_raised_for_lambda_to_retry(starter, saga_machine, context):
    client("stepfunctions").delete_state_machine(stateMachineArn=saga_machine)
    with pytest.raises(ClientError, match="StateMachineDoesNotExist"):
        starter.handler(bus_event(order_placed()), context)
