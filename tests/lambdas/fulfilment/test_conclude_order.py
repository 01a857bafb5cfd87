from __future__ import annotations

import json

import pytest
from lambda_testkit import load, lose_the_race, order_placed, saga_state
from shared.envelope import InvalidEventError
from shared.event_store import EventStore
from shared.orders import OrderAlreadyConcludedError, UnknownOrderError

DECLINED = {
    "Error": "PaymentDeclined",
    "Cause": json.dumps({"errorMessage": "payment declined: limit", "errorType": "PaymentDeclined"}),
}


@pytest.fixture
def step(event_store_table):
    return load("fulfilment.conclude_order")


@pytest.fixture
def store(event_store_table):
    store = EventStore(event_store_table)
    store.append(order_placed())
    return store


def test_a_successful_saga_confirms_the_order(step, store, context):
    assert step.handler(saga_state(outcome="confirmed"), context) == {
        "orderId": "order-1",
        "status": "Confirmed",
        "version": 2,
    }
    assert [e.type for e in store.load("order-1")] == ["OrderPlaced", "OrderConfirmed"]


def test_a_failed_saga_cancels_the_order_with_the_caught_error(step, store, context):
    result = step.handler(saga_state(outcome="cancelled", error=DECLINED), context)
    assert result == {"orderId": "order-1", "status": "Cancelled", "version": 2}
    cancelled = store.load("order-1")[-1]
    assert (cancelled.type, cancelled.data) == (
        "OrderCancelled",
        {"reason": "PaymentDeclined", "detail": "payment declined: limit"},
    )


def test_the_state_may_come_nested_under_saga_as_the_saga_component_sends_it(step, store, context):
    payload = {"outcome": "cancelled", "saga": saga_state(error=DECLINED)}
    assert step.handler(payload, context) == {"orderId": "order-1", "status": "Cancelled", "version": 2}
    assert store.load("order-1")[-1].data["reason"] == "PaymentDeclined"


def test_a_cause_that_is_not_lambda_json_is_kept_as_text(step, store, context):
    step.handler(saga_state(outcome="cancelled", error={"Error": "States.Timeout", "Cause": "task timed out"}), context)
    assert store.load("order-1")[-1].data == {"reason": "States.Timeout", "detail": "task timed out"}


def test_a_retried_task_appends_once(step, store, context):
    step.handler(saga_state(outcome="confirmed"), context)
    assert step.handler(saga_state(outcome="confirmed"), context) == {
        "orderId": "order-1",
        "status": "Confirmed",
        "version": None,
    }
    assert len(store.load("order-1")) == 2


def test_a_concurrent_append_is_retried_at_the_next_version(step, store, context, monkeypatch):
    lose_the_race(monkeypatch, "PaymentConfirmed")  # the webhook worker appends right after our read
    assert step.handler(saga_state(outcome="confirmed"), context)["version"] == 3
    assert [e.type for e in store.load("order-1")] == ["OrderPlaced", "PaymentConfirmed", "OrderConfirmed"]


def test_an_order_concluded_the_other_way_fails_the_task(step, store, context):
    step.handler(saga_state(outcome="cancelled", error=DECLINED), context)
    with pytest.raises(OrderAlreadyConcludedError):
        step.handler(saga_state(outcome="confirmed"), context)


def test_an_unknown_order_fails_the_task(step, event_store_table, context):
    with pytest.raises(UnknownOrderError):
        step.handler(saga_state(order_placed("order-x"), outcome="confirmed"), context)


@pytest.mark.parametrize("outcome", [None, "done", "Confirmed"])
def test_an_unknown_outcome_is_rejected_naming_the_choices(step, store, context, outcome):
    with pytest.raises(InvalidEventError, match=r"'outcome' must be one of \['cancelled', 'confirmed'\]"):
        step.handler(saga_state(outcome=outcome), context)
