from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError
from lambda_testkit import failed_ids, item, load, received, stream_event
from shared.aws import client
from shared.envelope import Event
from shared.orders import open_shard, order_placed_data

PLACED = order_placed_data("cust-1", [{"sku": "SKU-1", "qty": 2, "unitPrice": 9.99}], "EUR")


@pytest.fixture
def projector(event_store_table, orders_table, bus_capture):
    return load("order_projector.projector")


def lifecycle(store, order_id="order-1", *types):
    """Append OrderPlaced then ``types`` for ``order_id``; returns the events."""
    events = [Event.new("OrderPlaced", order_id, 1, PLACED)]
    events += [
        Event.new(t, order_id, version, {"reason": "PaymentDeclined"}) for version, t in enumerate(types, start=2)
    ]
    for event in events:
        store.append(event)
    return events


def sequence_numbers(batch):
    return [record["dynamodb"]["SequenceNumber"] for record in batch["Records"]]


def test_an_order_placed_creates_the_read_model_item(projector, store, orders_table, context):
    [placed] = lifecycle(store)
    assert projector.handler(stream_event(store.table_name), context) == {"batchItemFailures": []}
    assert item(orders_table, orderId="order-1") == {
        "orderId": "order-1",
        "status": "Pending",
        "customerId": "cust-1",
        "items": [{"sku": "SKU-1", "qty": 2, "unitPrice": 9.99}],
        "total": 19.98,
        "currency": "EUR",
        "createdAt": placed.occurred_at,
        "updatedAt": placed.occurred_at,
        "version": 1,
        "openShard": open_shard("order-1"),
    }


def test_a_cancelled_order_leaves_the_open_index_and_a_confirmed_one_stays_for_reconcile(
    projector, store, orders_table, context
):
    lifecycle(store, "cancelled", "OrderCancelled")
    lifecycle(store, "confirmed", "OrderConfirmed")
    projector.handler(stream_event(store.table_name), context)
    assert "openShard" not in item(orders_table, orderId="cancelled")
    assert item(orders_table, orderId="confirmed")["openShard"] == open_shard("confirmed")


def test_each_event_is_published_to_the_bus_with_its_type_as_detail_type(projector, store, bus_capture, context):
    events = lifecycle(store, "order-1", "OrderConfirmed")
    projector.handler(stream_event(store.table_name), context)
    published = received(bus_capture)
    assert [(e["source"], e["detail-type"], e["detail"]) for e in published] == [
        ("orders.platform", event.type, event.to_dict()) for event in events
    ]


def test_later_events_advance_status_and_version(projector, store, orders_table, context):
    lifecycle(store, "order-1", "OrderCancelled")
    projector.handler(stream_event(store.table_name), context)
    order = item(orders_table, orderId="order-1")
    assert (order["status"], order["cancellationReason"], order["version"]) == ("Cancelled", "PaymentDeclined", 2)


def test_a_redelivered_batch_changes_nothing(projector, store, orders_table, context):
    lifecycle(store, "order-1", "OrderConfirmed")
    batch = stream_event(store.table_name)
    projector.handler(batch, context)
    before = item(orders_table, orderId="order-1")
    assert projector.handler(batch, context) == {"batchItemFailures": []}
    assert item(orders_table, orderId="order-1") == before


def test_an_older_event_never_overwrites_a_newer_one(projector, store, orders_table, context):
    lifecycle(store, "order-1", "OrderConfirmed")
    batch = stream_event(store.table_name)
    projector.handler(batch, context)
    older = {"Records": batch["Records"][:1]}  # OrderPlaced again, after OrderConfirmed was applied
    assert projector.handler(older, context) == {"batchItemFailures": []}
    assert item(orders_table, orderId="order-1")["status"] == "Confirmed"


def test_an_event_ahead_of_its_predecessor_fails_until_the_predecessor_is_applied(
    projector, store, orders_table, context
):
    lifecycle(store, "order-1", "OrderConfirmed")
    placed_record, confirmed_record = stream_event(store.table_name)["Records"]
    ahead = projector.handler({"Records": [confirmed_record]}, context)
    assert failed_ids(ahead) == [confirmed_record["dynamodb"]["SequenceNumber"]]
    assert item(orders_table, orderId="order-1") is None
    assert projector.handler({"Records": [placed_record, confirmed_record]}, context) == {"batchItemFailures": []}
    assert item(orders_table, orderId="order-1")["status"] == "Confirmed"


def test_an_unreadable_record_is_reported_and_the_rest_projected(projector, store, orders_table, context):
    lifecycle(store, "order-1")
    lifecycle(store, "order-2")
    batch = stream_event(store.table_name)
    del batch["Records"][0]["dynamodb"]["NewImage"]["type"]
    assert failed_ids(projector.handler(batch, context)) == sequence_numbers(batch)[:1]
    assert item(orders_table, orderId=batch["Records"][1]["dynamodb"]["Keys"]["aggregateId"]["S"]) is not None


