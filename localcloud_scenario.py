"""The order platform's scenario for ``wasp local run`` and its load for ``wasp local bench``.

One function per flow of the reference system (architecture.md), each driving the running cloud through its
public endpoints and checking the outcome the data contracts of lambdas/README.md promise; then the
invariant over all of them. A flow returns a one-line detail or raises :class:`FlowFailedError`.
``bench`` pushes orders end to end: POST /orders, projected, confirmed by the saga, fanned out.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pulumi_wasp.localcloud.bench import BenchError, Tables, Unit
from pulumi_wasp.localcloud.client import Cloud, FlowFailedError, Response, http, item, wait_for
from pulumi_wasp.localcloud.scenario import Flow, check_invariant, run_flows

if TYPE_CHECKING:
    from pulumi_wasp.localcloud.cloud import LocalCloud

#: A customer no payment declines (not "declined-…") and a total far below the decline limit.
ITEMS = [{"sku": "SKU-1", "qty": 2, "unitPrice": "9.99"}, {"sku": "SKU-2", "qty": 1, "unitPrice": "5.00"}]
#: The payment provider's webhook signature (lambdas/payment_webhooks/signature.py).
SIGNATURE_HEADER, TIMESTAMP_HEADER = "X-Signature", "X-Timestamp"


# -- helpers ------------------------------------------------------------------------------------
def post_webhook(
    cloud: Cloud, payload: dict[str, Any], *, timestamp: int | None = None, secret: str | None = None
) -> Response:
    """POST a payment webhook signed as the provider does: HMAC-SHA256 of "<timestamp>.<body>"."""
    webhook = cloud.endpoints["webhook"]
    body = json.dumps(payload).encode()
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    key = (webhook["secret"] if secret is None else secret).encode()
    signature = hmac.new(key, f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json", TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: signature}
    return http("POST", webhook["url"], body, headers)


def events_of(cloud: Cloud, aggregate_id: str) -> list[dict[str, Any]]:
    """The event store's events of one aggregate, in version order."""
    response = cloud.client("dynamodb").query(
        TableName=cloud.table("event-store-table"),
        KeyConditionExpression="aggregateId = :id",
        ExpressionAttributeValues={":id": {"S": aggregate_id}},
        ConsistentRead=True,
    )
    return [item(raw) or {} for raw in response["Items"]]


def place_order(cloud: Cloud, customer: str | None = None, key: str | None = None) -> dict[str, Any]:
    body = {"customerId": customer or f"cust-{uuid.uuid4().hex[:8]}", "items": ITEMS, "currency": "EUR"}
    answer = cloud.api("POST", "/orders", body, {"Idempotency-Key": key or str(uuid.uuid4())})
    if answer.status != 201:
        raise FlowFailedError(f"POST /orders answered {answer.status}: {answer.text[:200]}")
    return answer.json()


def order(
    cloud: Cloud, order_id: str, what: str, accept: Callable[[dict[str, Any]], bool], timeout: float = 15
) -> dict[str, Any]:
    """GET /orders/{id} until the read model shows what ``accept`` expects."""

    def probe() -> dict[str, Any] | None:
        answer = cloud.api("GET", f"/orders/{order_id}")
        found = answer.json() if answer.status == 200 else None
        return found if found and accept(found) else None

    return wait_for(f"order {order_id} {what}", probe, timeout, interval=0.25)


def execution_of(cloud: Cloud, order_id: str, expected: str, error: str | None = None) -> dict[str, Any]:
    """The saga execution started for an order once it ended; fails at once, with the
    execution's error and cause, when it ended otherwise than ``expected`` (and ``error``)."""
    sfn = cloud.client("stepfunctions")
    machine = cloud.outputs["state_machine_arn"]

    def ended() -> dict[str, Any] | None:
        for summary in sfn.list_executions(stateMachineArn=machine)["executions"]:
            described = sfn.describe_execution(executionArn=summary["executionArn"])
            if order_id in described.get("input", "") and described["status"] != "RUNNING":
                return described
        return None

    execution = wait_for(f"the saga execution of order {order_id} to end", ended, timeout=20)
    if execution["status"] != expected or (error and execution.get("error") != error):
        outcome = f"{execution['status']} with {execution.get('error')} ({_cause(execution.get('cause', ''))})"
        raise FlowFailedError(f"the saga execution ended {outcome}, expected {expected} {error or ''}".rstrip())
    return execution


