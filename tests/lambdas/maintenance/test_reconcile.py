from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from lambda_testkit import item, load, lose_the_race, order_placed, put, received, scheduled_event
from shared.aws import client
from shared.envelope import utc_iso
from shared.event_store import EventStore
from shared.orders import CONFIRMED, conclude, open_shard
from shared.outbox import mark_all_published

NOTHING = {"republished": [], "cancelled": [], "alreadyConcluded": [], "redispatched": []}


@pytest.fixture
def job(orders_table, event_store_table, operations_table, bus_capture):
    return load("maintenance.reconcile")


@pytest.fixture
def store(event_store_table):
    return EventStore(event_store_table)


def pending(store, orders_table, order_id, minutes_ago, published=True):
    """An order placed ``minutes_ago`` and projected as Pending; ``published``: its OrderPlaced reached the bus
    (so its saga started)."""
    placed = order_placed(order_id)
    store.append(placed)
    if published:
        mark_all_published(store.table_name, [placed])
    created = utc_iso(datetime.now(UTC) - timedelta(minutes=minutes_ago))
    put(
        orders_table, {"orderId": order_id, "status": "Pending", "createdAt": created, "version": 1, **opened(order_id)}
    )


def opened(order_id):
    """What the projector sets on an order placed: its shard of the read model's open index."""
    return {"openShard": open_shard(order_id)}


def confirmed(store, orders_table, order_id, seconds_ago):
    """An order confirmed ``seconds_ago`` (every event published) and projected as Confirmed."""
    pending(store, orders_table, order_id, minutes_ago=1)
    event = conclude(store, order_id, CONFIRMED, {})
    mark_all_published(store.table_name, [event])
    now = datetime.now(UTC)
    created = utc_iso(now - timedelta(seconds=seconds_ago + 60))
    updated = utc_iso(now - timedelta(seconds=seconds_ago))
    confirmed = {"status": "Confirmed", "createdAt": created, "updatedAt": updated, "version": 2}
    put(orders_table, {"orderId": order_id, **confirmed, **opened(order_id)})
    return event


def test_orders_pending_beyond_30_minutes_by_default_are_cancelled(job, store, orders_table, context):
    pending(store, orders_table, "stuck", minutes_ago=31)
    pending(store, orders_table, "recent", minutes_ago=29)
    assert job.handler(scheduled_event(), context) == {**NOTHING, "cancelled": ["stuck"]}
    cancelled = store.load("stuck")[-1]
    assert (cancelled.type, cancelled.data["reason"]) == ("OrderCancelled", "NotConcludedInTime")
    assert [e.type for e in store.load("recent")] == ["OrderPlaced"]


def test_a_stuck_order_whose_order_placed_was_never_published_is_republished_not_cancelled(
    job, store, orders_table, bus_capture, context
):
    pending(store, orders_table, "stalled", minutes_ago=45, published=False)
    assert job.handler(scheduled_event(), context) == {**NOTHING, "republished": ["stalled"]}
    [placed] = store.load("stalled")
    assert [(m["detail-type"], m["detail"]["id"]) for m in received(bus_capture)] == [("OrderPlaced", placed.id)]
    assert "outboxShard" not in item(store.table_name, aggregateId="stalled", version=1)


def test_a_republished_order_is_cancelled_by_a_later_run_once_its_saga_had_the_time(job, store, orders_table, context):
    pending(store, orders_table, "stalled", minutes_ago=45, published=False)
    job.handler(scheduled_event(), context)
    assert job.handler(scheduled_event(), context) == {**NOTHING, "cancelled": ["stalled"]}


def test_an_order_concluded_meanwhile_is_left_alone(job, store, orders_table, context):
    pending(store, orders_table, "stuck", minutes_ago=45)
    conclude(store, "stuck", CONFIRMED, {})  # the read model has not caught up yet
    mark_all_published(store.table_name, [store.load("stuck")[-1]])
    assert job.handler(scheduled_event(), context) == {**NOTHING, "alreadyConcluded": ["stuck"]}
    assert store.load("stuck")[-1].type == "OrderConfirmed"


def test_a_second_run_cancels_nothing_twice(job, store, orders_table, context):
    pending(store, orders_table, "stuck", minutes_ago=45)
    job.handler(scheduled_event(), context)
    mark_all_published(store.table_name, [store.load("stuck")[-1]])  # the projector published the cancellation
    assert job.handler(scheduled_event(), context) == {**NOTHING, "alreadyConcluded": ["stuck"]}
    assert len(store.load("stuck")) == 2


def test_a_saga_concluding_at_the_same_moment_wins_and_the_order_is_left_alone(
    job, store, orders_table, context, monkeypatch
):
    pending(store, orders_table, "stuck", minutes_ago=45)
    lose_the_race(monkeypatch, "OrderConfirmed")  # conclude-order appends right after the job's read
    assert job.handler(scheduled_event(), context) == {**NOTHING, "alreadyConcluded": ["stuck"]}
    assert [e.type for e in store.load("stuck")] == ["OrderPlaced", "OrderConfirmed"]


def test_a_confirmed_order_without_dispatch_gets_its_order_confirmed_republished(
    job, store, orders_table, bus_capture, context
):
    event = confirmed(store, orders_table, "undispatched", seconds_ago=601)
    assert job.handler(scheduled_event(), context) == {**NOTHING, "redispatched": ["undispatched"]}
    assert [(m["detail-type"], m["detail"]["id"]) for m in received(bus_capture)] == [("OrderConfirmed", event.id)]


def test_a_dispatched_or_recently_confirmed_order_is_not_redispatched(
    job, store, orders_table, operations_table, context
):
    confirmed(store, orders_table, "dispatched", seconds_ago=900)
    put(operations_table, {"pk": "ORDER#dispatched", "sk": "DISPATCH", "status": "ReadyToDispatch"})
    confirmed(store, orders_table, "recent", seconds_ago=60)
    assert job.handler(scheduled_event(), context) == NOTHING


def test_a_dispatched_order_leaves_the_open_index(job, store, orders_table, operations_table, context):
    confirmed(store, orders_table, "dispatched", seconds_ago=900)
    put(operations_table, {"pk": "ORDER#dispatched", "sk": "DISPATCH", "status": "ReadyToDispatch"})
    job.handler(scheduled_event(), context)
    assert "openShard" not in item(orders_table, orderId="dispatched")


def test_a_confirmed_order_undispatched_beyond_the_lookback_leaves_the_index_without_a_republication(
    job, store, orders_table, bus_capture, context
):
    confirmed(store, orders_table, "forgotten", seconds_ago=25 * 3600)
    assert job.handler(scheduled_event(), context) == NOTHING
    assert received(bus_capture) == []
    assert "openShard" not in item(orders_table, orderId="forgotten")


def test_orders_out_of_the_open_index_are_not_reconciled(job, store, orders_table, context):
    pending(store, orders_table, "closed", minutes_ago=45)
    client("dynamodb").update_item(
        TableName=orders_table, Key={"orderId": {"S": "closed"}}, UpdateExpression="REMOVE openShard"
    )
    assert job.handler(scheduled_event(), context) == NOTHING


def test_orders_are_found_through_the_open_index_without_a_scan(job, store, orders_table, context, monkeypatch):
    pending(store, orders_table, "stuck", minutes_ago=45)
    dynamodb = client("dynamodb")
    monkeypatch.setattr(dynamodb, "scan", lambda **_: pytest.fail("reconcile scanned a table"))
    assert job.handler(scheduled_event(), context)["cancelled"] == ["stuck"]
