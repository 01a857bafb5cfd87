from __future__ import annotations

import json

import pytest
from lambda_testkit import failed_ids, load, put, sqs_event
from shared.aws import client

ORDER = {
    "orderId": "order-1",
    "status": "Confirmed",
    "customerId": "cust-1",
    "items": [{"sku": "SKU-1", "qty": 3, "unitPrice": 0.1}],
    "total": 0.3,
    "currency": "EUR",
    "createdAt": "2024-05-01T12:00:00.000Z",
    "updatedAt": "2024-05-01T12:01:00.000Z",
    "version": 2,
}


@pytest.fixture
def worker(orders_table, invoice_bucket):
    put(orders_table, ORDER)
    return load("invoices.worker")


def invoice(bucket, order_id="order-1"):
    return json.loads(client("s3").get_object(Bucket=bucket, Key=f"invoices/{order_id}.json")["Body"].read())


def task(order_id="order-1"):
    return json.dumps({"orderId": order_id})


def test_the_invoice_is_written_as_json_at_the_order_key(worker, invoice_bucket, context):
    assert worker.handler(sqs_event(task()), context) == {"batchItemFailures": []}
    assert invoice(invoice_bucket) == {
        "invoiceNumber": "INV-order-1",
        "orderId": "order-1",
        "customerId": "cust-1",
        "orderedAt": "2024-05-01T12:00:00.000Z",
        "orderStatus": "Confirmed",
        "currency": "EUR",
        "lines": [{"sku": "SKU-1", "qty": 3, "unitPrice": 0.1, "amount": 0.3}],
        "total": 0.3,
    }


def test_a_duplicate_task_rewrites_the_same_object(worker, invoice_bucket, context):
    worker.handler(sqs_event(task()), context)
    first = invoice(invoice_bucket)
    worker.handler(sqs_event(task()), context)
    assert invoice(invoice_bucket) == first
    assert [o["Key"] for o in client("s3").list_objects_v2(Bucket=invoice_bucket)["Contents"]] == [
        "invoices/order-1.json"
    ]


def test_an_order_not_projected_yet_fails_its_item(worker, invoice_bucket, context):
    assert failed_ids(worker.handler(sqs_event(task("order-new"), task()), context)) == ["m0"]


@pytest.mark.parametrize("body", ["not json", "[]", json.dumps({"order": "order-1"}), json.dumps({"orderId": ""})])
def test_a_malformed_task_fails_alone(worker, invoice_bucket, context, body):
    assert failed_ids(worker.handler(sqs_event(body, task()), context)) == ["m0"]
    assert invoice(invoice_bucket)["orderId"] == "order-1"
