from __future__ import annotations

import importlib
from datetime import UTC, datetime, timedelta

import pytest
from lambda_testkit import item, load, order_placed, put, received, scheduled_event
from shared.envelope import Event, utc_iso
from shared.outbox import mark_all_published


@pytest.fixture
def sweeper(event_store_table, orders_table, bus_capture):
    return load("order_projector.sweeper")


def aged(event: Event, seconds: int) -> Event:
    """``event`` as if it occurred ``seconds`` ago."""
    moment = utc_iso(datetime.now(UTC) - timedelta(seconds=seconds))
    return Event(event.id, event.type, event.aggregate_id, event.version, moment, event.data)


def test_an_event_unpublished_beyond_five_minutes_is_projected_published_with_its_id_and_marked(
    sweeper, store, orders_table, bus_capture, context
):
    placed = aged(order_placed("order-1"), 301)
    store.append(placed)
    outcome = sweeper.handler(scheduled_event(), context)
    assert outcome == {"published": [placed.id], "rejected": [], "waiting": []}
    assert [(m["detail-type"], m["detail"]) for m in received(bus_capture)] == [("OrderPlaced", placed.to_dict())]
    assert item(orders_table, orderId="order-1")["status"] == "Pending"
    assert "outboxShard" not in item(store.table_name, aggregateId="order-1", version=1)


def test_an_event_younger_than_the_bound_is_left_to_the_projector(sweeper, store, bus_capture, context):
    store.append(aged(order_placed("order-1"), 200))
    assert sweeper.handler(scheduled_event(), context)["published"] == []
    assert received(bus_capture) == []


def test_a_published_event_is_never_swept(sweeper, store, bus_capture, context):
    placed = aged(order_placed("order-1"), 900)
    store.append(placed)
    mark_all_published(store.table_name, [placed])
    assert sweeper.handler(scheduled_event(), context)["published"] == []
    assert received(bus_capture) == []


def test_an_event_the_projector_already_projected_is_published_without_touching_the_read_model(
    sweeper, store, orders_table, context
):
    placed = aged(order_placed("order-1"), 400)
    store.append(placed)
    newer = {"orderId": "order-1", "status": "Confirmed", "version": 2}  # the read model is already ahead
    put(orders_table, newer)
    assert sweeper.handler(scheduled_event(), context)["published"] == [placed.id]
    assert item(orders_table, orderId="order-1") == newer


def test_an_aggregate_with_a_projection_gap_waits_from_that_version_on(sweeper, store, orders_table, context):
    first = order_placed("order-1")
    store.append(first)
    mark_all_published(
        store.table_name, [first]
    )  # published, but its read model item lost (e.g. restored from a backup)
    second = aged(Event.new("OrderConfirmed", "order-1", 2, {}), 400)
    store.append(second)
    assert sweeper.handler(scheduled_event(), context) == {"published": [], "rejected": [], "waiting": [second.id]}
    assert item(orders_table, orderId="order-1") is None


def test_the_bound_comes_from_outbox_sweep_after_seconds(store, orders_table, bus_capture, monkeypatch):
    monkeypatch.setenv("OUTBOX_SWEEP_AFTER_SECONDS", "5")
    module = load("order_projector.sweeper")
    sweeper = importlib.reload(module)
    try:
        placed = aged(order_placed("order-1"), 6)
        store.append(placed)
        assert sweeper.sweep(datetime.now(UTC))["published"] == [placed.id]
    finally:
        monkeypatch.delenv("OUTBOX_SWEEP_AFTER_SECONDS")
        importlib.reload(module)
