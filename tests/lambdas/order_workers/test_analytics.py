from __future__ import annotations

import json

import pytest
from lambda_testkit import bus_event, failed_ids, item, load, order_placed, sqs_event
from shared.envelope import Event


@pytest.fixture
def worker(metrics_table):
    return load("order_workers.analytics")


def test_events_are_counted_per_day_and_type_with_totals_per_currency(worker, metrics_table, context):
    first, second = order_placed("o-1"), order_placed("o-2", unit_price=5)
    confirmed = Event.new("OrderConfirmed", "o-1", 2, {})
    worker.handler(sqs_event(*(json.dumps(bus_event(e)) for e in (first, second, confirmed))), context)
    day = first.occurred_at[:10]
    assert item(metrics_table, pk=f"ORDERS#{day}", sk="OrderPlaced") == {
        "pk": f"ORDERS#{day}",
        "sk": "OrderPlaced",
        "count": 2,
        "totalEUR": 29.98,
    }
    assert item(metrics_table, pk=f"ORDERS#{day}", sk="OrderConfirmed")["count"] == 1


def test_a_duplicate_delivery_is_counted_once(worker, metrics_table, context):
    event = order_placed()
    body = json.dumps(bus_event(event))
    worker.handler(sqs_event(body, body), context)
    assert item(metrics_table, pk=f"ORDERS#{event.occurred_at[:10]}", sk="OrderPlaced")["count"] == 1


def test_an_unparseable_message_fails_alone(worker, context):
    response = worker.handler(sqs_event(json.dumps(bus_event(order_placed())), "[1, 2]"), context)
    assert failed_ids(response) == ["m1"]
