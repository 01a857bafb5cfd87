from __future__ import annotations

import json

import pytest
from lambda_testkit import failed_ids, load, lose_the_race, order_placed, sqs_event
from shared.event_store import EventStore


@pytest.fixture
def worker(event_store_table, idempotency_table):
    return load("payment_webhooks.worker")


@pytest.fixture
def store(event_store_table):
    store = EventStore(event_store_table)
    store.append(order_placed())
    return store


def webhook(event_id="evt_1", kind="payment.succeeded", order_id="order-1", **extra):
    return json.dumps({"eventId": event_id, "type": kind, "orderId": order_id, **extra})


def test_a_payment_success_records_payment_confirmed(worker, store, context):
    assert worker.handler(sqs_event(webhook(amount=19.98, currency="EUR")), context) == {"batchItemFailures": []}
    confirmed = store.load("order-1")[-1]
    assert (confirmed.type, confirmed.version) == ("PaymentConfirmed", 2)
    assert confirmed.data == {"providerEventId": "evt_1", "amount": 19.98, "currency": "EUR"}


def test_a_redelivered_provider_event_is_recorded_once(worker, store, context):
    worker.handler(sqs_event(webhook(), webhook()), context)
    worker.handler(sqs_event(webhook()), context)
    assert [e.type for e in store.load("order-1")] == ["OrderPlaced", "PaymentConfirmed"]


def test_distinct_provider_events_are_each_recorded(worker, store, context):
    worker.handler(sqs_event(webhook("evt_1"), webhook("evt_2")), context)
    assert [e.data["providerEventId"] for e in store.load("order-1")[1:]] == ["evt_1", "evt_2"]


def test_other_webhook_types_are_acknowledged_and_ignored(worker, store, context):
    assert worker.handler(sqs_event(webhook(kind="payment.created")), context) == {"batchItemFailures": []}
    assert len(store.load("order-1")) == 1


def test_a_payment_for_an_unknown_order_fails_and_can_be_retried(worker, store, context):
    assert failed_ids(worker.handler(sqs_event(webhook(order_id="order-x")), context)) == ["m0"]
    store.append(order_placed("order-x"))
    assert worker.handler(sqs_event(webhook(order_id="order-x")), context) == {"batchItemFailures": []}
    assert store.load("order-x")[-1].type == "PaymentConfirmed"


def test_an_unparseable_message_fails_alone(worker, store, context):
    response = worker.handler(sqs_event("garbage", json.dumps({"type": "payment.succeeded"}), webhook()), context)
    assert failed_ids(response) == ["m0", "m1"]
    assert store.load("order-1")[-1].type == "PaymentConfirmed"


def test_a_conflicting_append_is_retried(worker, store, context, monkeypatch):
    lose_the_race(monkeypatch, "OrderConfirmed")  # the saga concludes the order right after our read
    assert worker.handler(sqs_event(webhook()), context) == {"batchItemFailures": []}
    assert [(e.type, e.version) for e in store.load("order-1")] == [
        ("OrderPlaced", 1),
        ("OrderConfirmed", 2),
        ("PaymentConfirmed", 3),
    ]
