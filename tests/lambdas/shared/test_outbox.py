from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from lambda_testkit import item, order_placed
from shared.aws import client
from shared.envelope import Event
from shared.event_store import EventStore
from shared.outbox import OUTBOX_SHARDS, is_published, mark_all_published, shard_of, unpublished_before, unpublished_of


@pytest.fixture
def store(event_store_table):
    return EventStore(event_store_table)


def event_at(order_id: str, version: int, occurred_at: str) -> Event:
    return Event(
        f"evt-{order_id}-{version}", "OrderPlaced" if version == 1 else "OrderConfirmed", order_id, version, occurred_at
    )


def test_an_appended_event_is_stored_unpublished_in_its_shard(store):
    placed = order_placed("order-1")
    store.append(placed)
    stored = item(store.table_name, aggregateId="order-1", version=1)
    assert stored["outboxShard"] == shard_of(placed)
    assert 0 <= shard_of(placed) < OUTBOX_SHARDS
    assert "publishedAt" not in stored


def test_marking_published_removes_the_shard_and_keeps_the_first_publication_time(store):
    placed = order_placed("order-1")
    store.append(placed)
    mark_all_published(store.table_name, [placed])
    first = item(store.table_name, aggregateId="order-1", version=1)
    mark_all_published(store.table_name, [placed])
    assert "outboxShard" not in first
    assert item(store.table_name, aggregateId="order-1", version=1)["publishedAt"] == first["publishedAt"]
    assert store.load("order-1") == [placed], "the envelope is unchanged"


def test_marking_an_event_the_store_does_not_have_creates_nothing(store):
    with pytest.raises(ClientError, match="TransactionCanceled"):
        mark_all_published(store.table_name, [order_placed("ghost")])
    assert item(store.table_name, aggregateId="ghost", version=1) is None


def test_unpublished_before_lists_only_older_unpublished_events_in_aggregate_and_version_order(store):
    events = [
        event_at("b", 1, "2026-01-01T00:00:00.000Z"),
        event_at("a", 2, "2026-01-01T00:02:00.000Z"),
        event_at("a", 1, "2026-01-01T00:01:00.000Z"),
        event_at("c", 1, "2026-01-01T00:09:00.000Z"),  # too recent
        event_at("d", 1, "2026-01-01T00:00:30.000Z"),  # published
    ]
    for event in events:
        store.append(event)
    mark_all_published(store.table_name, [events[4]])
    found = unpublished_before(store.table_name, "2026-01-01T00:05:00.000Z")
    assert [(e.aggregate_id, e.version) for e in found] == [("a", 1), ("a", 2), ("b", 1)]


def test_unpublished_before_queries_the_sparse_index_and_never_scans(store):
    store.append(event_at("a", 1, "2026-01-01T00:00:00.000Z"))
    calls: list[str] = []
    dynamodb = client("dynamodb")
    dynamodb.meta.events.register("before-call.dynamodb.*", lambda model, **kwargs: calls.append(model.name))
    unpublished_before(store.table_name, "2026-01-02T00:00:00.000Z")
    assert set(calls) == {"Query"} and len(calls) == OUTBOX_SHARDS


def test_unpublished_of_lists_an_aggregates_events_not_yet_published(store):
    first, second = event_at("a", 1, "2026-01-01T00:00:00.000Z"), event_at("a", 2, "2026-01-01T00:01:00.000Z")
    store.append(first)
    store.append(second)
    mark_all_published(store.table_name, [first])
    assert unpublished_of(store.table_name, "a") == [second]


def test_an_event_is_published_once_marked(store):
    placed = order_placed("order-1")
    store.append(placed)
    assert not is_published(store.table_name, placed)
    mark_all_published(store.table_name, [placed])
    assert is_published(store.table_name, placed)


def test_marks_are_written_up_to_100_per_transaction(store, monkeypatch):
    events = [event_at(f"order-{n}", 1, "2026-01-01T00:00:00.000Z") for n in range(101)]
    for event in events:
        store.append(event)
    dynamodb, calls = client("dynamodb"), []
    real = dynamodb.transact_write_items

    def transact_write_items(**request):
        calls.append(len(request["TransactItems"]))
        return real(**request)

    monkeypatch.setattr(dynamodb, "transact_write_items", transact_write_items)
    mark_all_published(store.table_name, events)
    assert calls == [100, 1]
    assert unpublished_before(store.table_name, "2026-01-02T00:00:00.000Z") == []