def _cause(cause: str) -> str:
    """A failed task's cause, shortened to Lambda's error type and message when it is one."""
    try:
        lambda_error = json.loads(cause)
        return f"{lambda_error['errorType']}: {lambda_error['errorMessage']}"
    except (ValueError, KeyError, TypeError):
        return cause[:200]


def states_entered(cloud: Cloud, execution_arn: str) -> list[str]:
    events = cloud.client("stepfunctions").get_execution_history(executionArn=execution_arn, maxResults=1000)["events"]
    return [e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e]


def queue_depth(cloud: Cloud, url: str) -> int:
    """Messages waiting in a queue or being processed."""
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attributes = cloud.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return sum(int(attributes[name]) for name in names)


def queue_url(cloud: Cloud, kind: str, name: str) -> str:
    urls = cloud.outputs.get(kind, {})
    if name not in urls:
        raise FlowFailedError(f"the stack exports no {kind}[{name!r}] (has {sorted(urls)})")
    return urls[name]


# -- the flows ----------------------------------------------------------------------------------
def orders_api(cloud: Cloud) -> str:
    """POST /orders → event store (conditional append) → stream → projector → read model."""
    placed = place_order(cloud)
    if cloud.api("POST", "/orders", {"customerId": "x"}, sign=False).status != 403:
        raise FlowFailedError("an unsigned POST /orders was not refused (the route takes AWS_IAM)")
    projected = order(cloud, placed["orderId"], "projected", lambda o: o.get("version", 0) >= 1)
    return f"order {placed['orderId'][:8]} placed (201) and projected (status {projected['status']}); unsigned call refused (403)"


def duplicate_order(cloud: Cloud) -> str:
    """The same Idempotency-Key twice yields one order; the key with another body is refused."""
    key = str(uuid.uuid4())
    first = place_order(cloud, customer="cust-dup", key=key)
    second = place_order(cloud, customer="cust-dup", key=key)
    if first["orderId"] != second["orderId"]:
        raise FlowFailedError(f"the retry created a second order: {first['orderId']} and {second['orderId']}")
    other = cloud.api(
        "POST", "/orders", {"customerId": "cust-other", "items": ITEMS, "currency": "EUR"}, {"Idempotency-Key": key}
    )
    if other.status != 422:
        raise FlowFailedError(f"the key reused with another body answered {other.status}, expected 422")
    placed = [e for e in events_of(cloud, first["orderId"]) if e["type"] == "OrderPlaced"]
    if len(placed) != 1:
        raise FlowFailedError(f"{len(placed)} OrderPlaced events for the order, expected 1")
    return "two POSTs with one Idempotency-Key → one order, one OrderPlaced; same key, other body → 422"


def saga_confirms(cloud: Cloud) -> str:
    """OrderPlaced on the bus → saga reserves, charges, ships → OrderConfirmed → shipping worker."""
    order_id = place_order(cloud)["orderId"]
    execution = execution_of(cloud, order_id, "SUCCEEDED")
    order(cloud, order_id, "confirmed", lambda o: o.get("status") == "Confirmed")
    states = states_entered(cloud, execution["executionArn"])
    expected = ["ReserveInventory", "ProcessPayment", "ArrangeShipping", "ConfirmOrder"]
    if [s for s in states if s in expected] != expected:
        raise FlowFailedError(f"the execution entered {states}, expected {expected} in order")
    wait_for(
        "the shipping worker's dispatch record",
        lambda: cloud.get_item("operations-table", pk=f"ORDER#{order_id}", sk="DISPATCH"),
    )
    return "reserve → pay → ship → confirm; OrderConfirmed fanned out to shipping"


def declined_payment(cloud: Cloud) -> str:
    """A declined payment compensates the steps before it (release the reservation), then the order
    is cancelled with the reason; the machine fails with PaymentDeclined."""
    order_id = place_order(cloud, customer=f"declined-{uuid.uuid4().hex[:8]}")["orderId"]
    execution = execution_of(cloud, order_id, "FAILED", error="PaymentDeclined")
    cancelled = order(cloud, order_id, "cancelled", lambda o: o.get("status") == "Cancelled")
    if cancelled.get("cancellationReason") != "PaymentDeclined":
        raise FlowFailedError(
            f"cancelled with reason {cancelled.get('cancellationReason')!r}, expected 'PaymentDeclined'"
        )
    states = states_entered(cloud, execution["executionArn"])
    # The failed step itself is not compensated (nothing was charged): only the steps before it.
    for compensation in ("ReleaseInventory", "CancelOrder"):
        if compensation not in states:
            raise FlowFailedError(f"the execution never entered {compensation}: {states}")
    for skipped in ("RefundPayment", "ArrangeShipping"):
        if skipped in states:
            raise FlowFailedError(f"a declined payment entered {skipped}: {states}")
    return "PaymentDeclined → ReleaseInventory → CancelOrder (no refund: nothing charged); order Cancelled"


