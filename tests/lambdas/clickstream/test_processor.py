from __future__ import annotations

import json

import pytest
from lambda_testkit import failed_ids, item, kinesis_event, load


@pytest.fixture
def processor(metrics_table):
    return load("clickstream.processor")


def click(kind="page_view", page="/products/42", at="2024-05-01T12:34:56Z"):
    return json.dumps({"type": kind, "page": page, "occurredAt": at}).encode()


def counted(table, minute, key):
    found = item(table, pk=f"CLICKS#{minute}", sk=key)
    return found["count"] if found else 0


def test_clicks_are_counted_per_minute_type_and_page(processor, metrics_table, context):
    batch = kinesis_event(
        click(), click(at="2024-05-01T12:34:01Z"), click(kind="add_to_cart"), click(at="2024-05-01T12:35:00Z")
    )
    assert processor.handler(batch, context) == {"batchItemFailures": []}
    assert counted(metrics_table, "2024-05-01T12:34", "page_view#/products/42") == 2
    assert counted(metrics_table, "2024-05-01T12:34", "add_to_cart#/products/42") == 1
    assert counted(metrics_table, "2024-05-01T12:35", "page_view#/products/42") == 1


def test_timestamps_with_offsets_and_unix_seconds_count_in_their_utc_minute(processor, metrics_table, context):
    processor.handler(kinesis_event(click(at="2024-05-01T14:34:30+02:00"), click(at=1714566870)), context)
    assert counted(metrics_table, "2024-05-01T12:34", "page_view#/products/42") == 2


def test_a_redelivered_batch_is_counted_once(processor, metrics_table, context):
    batch = kinesis_event(click(), click())
    processor.handler(batch, context)
    processor.handler(batch, context)
    assert counted(metrics_table, "2024-05-01T12:34", "page_view#/products/42") == 2


@pytest.mark.parametrize(
    "payload",
    [
        b"\xff not json",
        b'["page_view"]',
        json.dumps({"page": "/", "occurredAt": "2024-05-01T12:00:00Z"}).encode(),
        click(page=""),
        click(at="yesterday"),
        click(at="2024-05-01T12:00:00"),
        json.dumps({"type": "page_view", "page": "/"}).encode(),
    ],
    ids=["not-json", "not-object", "no-type", "empty-page", "bad-time", "no-offset", "no-time"],
)
def test_an_unreadable_record_is_reported_and_the_rest_counted(processor, metrics_table, context, payload):
    response = processor.handler(kinesis_event(click(), payload, click()), context)
    assert failed_ids(response) == ["2"]
    assert counted(metrics_table, "2024-05-01T12:34", "page_view#/products/42") == 2
