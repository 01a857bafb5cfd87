"""bulk import: a CSV of orders uploaded to S3 becomes OrderPlaced events; a report is written next to the file.

CSV (UTF-8, header row required, one order per row)::

    orderRef,customerId,currency,items
    A-1001,cust-1,EUR,SKU-1:2:9.99;SKU-2:1:5.00

``items`` lists ``sku:qty:unitPrice`` entries separated by ``;`` with the API's limits. Each good row is imported as
an order whose id derives from its orderRef (uuid5), appended as version 1 with the event store's conditional write:
re-processing a file (S3 delivers events at least once) or repeating an orderRef imports nothing twice. Bad rows
are reported with their line number and reason, the others are still imported. The report goes to
``<key>.report.json``; objects that are themselves reports are ignored, so writing one cannot loop.
"""

from __future__ import annotations

import codecs
import csv
import json
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools.utilities.data_classes.s3_event import S3Event
from aws_lambda_powertools.utilities.typing import LambdaContext
from shared.aws import client
from shared.config import require
from shared.envelope import Event, utc_iso
from shared.event_store import ConcurrencyConflictError, EventStore
from shared.observability import count, entrypoint, logger
from shared.orders import CURRENCY, MAX_ITEMS, MAX_QTY, ORDER_PLACED, order_placed_data

COLUMNS = ("orderRef", "customerId", "currency", "items")
REPORT_SUFFIX = ".report.json"
ORDER_ID_NAMESPACE = uuid.UUID("6f1c8e52-3b7a-4c1e-9a57-2d0c5b8e41a3")  # fixed: the same orderRef, the same order id

store = EventStore(require("EVENT_STORE_TABLE"))


class InvalidRowError(ValueError):
    """Why a CSV row cannot be imported."""


@dataclass
class ImportReport:
    """What happened to each row; ``error`` is set when the file itself could not be read to the end."""

    source: str
    imported: list[dict[str, Any]] = field(default_factory=list)
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None


def order_id_for(order_ref: str) -> str:
    return str(uuid.uuid5(ORDER_ID_NAMESPACE, order_ref))


def parse_item(entry: str) -> dict[str, Any]:
    parts = entry.strip().split(":")
    if len(parts) != 3:
        raise InvalidRowError(f"item {entry!r} must be sku:qty:unitPrice")
    sku, qty_text, price_text = (part.strip() for part in parts)
    if not sku:
        raise InvalidRowError(f"item {entry!r} has an empty sku")
    if not (qty_text.isascii() and qty_text.isdigit()) or not 0 < int(qty_text) <= MAX_QTY:
        raise InvalidRowError(f"item {entry!r}: qty must be a whole number from 1 to {MAX_QTY}")
    try:
        price = Decimal(price_text)
    except InvalidOperation:
        price = Decimal("NaN")
    if not price.is_finite() or price < 0 or price.as_tuple().exponent < -2:  # type: ignore[operator]
        raise InvalidRowError(f"item {entry!r}: unitPrice must be a number >= 0 with at most 2 decimals")
    return {"sku": sku, "qty": int(qty_text), "unitPrice": price}


def parse_row(row: dict[str | None, Any]) -> dict[str, Any]:
    """OrderPlaced data for a CSV row (with its orderRef), or InvalidRowError naming the first problem."""
    if None in row:
        raise InvalidRowError(f"row has {len(row[None])} more fields than the header")
    values = {name: (row.get(name) or "").strip() for name in COLUMNS}
    for name in COLUMNS:
        if not values[name]:
            raise InvalidRowError(f"{name} is empty")
    if not CURRENCY.match(values["currency"]):
        raise InvalidRowError(f"currency {values['currency']!r} must be a 3-letter ISO code such as EUR")
    items = [parse_item(entry) for entry in values["items"].split(";") if entry.strip()]
    if not items:
        raise InvalidRowError("items lists no sku:qty:unitPrice entry")
    if len(items) > MAX_ITEMS:
        raise InvalidRowError(f"{len(items)} items; an order has at most {MAX_ITEMS}")
    return order_placed_data(values["customerId"], items, values["currency"]) | {"orderRef": values["orderRef"]}


def import_rows(lines: Iterable[str], report: ImportReport) -> None:
    reader = csv.DictReader(lines)
    missing = [name for name in COLUMNS if name not in (reader.fieldnames or [])]
    if missing:
        report.error = f"header is missing column(s) {', '.join(missing)}; expected {','.join(COLUMNS)}"
        return
    for row in reader:
        line, ref = reader.line_num, (row.get("orderRef") or "").strip()
        try:
            data = parse_row(row)
        except InvalidRowError as invalid:
            report.rejected.append({"line": line, "orderRef": ref, "reason": str(invalid)})
            continue
        order_id = order_id_for(ref)
        outcome = {"line": line, "orderRef": ref, "orderId": order_id}
        try:
            store.append(Event.new(ORDER_PLACED, order_id, 1, data))
        except ConcurrencyConflictError:
            report.duplicates.append(outcome)
        else:
            report.imported.append(outcome)


def import_object(bucket: str, key: str) -> ImportReport:
    report = ImportReport(source=f"s3://{bucket}/{key}")
    body = client("s3").get_object(Bucket=bucket, Key=key)["Body"]
    try:
        import_rows(codecs.iterdecode(body.iter_lines(keepends=True), "utf-8-sig"), report)
    except UnicodeDecodeError:
        report.error = "file is not UTF-8 text; rows after the first undecodable byte were not read"
    except csv.Error as error:
        report.error = f"file is not valid CSV: {error}"
    report_body = json.dumps(asdict(report) | {"finishedAt": utc_iso()}, indent=2).encode()
    client("s3").put_object(Bucket=bucket, Key=key + REPORT_SUFFIX, Body=report_body, ContentType="application/json")
    count("OrdersImported", len(report.imported))
    count("ImportRowsRejected", len(report.rejected))
    logger.info(
        "Import finished",
        extra={"source": report.source, "imported": len(report.imported), "rejected": len(report.rejected)},
    )
    return report


@entrypoint(correlation_id_path="Records[0].s3.object.key")
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    reports = []
    for record in S3Event(event).records:
        key = unquote_plus(record.s3.get_object.key)  # S3 event keys are URL-encoded
        if key.endswith(REPORT_SUFFIX):
            logger.info("Ignoring an import report", extra={"key": key})
            continue
        import_object(record.s3.bucket.name, key)
        reports.append(key + REPORT_SUFFIX)
    return {"reports": reports}