def fan_out(cloud: Cloud) -> str:
    """Bus rule → SNS topic → filtered queues → inventory and analytics workers."""
    order_id = place_order(cloud)["orderId"]
    wait_for(
        "the inventory commitment", lambda: cloud.get_item("operations-table", pk=f"ORDER#{order_id}", sk="COMMITMENT")
    )
    placed = wait_for(
        "the OrderPlaced event",
        lambda: next((e for e in events_of(cloud, order_id) if e["type"] == "OrderPlaced"), None),
    )
    wait_for(
        "the analytics count of the event",
        lambda: cloud.get_item("metrics-table", pk=f"PROCESSED#{placed['id']}", sk="PROCESSED"),
    )
    return "OrderPlaced → topic → inventory (committed) and analytics (counted); shipping filtered out"


def invoice(cloud: Cloud) -> str:
    """POST /orders/{id}/invoice → task queue → invoice worker (reserved concurrency) → S3."""
    order_id = place_order(cloud)["orderId"]
    order(cloud, order_id, "projected", lambda o: True)
    answer = cloud.api("POST", f"/orders/{order_id}/invoice")
    if answer.status != 202:
        raise FlowFailedError(f"POST /orders/{{id}}/invoice answered {answer.status}: {answer.text[:200]}")
    worker = cloud.client("lambda").get_function_configuration(
        FunctionName=cloud.endpoints["functions"]["invoice-worker-function"]
    )
    bucket = worker.get("Environment", {}).get("Variables", {}).get("INVOICE_BUCKET")
    if not bucket:
        raise FlowFailedError(
            "the invoice worker has no INVOICE_BUCKET variable: its INIT fails, every task ends in the DLQ"
        )
    s3 = cloud.client("s3")

    def written() -> bool:
        return bool(s3.list_objects_v2(Bucket=bucket, Prefix=f"invoices/{order_id}.json").get("KeyCount"))

    wait_for(f"s3://{bucket}/invoices/{order_id}.json", written)
    return f"202, then s3://{bucket}/invoices/{order_id[:8]}….json"


def poison_message(cloud: Cloud) -> str:
    """A message no worker can read is retried after its visibility timeout, then redriven to the DLQ."""
    body = f"not an event {uuid.uuid4()}"
    cloud.client("sqs").send_message(QueueUrl=queue_url(cloud, "queue_urls", "inventory"), MessageBody=body)
    dlq = queue_url(cloud, "dlq_urls", "inventory")
    wait_for(
        "the poison message in the inventory DLQ", lambda: any(m["Body"] == body for m in cloud.peek(dlq)), timeout=20
    )
    return "unreadable message failed 3 receives, then moved to the inventory DLQ"


def webhook(cloud: Cloud) -> str:
    """Signed payment webhook → verifier (202) → queue → worker appends PaymentConfirmed once."""
    order_id = place_order(cloud)["orderId"]
    order(cloud, order_id, "projected", lambda o: True)
    payload = {
        "eventId": f"evt-{uuid.uuid4().hex}",
        "type": "payment.succeeded",
        "orderId": order_id,
        "amount": "24.98",
        "currency": "EUR",
    }
    for delivery in ("first", "duplicate"):
        answer = post_webhook(cloud, payload)
        if answer.status != 202:
            raise FlowFailedError(f"the {delivery} delivery answered {answer.status}: {answer.text[:200]}")
    order(cloud, order_id, "marked paid", lambda o: o.get("paymentStatus") == "Confirmed")
    # Once the queue is empty the worker has handled both deliveries: a second append would be there.
    wait_for(
        "the webhook queue to drain",
        lambda: queue_depth(cloud, queue_url(cloud, "queue_urls", "payment_webhooks")) == 0,
    )
    confirmed = [e for e in events_of(cloud, order_id) if e["type"] == "PaymentConfirmed"]
    if len(confirmed) != 1:
        raise FlowFailedError(f"{len(confirmed)} PaymentConfirmed events after a duplicate delivery, expected 1")
    return "signed webhook 202 (delivered twice) → one PaymentConfirmed → order paid"


