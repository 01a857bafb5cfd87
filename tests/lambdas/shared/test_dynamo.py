from __future__ import annotations

import time

import pytest
from lambda_testkit import item
from shared.dynamo import MARKER_RETENTION_SECONDS, add_counts, apply_once, from_item, put_new, to_item


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
