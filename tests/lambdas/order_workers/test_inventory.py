from __future__ import annotations

import json

import pytest
from lambda_testkit import bus_event, failed_ids, item, load, order_placed, sqs_event
from shared.envelope import Event
from shared.orders import order_placed_data


@pytest.fixture
def worker(operations_table):
    return load("order_workers.inventory")


def message(event: Event) -> str:
    return json.dumps(bus_event(event))


def placed(order_id="order-1"):
    items = [
        {"sku": "SKU-1", "qty": 2, "unitPrice": 1},
        {"sku": "SKU-2", "qty": 1, "unitPrice": 1},
        {"sku": "SKU-1", "qty": 3, "unitPrice": 1},
    ]
    return Event.new("OrderPlaced", order_id, 1, order_placed_data("c-1", items, "EUR"))


def cancelled(order_id="order-1"):
    return Event.new("OrderCancelled", order_id, 2, {"reason": "PaymentDeclined"})


def committed(table, sku):
    stock = item(table, pk=f"SKU#{sku}", sk="STOCK")
    return stock["committed"] if stock else 0


def test_a_placed_order_commits_its_quantities_per_sku(worker, operations_table, context):
    assert worker.handler(sqs_event(message(placed())), context) == {"batchItemFailures": []}
    assert (committed(operations_table, "SKU-1"), committed(operations_table, "SKU-2")) == (5, 1)


def test_a_cancelled_order_releases_its_quantities(worker, operations_table, context):
    worker.handler(sqs_event(message(placed()), message(placed("order-2"))), context)
    worker.handler(sqs_event(message(cancelled())), context)
    assert (committed(operations_table, "SKU-1"), committed(operations_table, "SKU-2")) == (5, 1)
    assert item(operations_table, pk="ORDER#order-1", sk="COMMITMENT")["status"] == "Released"


def test_a_duplicate_delivery_is_applied_once(worker, operations_table, context):
    duplicate = message(placed())
    worker.handler(sqs_event(duplicate, duplicate), context)
    worker.handler(sqs_event(duplicate), context)
    assert committed(operations_table, "SKU-1") == 5


def test_a_repeated_cancellation_releases_once(worker, operations_table, context):
    worker.handler(sqs_event(message(placed())), context)
    worker.handler(sqs_event(message(cancelled()), message(cancelled())), context)
    assert committed(operations_table, "SKU-1") == 0


def test_a_cancellation_that_overtakes_its_placement_is_retried(worker, operations_table, context):
    assert failed_ids(worker.handler(sqs_event(message(cancelled())), context)) == ["m0"]
    worker.handler(sqs_event(message(placed())), context)
    assert worker.handler(sqs_event(message(cancelled())), context) == {"batchItemFailures": []}
    assert committed(operations_table, "SKU-1") == 0


def test_an_unparseable_message_fails_alone(worker, operations_table, context):
    response = worker.handler(sqs_event(message(placed()), "not json", message(placed("order-2"))), context)
    assert failed_ids(response) == ["m1"]
    assert committed(operations_table, "SKU-1") == 10


@pytest.mark.parametrize(
    "body",
    [
        json.dumps({"detail-type": "OrderPlaced"}),
        json.dumps(bus_event(order_placed()) | {"detail": {"type": "OrderPlaced"}}),
        json.dumps(bus_event(Event.new("OrderPlaced", "o", 1, {"items": [{"sku": "A", "qty": 0}]}))),
    ],
    ids=["no-detail", "not-an-envelope", "bad-item"],
)
def test_a_malformed_event_is_a_failed_item(worker, context, body):
    assert failed_ids(worker.handler(sqs_event(body), context)) == ["m0"]


def test_an_event_type_outside_the_subscription_is_a_failed_item(worker, context):
    confirmed = Event.new("OrderConfirmed", "order-1", 2, {})
    assert failed_ids(worker.handler(sqs_event(message(confirmed)), context)) == ["m0"]