def webhook_bad_signature(cloud: Cloud) -> str:
    answer = post_webhook(
        cloud,
        {"eventId": "evt-bad", "type": "payment.succeeded", "orderId": "x"},
        secret="not-the-secret",  # noqa: S106 - a wrong secret on purpose
    )
    if answer.status != 401:
        raise FlowFailedError(f"a bad signature answered {answer.status}, expected 401")
    return f"401 {answer.json().get('message')}"


def webhook_replay(cloud: Cloud) -> str:
    stale = int(time.time()) - cloud.endpoints["webhook"]["tolerance_seconds"] - 60
    answer = post_webhook(
        cloud, {"eventId": "evt-replayed", "type": "payment.succeeded", "orderId": "x"}, timestamp=stale
    )
    if answer.status != 401:
        raise FlowFailedError(f"a replayed (stale, correctly signed) webhook answered {answer.status}, expected 401")
    return f"401 {answer.json().get('message')}"


def clickstream(cloud: Cloud) -> str:
    """Kinesis → processor counts clicks per minute; an unreadable record is retried, then its
    coordinates go to the on-failure queue while the rest of the shard moves on."""
    page = f"/products/{uuid.uuid4().hex[:8]}"
    now = datetime.now(UTC).replace(microsecond=0)
    kinesis, stream = cloud.client("kinesis"), cloud.outputs["clickstream_stream"]
    records = [
        {
            "Data": json.dumps({"type": "page_view", "page": page, "occurredAt": now.isoformat()}).encode(),
            "PartitionKey": page,
        }
    ] * 3
    records.append({"Data": b"not json", "PartitionKey": page})
    kinesis.put_records(StreamName=stream, Records=records)
    key = {"pk": f"CLICKS#{now:%Y-%m-%dT%H:%M}", "sk": f"page_view#{page}"}
    wait_for("3 clicks counted", lambda: (cloud.get_item("metrics-table", **key) or {}).get("count") == 3)
    on_failure = cloud.endpoints["dlqs"]["clickstream-on-failure-dlq"]

    def parked() -> bool:
        infos = [json.loads(m["Body"]).get("KinesisBatchInfo", {}) for m in cloud.peek(on_failure)]
        return any(i.get("batchSize") and i.get("streamArn", "").endswith(f"/{stream}") for i in infos)

    wait_for("the unreadable record's batch in the on-failure queue", parked, timeout=20)
    return "3 clicks counted once; the unreadable record retried, then parked in the on-failure queue"


def bulk_import(cloud: Cloud) -> str:
    """CSV under uploads/ → S3 notification → importer: orders appended, a report next to the file."""
    bucket, reference = cloud.outputs["uploads_bucket"], uuid.uuid4().hex[:8]
    rows = [
        ["orderRef", "customerId", "currency", "items"],
        [f"A-{reference}", "cust-1", "EUR", "SKU-1:2:9.99;SKU-2:1:5.00"],
    ]
    rows += [[f"B-{reference}", "cust-2", "EUR", "SKU-3:1:1.50"], [f"C-{reference}", "cust-3", "EURO", "SKU-1:1:1"]]
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    key = f"uploads/{reference}.csv"
    s3 = cloud.client("s3")
    s3.put_object(Bucket=bucket, Key=key, Body=text.getvalue().encode())

    def report() -> dict[str, Any] | None:
        try:
            return json.loads(s3.get_object(Bucket=bucket, Key=f"{key}.report.json")["Body"].read())
        except s3.exceptions.NoSuchKey:
            return None

    found = wait_for(f"s3://{bucket}/{key}.report.json", report)
    if len(found.get("imported", [])) != 2 or len(found.get("rejected", [])) != 1:
        raise FlowFailedError(
            f"the report lists {found.get('imported')} imported and {found.get('rejected')} rejected, expected 2 and 1"
        )
    order(cloud, found["imported"][0]["orderId"], "projected", lambda o: True)
    return "2 rows imported (projected), 1 rejected; report written next to the file"


