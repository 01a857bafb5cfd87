from __future__ import annotations

import time

import pytest
from lambda_testkit import item
from shared.aws import client
from shared.dynamo import MARKER_RETENTION_SECONDS, ShardedIndex, add_counts, apply_once, from_item, put_new, to_item


def test_json_values_round_trip_without_leaking_decimals():
    values = {"total": 19.98, "qty": 2, "items": [{"unitPrice": 9.99}], "flag": True, "note": None}
    restored = from_item(to_item(values))
    assert restored == values
    assert type(restored["qty"]) is int and type(restored["total"]) is float


def test_a_new_item_is_created_once(operations_table):
    key = {"pk": "ORDER#1", "sk": "PAYMENT"}
    first = put_new(operations_table, key, {"status": "Charged"})
    second = put_new(operations_table, key, {"status": "Declined"})
    assert first == ({**key, "status": "Charged"}, True)
    assert second == ({**key, "status": "Charged"}, False)


def test_writes_with_a_marker_are_applied_once(metrics_table):
    counter = add_counts(metrics_table, {"pk": "CLICKS#x", "sk": "a"}, {"count": 1, "value": 2.5})
    assert apply_once(metrics_table, "event-1", [counter]) is True
    assert apply_once(metrics_table, "event-1", [counter]) is False
    assert item(metrics_table, pk="CLICKS#x", sk="a") == {"pk": "CLICKS#x", "sk": "a", "count": 1, "value": 2.5}


def test_a_processed_marker_expires_after_the_retention(metrics_table):
    apply_once(metrics_table, "event-1", [])
    marker = item(metrics_table, pk="PROCESSED#event-1", sk="PROCESSED")
    assert marker is not None
    assert marker["expiresAt"] == pytest.approx(time.time() + MARKER_RETENTION_SECONDS, abs=5)


OPEN = ShardedIndex("open", "openShard", 4)


def test_a_sharded_index_query_reads_every_shard_and_only_what_meets_the_sort_condition(orders_table):
    for order_id, created in [("a", "2026-01-01"), ("b", "2026-01-02"), ("c", "2026-01-09"), ("d", "2026-01-03")]:
        put_new(orders_table, {"orderId": order_id}, {"openShard": OPEN.shard(order_id), "createdAt": created})
    put_new(orders_table, {"orderId": "closed"}, {"createdAt": "2026-01-01"})  # no shard: not in the index
    assert len({OPEN.shard(order_id) for order_id in "abd"}) > 1, "the orders span several shards"
    found = OPEN.query(orders_table, "createdAt < :newest", {":newest": "2026-01-05"})
    assert sorted(order["orderId"] for order in found) == ["a", "b", "d"]


def test_a_sharded_index_query_is_one_query_per_shard_and_never_a_scan(orders_table):
    calls: list[str] = []
    client("dynamodb").meta.events.register("before-call.dynamodb.*", lambda model, **kwargs: calls.append(model.name))
    list(OPEN.query(orders_table, "createdAt < :newest", {":newest": "2026-01-05"}))
    assert calls == ["Query"] * OPEN.shards


def test_a_sharded_index_query_refuses_a_value_named_like_the_shards_placeholder(orders_table):
    with pytest.raises(ValueError, match=":shard is the shard's placeholder"):
        list(OPEN.query(orders_table, "createdAt < :shard", {":shard": "2026-01-05"}))
