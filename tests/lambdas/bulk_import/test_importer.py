from __future__ import annotations

import json

import pytest
from lambda_testkit import load, s3_event, scan
from shared.aws import client

HEADER = "orderRef,customerId,currency,items\n"


@pytest.fixture
def importer(event_store_table, uploads_bucket):
    return load("bulk_import.importer")


def upload(bucket, key, text: str | bytes):
    client("s3").put_object(Bucket=bucket, Key=key, Body=text.encode() if isinstance(text, str) else text)


def report(bucket, key):
    return json.loads(client("s3").get_object(Bucket=bucket, Key=f"{key}.report.json")["Body"].read())


def run(importer, bucket, key, text, context):
    upload(bucket, key, text)
    return importer.handler(s3_event(bucket, key), context)


def test_good_rows_become_order_placed_events(importer, uploads_bucket, event_store_table, context):
    csv = HEADER + "A-1,cust-1,EUR,SKU-1:2:9.99;SKU-2:1:5\nA-2,cust-2,USD,SKU-3:1:0.5\n"
    assert run(importer, uploads_bucket, "uploads/batch.csv", csv, context) == {
        "reports": ["uploads/batch.csv.report.json"]
    }
    events = sorted(scan(event_store_table), key=lambda e: e["data"]["orderRef"])
    assert [(e["type"], e["version"], e["data"]["total"], e["data"]["currency"]) for e in events] == [
        ("OrderPlaced", 1, 24.98, "EUR"),
        ("OrderPlaced", 1, 0.5, "USD"),
    ]
    assert events[0]["data"]["items"] == [
        {"sku": "SKU-1", "qty": 2, "unitPrice": 9.99},
        {"sku": "SKU-2", "qty": 1, "unitPrice": 5.0},
    ]


def test_the_report_lists_each_row_and_is_written_next_to_the_file(importer, uploads_bucket, context):
    run(importer, uploads_bucket, "uploads/batch.csv", HEADER + "A-1,cust-1,EUR,SKU-1:2:9.99\n", context)
    written = report(uploads_bucket, "uploads/batch.csv")
    assert written["source"] == f"s3://{uploads_bucket}/uploads/batch.csv"
    assert [(r["line"], r["orderRef"]) for r in written["imported"]] == [(2, "A-1")]
    assert (written["duplicates"], written["rejected"], written["error"]) == ([], [], None)


def test_bad_rows_are_reported_and_good_rows_still_imported(importer, uploads_bucket, event_store_table, context):
    csv = HEADER + "\n".join(
        [
            "A-1,cust-1,EUR,SKU-1:2:9.99",
            "A-2,,EUR,SKU-1:1:1",
            "A-3,cust-3,euro,SKU-1:1:1",
            "A-4,cust-4,EUR,SKU-1:zero:1",
            "A-5,cust-5,EUR,SKU-1:1:-1",
            "A-6,cust-6,EUR,SKU-1:1",
            "A-7,cust-7,EUR,;",
            "A-8,cust-8,EUR,SKU-1:1:1,extra",
            "A-9,cust-9,EUR,SKU-1:1:1.999",
            "A-10,cust-10,EUR,SKU-1:1:1",
        ]
    )
    run(importer, uploads_bucket, "uploads/mixed.csv", csv, context)
    written = report(uploads_bucket, "uploads/mixed.csv")
    assert [r["orderRef"] for r in written["imported"]] == ["A-1", "A-10"]
    assert {r["line"]: r["reason"] for r in written["rejected"]} == {
        3: "customerId is empty",
        4: "currency 'euro' must be a 3-letter ISO code such as EUR",
        5: "item 'SKU-1:zero:1': qty must be a whole number from 1 to 1000",
        6: "item 'SKU-1:1:-1': unitPrice must be a number >= 0 with at most 2 decimals",
        7: "item 'SKU-1:1' must be sku:qty:unitPrice",
        8: "items lists no sku:qty:unitPrice entry",
        9: "row has 1 more fields than the header",
        10: "item 'SKU-1:1:1.999': unitPrice must be a number >= 0 with at most 2 decimals",
    }
    assert len(scan(event_store_table)) == 2


def test_reprocessing_a_file_imports_nothing_twice(importer, uploads_bucket, event_store_table, context):
    csv = HEADER + "A-1,cust-1,EUR,SKU-1:1:1\nA-1,cust-1,EUR,SKU-1:1:1\n"
    run(importer, uploads_bucket, "uploads/dup.csv", csv, context)
    importer.handler(s3_event(uploads_bucket, "uploads/dup.csv"), context)
    written = report(uploads_bucket, "uploads/dup.csv")
    assert written["imported"] == [] and [r["line"] for r in written["duplicates"]] == [2, 3]
    assert len(scan(event_store_table)) == 1


def test_the_same_order_ref_always_gets_the_same_order_id(importer):
    assert importer.order_id_for("A-1") == importer.order_id_for("A-1") != importer.order_id_for("A-2")


def test_a_header_without_the_required_columns_imports_nothing(importer, uploads_bucket, event_store_table, context):
    run(importer, uploads_bucket, "uploads/bad.csv", "ref,customerId\nA-1,c\n", context)
    assert report(uploads_bucket, "uploads/bad.csv")["error"] == (
        "header is missing column(s) orderRef, currency, items; expected orderRef,customerId,currency,items"
    )
    assert scan(event_store_table) == []


def test_a_file_that_is_not_utf8_is_reported(importer, uploads_bucket, context):
    run(
        importer,
        uploads_bucket,
        "uploads/latin1.csv",
        (HEADER + "A-1,Müller,EUR,SKU-1:1:1\n").encode("latin-1"),
        context,
    )
    assert report(uploads_bucket, "uploads/latin1.csv")["error"].startswith("file is not UTF-8 text")


def test_a_utf8_byte_order_mark_and_crlf_line_ends_are_accepted(importer, uploads_bucket, context):
    run(
        importer,
        uploads_bucket,
        "uploads/excel.csv",
        "\ufeff" + HEADER.replace("\n", "\r\n") + "A-1,cust-1,EUR,SKU-1:1:1\r\n",
        context,
    )
    assert len(report(uploads_bucket, "uploads/excel.csv")["imported"]) == 1


def test_keys_with_spaces_arrive_url_encoded_and_are_decoded(importer, uploads_bucket, context):
    run(importer, uploads_bucket, "uploads/May orders.csv", HEADER + "A-1,cust-1,EUR,SKU-1:1:1\n", context)
    assert len(report(uploads_bucket, "uploads/May orders.csv")["imported"]) == 1


def test_a_report_object_is_ignored(importer, uploads_bucket, context):
    upload(uploads_bucket, "uploads/batch.csv.report.json", "{}")
    assert importer.handler(s3_event(uploads_bucket, "uploads/batch.csv.report.json"), context) == {"reports": []}
    assert [o["Key"] for o in client("s3").list_objects_v2(Bucket=uploads_bucket)["Contents"]] == [
        "uploads/batch.csv.report.json"
    ]