def scheduled_jobs(cloud: Cloud) -> str:
    """The cron cleanup (fired now, as its next tick would) deletes expired markers; the rate
    reconcile runs by itself on the local clock."""
    expired = {"pk": {"S": f"PROCESSED#expired-{uuid.uuid4().hex}"}, "sk": {"S": "PROCESSED"}, "expiresAt": {"N": "1"}}
    cloud.client("dynamodb").put_item(TableName=cloud.table("operations-table"), Item=expired)
    schedules = cloud.endpoints["schedules"]
    cleanup = next(s for s in schedules if s.endswith("cleanup"))
    reconcile = next(s for s in schedules if s.endswith("reconcile"))
    cloud.fire(cleanup)
    wait_for(
        "the cleanup job to delete the expired marker",
        lambda: cloud.get_item("operations-table", pk=expired["pk"]["S"], sk="PROCESSED") is None,
    )

    def reconciled() -> bool:
        return any(f["schedule"] == reconcile for f in cloud.status()["fired"])

    speed = cloud.endpoints["speed"]
    wait_for(f"a reconcile tick (rate(5 minutes) at speed {speed:g})", reconciled, timeout=max(15, 300 / speed + 5))
    return f"cleanup fired on demand and deleted an expired marker; reconcile ticked by itself at speed {speed:g}"


FLOWS = [
    Flow("orders API", orders_api, ("api_url",)),
    Flow("duplicate order (Idempotency-Key)", duplicate_order, ("api_url",)),
    Flow("saga confirms an order", saga_confirms, ("api_url", "state_machine_arn")),
    Flow("declined payment compensates", declined_payment, ("api_url", "state_machine_arn")),
    Flow("fan-out to workers", fan_out, ("api_url",)),
    Flow("invoice task", invoice, ("api_url",)),
    Flow("poison message → DLQ", poison_message, ("queue_urls", "dlq_urls")),
    Flow("payment webhook", webhook, ("webhook_url",)),
    Flow("webhook bad signature → 401", webhook_bad_signature, ("webhook_url",)),
    Flow("webhook replay → 401", webhook_replay, ("webhook_url",)),
    Flow("clickstream", clickstream, ("clickstream_stream",)),
    Flow("bulk import", bulk_import, ("uploads_bucket",)),
    Flow("scheduled jobs", scheduled_jobs, ()),
]


def scenario(cloud: Cloud) -> None:
    """Every flow concurrently, then the invariants over all of them (every message accounted for; every order
    terminal, published, delivered and counted); raises when a flow failed or an invariant does not hold."""
    results = run_flows(cloud, FLOWS, check=False)
    invariant = check_invariant(cloud)
    invariant.report(cloud)
    orders = wait_for_order_invariant(cloud)
    orders.report(cloud)
    failed = [r.name for r in results if r.status == "failed"]
    broken = [f"{len(failed)} of {len(results)} flows failed"] if failed else []
    broken += [] if invariant.holds else ["the invariant does not hold"]
    broken += [] if orders.holds else ["the order platform's invariant does not hold"]
    if broken:
        raise FlowFailedError("; ".join(broken))


# -- the order platform's invariant ----------------------------------------------------------------------
#: What the order platform promises (README "Reliability"), checked once it has settled.
ORDER_INVARIANT = (
    "every accepted order terminal; every event published and delivered; inventory and analytics exact; "
    "every DLQ entry re-driven or explained"
)
TERMINAL = ("Confirmed", "Cancelled")
#: The order's status after each lifecycle event (lambdas/shared/orders.py).
STATUS = {"OrderPlaced": "Pending", "OrderConfirmed": "Confirmed", "OrderCancelled": "Cancelled"}


