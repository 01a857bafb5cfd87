from __future__ import annotations

import pytest
from shared import event_store as module
from shared.envelope import Event
from shared.event_store import Backoff, Change, ConcurrencyConflictError, EventStore


@pytest.fixture
def store(event_store_table):
    return EventStore(event_store_table)


@pytest.fixture
def sleeps(monkeypatch):
    """The backoff delays the store waited (without waiting)."""
    delays: list[float] = []
    monkeypatch.setattr(module.time, "sleep", delays.append)
    return delays


def test_events_load_in_version_order(store):
    for version in (1, 2, 3):
        store.append(Event.new(f"Step{version}", "order-1", version, {"n": version}))
    assert [(e.type, e.version, e.data) for e in store.load("order-1")] == [
        ("Step1", 1, {"n": 1}),
        ("Step2", 2, {"n": 2}),
        ("Step3", 3, {"n": 3}),
    ]


def test_an_unknown_aggregate_has_no_events(store):
    assert store.load("nobody") == []


def test_appending_a_taken_version_is_a_conflict(store):
    store.append(Event.new("OrderPlaced", "order-1", 1, {}))
    with pytest.raises(ConcurrencyConflictError, match="version 1 of aggregate order-1"):
        store.append(Event.new("OrderPlaced", "order-1", 1, {}))


def test_a_decision_is_appended_at_the_next_version(store):
    store.append(Event.new("OrderPlaced", "order-1", 1, {}))
    appended = store.decide_and_append("order-1", lambda history: Change("OrderConfirmed", {"after": len(history)}))
    assert (appended.version, appended.data) == (2, {"after": 1})
    assert [e.type for e in store.load("order-1")] == ["OrderPlaced", "OrderConfirmed"]


def test_deciding_nothing_appends_nothing(store):
    assert store.decide_and_append("order-1", lambda history: None) is None
    assert store.load("order-1") == []


def test_a_conflicting_append_is_retried_on_the_reloaded_history(store, sleeps):
    store.append(Event.new("OrderPlaced", "order-1", 1, {}))
    seen: list[list[str]] = []

    def decide(history):
        seen.append([e.type for e in history])
        if len(seen) == 1:  # another writer appends between our load and our append
            store.append(Event.new("PaymentConfirmed", "order-1", 2, {}))
        return Change("OrderConfirmed", {})

    appended = store.decide_and_append("order-1", decide)
    assert seen == [["OrderPlaced"], ["OrderPlaced", "PaymentConfirmed"]]
    assert appended.version == 3
    assert len(sleeps) == 1 and 0 <= sleeps[0] <= Backoff().base_seconds


def test_retries_give_up_after_the_last_attempt(store, sleeps):
    store = EventStore(store.table_name, Backoff(attempts=3))

    def always_beaten(history):
        version = len(history) + 1
        store.append(Event.new("Other", "order-1", version, {}))
        return Change("Mine", {})

    with pytest.raises(ConcurrencyConflictError):
        store.decide_and_append("order-1", always_beaten)
    assert len(sleeps) == 2


def test_backoff_is_exponential_with_full_jitter_and_a_cap(monkeypatch):
    monkeypatch.setattr(module.random, "uniform", lambda low, high: high)  # the top of each jitter range
    backoff = Backoff(base_seconds=0.05, cap_seconds=0.3)
    assert [backoff.delay(attempt) for attempt in range(4)] == [0.05, 0.1, 0.2, 0.3]
