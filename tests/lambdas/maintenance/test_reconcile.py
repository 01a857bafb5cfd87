from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from lambda_testkit import load, lose_the_race, order_placed, put, scheduled_event
from shared.envelope import utc_iso
from shared.event_store import EventStore
from shared.orders import CONFIRMED, conclude


@pytest.fixture
def job(orders_table, event_store_table):
    return load("maintenance.reconcile")


@pytest.fixture
def store(event_store_table):
    return EventStore(event_store_table)


def pending(store, orders_table, order_id, minutes_ago):
    """An order placed ``minutes_ago`` and projected as Pending."""
    store.append(order_placed(order_id))
    created = utc_iso(datetime.now(UTC) - timedelta(minutes=minutes_ago))
    row = {"orderId": order_id, "status": "Pending", "createdAt": created, "version": 1}
    put(orders_table, row)


def test_orders_pending_beyond_30_minutes_by_default_are_cancelled(job, store, orders_table, context):
    pending(store, orders_table, "stuck", minutes_ago=31)
    pending(store, orders_table, "recent", minutes_ago=29)
    assert job.handler(scheduled_event(), context) == {"cancelled": ["stuck"], "alreadyConcluded": []}
    cancelled = store.load("stuck")[-1]
    assert (cancelled.type, cancelled.data["reason"]) == ("OrderCancelled", "NotConcludedInTime")
    assert [e.type for e in store.load("recent")] == ["OrderPlaced"]


def test_an_order_concluded_meanwhile_is_left_alone(job, store, orders_table, context):
    pending(store, orders_table, "stuck", minutes_ago=45)
    conclude(store, "stuck", CONFIRMED, {})  # the read model has not caught up yet
    assert job.handler(scheduled_event(), context) == {"cancelled": [], "alreadyConcluded": ["stuck"]}
    assert store.load("stuck")[-1].type == "OrderConfirmed"


def test_a_second_run_cancels_nothing_twice(job, store, orders_table, context):
    pending(store, orders_table, "stuck", minutes_ago=45)
    job.handler(scheduled_event(), context)
    assert job.handler(scheduled_event(), context) == {"cancelled": [], "alreadyConcluded": ["stuck"]}
    assert len(store.load("stuck")) == 2


def test_a_saga_concluding_at_the_same_moment_wins_and_the_order_is_left_alone(
    job, store, orders_table, context, monkeypatch
):
    pending(store, orders_table, "stuck", minutes_ago=45)
    lose_the_race(monkeypatch, "OrderConfirmed")  # conclude-order appends right after the job's read
    assert job.handler(scheduled_event(), context) == {"cancelled": [], "alreadyConcluded": ["stuck"]}
    assert [e.type for e in store.load("stuck")] == ["OrderPlaced", "OrderConfirmed"]