@dataclass
class OrderInvariant:
    """The order platform's invariant over the event store (the source of truth) and what each consumer wrote."""

    orders: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    events: int = 0
    unpublished: list[str] = field(default_factory=list)
    undelivered: list[str] = field(default_factory=list)
    not_terminal: list[str] = field(default_factory=list)
    stale_read_model: list[str] = field(default_factory=list)
    inventory_off: list[str] = field(default_factory=list)
    analytics_off: list[str] = field(default_factory=list)
    #: DLQ and on-failure entries: explained (their effect reached every subscriber since), by queue.
    explained: Counter[str] = field(default_factory=Counter)
    #: Entries carrying no order event (a poison message, another stream's batch), by queue.
    foreign: Counter[str] = field(default_factory=Counter)
    unexplained: list[str] = field(default_factory=list)

    @property
    def holds(self) -> bool:
        return not (
            self.unpublished
            or self.undelivered
            or self.not_terminal
            or self.stale_read_model
            or self.inventory_off
            or self.analytics_off
            or self.unexplained
        )

    @property
    def summary(self) -> str:
        statuses = ", ".join(f"{count} {status}" for status, count in sorted(self.statuses.items()))
        return (
            f"{self.orders} orders ({statuses or 'none'}), {self.events - len(self.unpublished)}/{self.events} events "
            f"published, {self.events - len(self.undelivered)}/{self.events} delivered; inventory "
            f"{'exact' if not self.inventory_off else 'OFF'}, analytics {'exact' if not self.analytics_off else 'OFF'}; "
            f"DLQ/on-failure entries: {sum(self.explained.values())} explained, {sum(self.foreign.values())} not "
            f"order events, {len(self.unexplained)} unexplained"
        )

    def problems(self) -> list[str]:
        found = []
        for label, items in (
            ("not terminal", self.not_terminal),
            ("read model behind the store", self.stale_read_model),
            ("unpublished", self.unpublished),
            ("not delivered to every subscriber", self.undelivered),
            ("inventory", self.inventory_off),
            ("analytics", self.analytics_off),
            ("DLQ entry unexplained", self.unexplained),
        ):
            if items:
                found.append(f"{label} ({len(items)}): {'; '.join(items[:5])}{' …' if len(items) > 5 else ''}")
        return found

    def report(self, cloud: Cloud) -> None:
        cloud.report("")
        cloud.report(f"Invariant: {ORDER_INVARIANT}")
        cloud.report(f"  {'✓' if self.holds else '✗'} {self.summary}")
        for problem in self.problems():
            cloud.report(f"      {problem}")


def _scan(cloud: Cloud, table: str) -> list[dict[str, Any]]:
    pages = cloud.client("dynamodb").get_paginator("scan").paginate(TableName=cloud.table(table), ConsistentRead=True)
    return [_plain(item(raw) or {}) for page in pages for raw in page["Items"]]


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def check_orders(cloud: Cloud) -> OrderInvariant:
    """The order platform's invariant now (see :data:`ORDER_INVARIANT`)."""
    store = sorted(_scan(cloud, "event-store-table"), key=lambda e: (e["aggregateId"], e["version"]))
    histories: dict[str, list[dict[str, Any]]] = {}
    for event in store:
        histories.setdefault(event["aggregateId"], []).append(event)
    read_model = {row["orderId"]: row for row in _scan(cloud, "orders-table")}
    operations = {(row["pk"], row["sk"]): row for row in _scan(cloud, "operations-table")}
    metrics = {(row["pk"], row["sk"]): row for row in _scan(cloud, "metrics-table")}
    found = OrderInvariant(orders=len(histories), events=len(store))
    committed: Counter[str] = Counter()
    counted: Counter[tuple[str, str]] = Counter()
    for order_id, history in histories.items():
        status = next((STATUS[e["type"]] for e in reversed(history) if e["type"] in STATUS), None)
        found.statuses[status or "no status"] += 1
        if status not in TERMINAL:
            found.not_terminal.append(f"{order_id} is {status}")
        projected = read_model.get(order_id, {})
        if (projected.get("status"), projected.get("version")) != (status, history[-1]["version"]):
            found.stale_read_model.append(
                f"{order_id}: read model {projected.get('status')} v{projected.get('version')}, "
                f"store {status} v{history[-1]['version']}"
            )
        if status != "Cancelled":
            for line in history[0]["data"].get("items", []):
                committed[line["sku"]] += line["qty"]
        for event in history:
            counted[(f"ORDERS#{event['occurredAt'][:10]}", event["type"])] += 1
            if "outboxShard" in event or "publishedAt" not in event:
                found.unpublished.append(f"{event['type']} {event['id']} of {order_id}")
            if missing := _missing_deliveries(event, operations, metrics):
                found.undelivered.append(f"{event['type']} {event['id']} of {order_id}: {', '.join(missing)}")
    stock = {pk[len("SKU#") :]: row.get("committed", 0) for (pk, sk), row in operations.items() if sk == "STOCK"}
    found.inventory_off = [
        f"{sku}: committed {stock.get(sku, 0)}, orders say {committed.get(sku, 0)}"
        for sku in sorted(set(stock) | set(committed))
        if stock.get(sku, 0) != committed.get(sku, 0)
    ]
    counters = {key: row.get("count", 0) for key, row in metrics.items() if key[0].startswith("ORDERS#")}
    found.analytics_off = [
        f"{day[len('ORDERS#') :]} {kind}: counted {counters.get((day, kind), 0)}, store has {counted.get((day, kind), 0)}"
        for day, kind in sorted(set(counters) | set(counted))
        if counters.get((day, kind), 0) != counted.get((day, kind), 0)
    ]
    _account_dead_letters(cloud, found, {e["id"]: e for e in store}, operations, metrics)
    return found


