from __future__ import annotations

import json

import pytest
from lambda_testkit import bus_event, failed_ids, item, load, metrics_emitted, order_placed, sqs_event
from shared.envelope import Event


@pytest.fixture
def worker(operations_table):
    return load("order_workers.shipping")


def confirmed(order_id="order-1"):
    return json.dumps(bus_event(Event.new("OrderConfirmed", order_id, 2, {})))


def test_a_confirmed_order_becomes_a_dispatch_request(worker, operations_table, context):
    assert worker.handler(sqs_event(confirmed()), context) == {"batchItemFailures": []}
    assert item(operations_table, pk="ORDER#order-1", sk="DISPATCH")["status"] == "ReadyToDispatch"


def test_a_duplicate_delivery_requests_one_dispatch(worker, context, capsys):
    worker.handler(sqs_event(confirmed(), confirmed()), context)
    assert metrics_emitted(capsys.readouterr().out)["DispatchesRequested"] == 1


def test_an_unparseable_message_fails_alone(worker, operations_table, context):
    assert failed_ids(worker.handler(sqs_event("{", confirmed("order-2")), context)) == ["m0"]
    assert item(operations_table, pk="ORDER#order-2", sk="DISPATCH") is not None


def test_an_event_type_outside_the_subscription_is_a_failed_item(worker, context):
    assert failed_ids(worker.handler(sqs_event(json.dumps(bus_event(order_placed()))), context)) == ["m0"]