def test_changes_other_than_inserts_are_ignored(projector, store, orders_table, bus_capture, context):
    lifecycle(store)
    batch = stream_event(store.table_name)
    batch["Records"][0]["eventName"] = "MODIFY"
    assert projector.handler(batch, context) == {"batchItemFailures": []}
    assert item(orders_table, orderId="order-1") is None
    assert received(bus_capture) == []


def test_events_are_published_at_most_ten_per_call(projector, store, context, monkeypatch):
    for n in range(12):
        lifecycle(store, f"order-{n}")
    events = client("events")
    real_put_events, calls = events.put_events, []

    def put_events(**request):
        calls.append(len(request["Entries"]))
        return real_put_events(**request)

    monkeypatch.setattr(events, "put_events", put_events)
    assert projector.handler(stream_event(store.table_name), context) == {"batchItemFailures": []}
    assert calls == [10, 2]


def test_entries_eventbridge_rejects_fail_their_records(projector, store, orders_table, context, monkeypatch):
    for n in range(3):
        lifecycle(store, f"order-{n}")

    def put_events(**request):
        results = [{"EventId": f"id-{n}"} for n in range(len(request["Entries"]))]
        results[1] = {"ErrorCode": "InternalFailure", "ErrorMessage": "try again"}
        return {"FailedEntryCount": 1, "Entries": results}

    monkeypatch.setattr(client("events"), "put_events", put_events)
    batch = stream_event(store.table_name)
    assert failed_ids(projector.handler(batch, context)) == sequence_numbers(batch)[1:2]
    assert all(item(orders_table, orderId=f"order-{n}") for n in range(3)), (
        "projection is kept; only publishing is retried"
    )


def test_a_failed_put_events_call_fails_its_whole_chunk(projector, store, context, monkeypatch):
    lifecycle(store, "order-1", "OrderConfirmed")

    def put_events(**request):
        raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "PutEvents")

    monkeypatch.setattr(client("events"), "put_events", put_events)
    batch = stream_event(store.table_name)
    assert failed_ids(projector.handler(batch, context)) == sequence_numbers(batch)


def test_a_record_retried_after_a_publish_failure_is_published_again(
    projector, store, bus_capture, context, monkeypatch
):
    [placed] = lifecycle(store)
    batch = stream_event(store.table_name)
    with monkeypatch.context() as patch:
        patch.setattr(
            client("events"), "put_events", lambda **request: {"FailedEntryCount": 1, "Entries": [{"ErrorCode": "X"}]}
        )
        assert failed_ids(projector.handler(batch, context)) == sequence_numbers(batch)
    assert projector.handler(batch, context) == {"batchItemFailures": []}
    assert [json.dumps(e["detail"], sort_keys=True) for e in received(bus_capture)] == [
        json.dumps(placed.to_dict(), sort_keys=True)
    ]


def test_a_published_event_is_marked_published_in_the_store(projector, store, context):
    lifecycle(store)
    projector.handler(stream_event(store.table_name), context)
    stored = item(store.table_name, aggregateId="order-1", version=1)
    assert "outboxShard" not in stored and stored["publishedAt"]


def test_an_event_eventbridge_rejects_stays_unpublished_in_the_store(projector, store, context, monkeypatch):
    lifecycle(store)
    monkeypatch.setattr(
        client("events"), "put_events", lambda **request: {"FailedEntryCount": 1, "Entries": [{"ErrorCode": "X"}]}
    )
    projector.handler(stream_event(store.table_name), context)
    assert "outboxShard" in item(store.table_name, aggregateId="order-1", version=1)


def test_a_failed_mark_fails_its_records_for_a_retry(projector, store, context, monkeypatch):
    lifecycle(store)

    def transact_write_items(**request):
        raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "x"}}, "TransactWriteItems")

    monkeypatch.setattr(client("dynamodb"), "transact_write_items", transact_write_items)
    batch = stream_event(store.table_name)
    assert failed_ids(projector.handler(batch, context)) == sequence_numbers(batch)


def test_a_redelivered_record_whose_event_was_published_is_not_published_again(projector, store, bus_capture, context):
    lifecycle(store)
    batch = stream_event(store.table_name)
    projector.handler(batch, context)
    client("sqs").purge_queue(QueueUrl=bus_capture)
    assert projector.handler(batch, context) == {"batchItemFailures": []}
    assert received(bus_capture) == []


def test_a_record_the_sweeper_projected_but_did_not_publish_yet_is_published(
    projector, store, orders_table, bus_capture, context
):
    [placed] = lifecycle(store)
    batch = stream_event(store.table_name)
    project = load("order_projector.projection").project
    project(orders_table, placed)  # the sweeper's projection, before its publication
    projector.handler(batch, context)
    assert [m["detail"]["id"] for m in received(bus_capture)] == [placed.id]