def _missing_deliveries(
    event: dict[str, Any], operations: dict[tuple[str, str], Any], metrics: dict[tuple[str, str], Any]
) -> list[str]:
    """The subscribers (lambdas/README.md) without their trace of ``event``."""
    missing = []
    if ("PROCESSED#" + event["id"], "PROCESSED") not in metrics:
        missing.append("analytics")
    if (
        event["type"] in ("OrderPlaced", "OrderCancelled")
        and ("PROCESSED#" + event["id"], "PROCESSED") not in operations
    ):
        missing.append("inventory")
    if event["type"] == "OrderConfirmed" and (f"ORDER#{event['aggregateId']}", "DISPATCH") not in operations:
        missing.append("shipping")
    return missing


def _account_dead_letters(
    cloud: Cloud,
    found: OrderInvariant,
    events: dict[str, dict[str, Any]],
    operations: dict[tuple[str, str], Any],
    metrics: dict[tuple[str, str], Any],
) -> None:
    """Each DLQ and on-failure entry: an order event (or a batch of the store's stream) whose events all reached
    every subscriber since is explained; one that did not is unexplained; anything else is not an order event."""
    store_table = cloud.client("dynamodb").describe_table(TableName=cloud.table("event-store-table"))["Table"]
    store_stream = store_table.get("LatestStreamArn")
    for queue, url in cloud.endpoints["dlqs"].items():
        for message in cloud.peek(url):
            named = _events_named(cloud, message["Body"], store_stream)
            if named is None:
                found.foreign[queue] += 1
                continue
            pending = [
                f"{queue}: {events.get(i, {}).get('type', 'event')} {i}"
                for i in named
                if i not in events or "outboxShard" in events[i] or _missing_deliveries(events[i], operations, metrics)
            ]
            if pending:
                found.unexplained += pending
            else:
                found.explained[queue] += 1


def _events_named(cloud: Cloud, body: str, store_stream: str | None) -> list[str] | None:
    """The event ids a DLQ message stands for: the envelope it carries (an EventBridge event, raw or in an SNS
    notification), or the store's stream records an on-failure entry names; None when it names no order event."""
    try:
        message = json.loads(body)
    except ValueError:
        return None
    if not isinstance(message, dict):
        return None
    if isinstance(message.get("Message"), str):  # an SNS notification (not raw delivery)
        return _events_named(cloud, message["Message"], store_stream)
    if message.get("source") == "orders.platform" and isinstance(message.get("detail"), dict):
        return [message["detail"].get("id", "?")]
    batch = message.get("DDBStreamBatchInfo")
    if isinstance(batch, dict) and store_stream and batch.get("streamArn") == store_stream:
        return _stream_event_ids(cloud, batch)
    return None


def _stream_event_ids(cloud: Cloud, batch: dict[str, Any]) -> list[str]:
    """The event ids of the store's stream records from ``startSequenceNumber`` to ``endSequenceNumber``."""
    streams = cloud.client("dynamodbstreams")
    iterator = streams.get_shard_iterator(
        StreamArn=batch["streamArn"],
        ShardId=batch["shardId"],
        ShardIteratorType="AT_SEQUENCE_NUMBER",
        SequenceNumber=batch["startSequenceNumber"],
    )["ShardIterator"]
    ids: list[str] = []
    end = int(batch["endSequenceNumber"])
    while iterator:
        answer = streams.get_records(ShardIterator=iterator, Limit=100)
        for record in answer["Records"]:
            if int(record["dynamodb"]["SequenceNumber"]) > end:
                return ids
            if record["eventName"] == "INSERT":
                ids.append(record["dynamodb"]["NewImage"]["id"]["S"])
        if not answer["Records"]:
            break
        iterator = answer.get("NextShardIterator")
    return ids


