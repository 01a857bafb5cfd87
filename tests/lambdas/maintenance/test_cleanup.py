from __future__ import annotations

import time

import pytest
from lambda_testkit import load, put, scan, scheduled_event
from shared.aws import client


@pytest.fixture
def job(operations_table):
    return load("maintenance.cleanup")


def marker(table, pk, **attributes):
    put(table, {"pk": pk, "sk": "PROCESSED", **attributes})


def test_expired_items_are_deleted_and_the_rest_kept(job, operations_table, context):
    now = int(time.time())
    marker(operations_table, "PROCESSED#old", expiresAt=now - 1)
    marker(operations_table, "PROCESSED#fresh", expiresAt=now + 3600)
    marker(operations_table, "ORDER#1")  # no expiresAt: kept forever
    assert job.handler(scheduled_event(), context) == {"deleted": 1}
    assert sorted(row["pk"] for row in scan(operations_table)) == ["ORDER#1", "PROCESSED#fresh"]


def test_deletes_are_batched_by_twenty_five(job, operations_table, context, monkeypatch):
    for n in range(30):
        marker(operations_table, f"PROCESSED#{n}", expiresAt=1)
    dynamodb = client("dynamodb")
    real_batch_write, sizes = dynamodb.batch_write_item, []

    def batch_write_item(**request):
        sizes.append(len(request["RequestItems"]["operations"]))
        return real_batch_write(**request)

    monkeypatch.setattr(dynamodb, "batch_write_item", batch_write_item)
    assert job.handler(scheduled_event(), context) == {"deleted": 30}
    assert sizes == [25, 5]
    assert scan(operations_table) == []


def test_unprocessed_deletes_are_resent(job, operations_table, context, monkeypatch):
    marker(operations_table, "PROCESSED#a", expiresAt=1)
    marker(operations_table, "PROCESSED#b", expiresAt=1)
    dynamodb = client("dynamodb")
    real_batch_write, calls = dynamodb.batch_write_item, []

    def throttled_once(**request):
        calls.append(request)
        requests = request["RequestItems"]["operations"]
        if len(calls) == 1:  # DynamoDB processes one and hands the other back
            real_batch_write(RequestItems={"operations": requests[:1]})
            return {"UnprocessedItems": {"operations": requests[1:]}}
        return real_batch_write(**request)

    monkeypatch.setattr(dynamodb, "batch_write_item", throttled_once)
    monkeypatch.setattr(job.time, "sleep", lambda seconds: None)
    job.handler(scheduled_event(), context)
    assert len(calls) == 2 and len(calls[1]["RequestItems"]["operations"]) == 1
    assert scan(operations_table) == []