def wait_for_order_invariant(cloud: Cloud, timeout: float = 30.0) -> OrderInvariant:
    """:func:`check_orders` until it holds or ``timeout`` passes (sagas and re-drives still finishing)."""
    deadline = time.monotonic() + timeout
    while not (found := check_orders(cloud)).holds and time.monotonic() < deadline:
        time.sleep(0.5)
    return found


# -- the bench's load: orders end to end ----------------------------------------------------------
class OrderLoad:
    """Orders POSTed to the orders API, SigV4-signed, each with its own Idempotency-Key, followed to the end:

    api         POST /orders answered 201
    projection  the order is in the read model (orders table)
    saga        the read model says Confirmed (the saga reserved, charged, shipped and concluded)
    fanout      OrderPlaced reached both fan-out workers (inventory commitment, analytics count)
    """

    stages = ("api", "projection", "saga", "fanout")

    def callers(self, cloud: LocalCloud) -> int:
        """The concurrency of the function behind POST /orders: more callers would only be throttled."""
        assert cloud.runtime is not None
        for gateway in cloud.runtime.gateways:
            for route in gateway.routes:
                if route.template == "/orders" and route.method in ("POST", "ANY"):
                    return cloud.runtime.function(route.function_arn).concurrency
        raise BenchError("the deployed API has no POST /orders route")

    def send(self, client: Cloud, unit: Unit) -> str:
        body = {"customerId": unit.label, "items": ITEMS, "currency": "EUR"}
        answer = client.api("POST", "/orders", body, {"Idempotency-Key": unit.key})
        if answer.status != 201:
            raise BenchError(f"POST /orders answered {answer.status}: {answer.text[:300]}")
        return str(answer.json()["orderId"])

    def observer(self, cloud: LocalCloud, tables: Tables) -> OrderObserver:
        return OrderObserver(cloud, tables)


class OrderObserver:
    """Each pending order's progress read from the tables in memory; the saga checked over the API."""

    def __init__(self, cloud: LocalCloud, tables: Tables) -> None:
        assert cloud.emulator is not None and cloud.deployment is not None
        self._tables = tables
        self._sfn = cloud.emulator.client("stepfunctions")
        self._machine = cloud.deployment.outputs["state_machine_arn"]

    def observe(self, units: Sequence[Unit]) -> None:
        for order in units:
            assert order.id is not None
            seen = time.monotonic()
            if "saga" not in order.reached:
                read_model = self._tables.item("orders-table", order.id)
                if read_model is not None:
                    order.reached.setdefault("projection", seen)
                    if read_model.get("status") == "Confirmed":
                        order.reached["saga"] = seen
                    elif read_model.get("status") == "Cancelled":
                        reason = read_model.get("cancellationReason")
                        raise BenchError(f"order {order.id} was cancelled ({reason}); expected Confirmed")
            if "inventory" not in order.reached and self._tables.item(
                "operations-table", f"ORDER#{order.id}", "COMMITMENT"
            ):
                order.reached["inventory"] = seen
            if "event_id" not in order.data:
                placed = [
                    e for e in self._tables.items("event-store-table", order.id) if e.get("type") == "OrderPlaced"
                ]
                if placed:
                    order.data["event_id"] = placed[0]["id"]
            event_id = order.data.get("event_id")
            if (
                "analytics" not in order.reached
                and event_id is not None
                and self._tables.item("metrics-table", f"PROCESSED#{event_id}", "PROCESSED")
            ):
                order.reached["analytics"] = seen
            if "inventory" in order.reached and "analytics" in order.reached:
                order.reached.setdefault("fanout", max(order.reached["inventory"], order.reached["analytics"]))

    def check(self) -> None:
        """Any failed execution ends the run: its orders would wait for Confirmed forever."""
        for status in ("FAILED", "TIMED_OUT", "ABORTED"):
            found = self._sfn.list_executions(stateMachineArn=self._machine, statusFilter=status, maxResults=1)
            if found["executions"]:
                execution = self._sfn.describe_execution(executionArn=found["executions"][0]["executionArn"])
                raise BenchError(
                    f"a saga execution ended {status} with {execution.get('error')}: "
                    f"{_cause(execution.get('cause', ''))}; no order can end Confirmed"
                )


bench = OrderLoad()
