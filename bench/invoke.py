"""Warm invocations: one handler called in-process against moto, with a representative one-record event per call.

``python -m bench.invoke <module> <runs>`` is the child. It creates every table, queue, bucket, secret and bus the
handler tests use (names and event builders come from their test kit, so both exercise the same shapes), imports
the handler, times its first invocation (first-use costs: clients, caches), runs a second one untimed while recording
which library code runs, then times ``runs`` invocations, each on a new order, interleaved with the baseline: one
DynamoDB GetItem against the same moto.
"""

from __future__ import annotations

import base64
import contextlib
import importlib
import json
import os
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

from bench.lambdas import LAMBDAS, TEST_KIT

Event = dict[str, Any]
ORDER = {"customerId": "cust-1", "items": [{"sku": "SKU-1", "qty": 2, "unitPrice": 9.99}], "currency": "EUR"}


@dataclass
class Context:
    """The LambdaContext attributes Powertools reads."""

    function_name: str = "bench"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:eu-west-1:123456789012:function:bench"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


class Scenarios:
    """One event builder per handler module; each may first leave the state the call needs (untimed)."""

    def __init__(self, kit: ModuleType, context: Context, secret: str) -> None:
        self.kit, self.context, self.secret = kit, context, secret
        from shared.event_store import EventStore

        self.store = EventStore(kit.TABLES["event_store"])

    def order(self, i: int) -> Any:
        return self.kit.order_placed(order_id=f"order-{i}")

    def placed(self, i: int) -> Any:
        order = self.order(i)
        self.store.append(order)
        return order

    def bus_message(self, event: Any) -> Event:
        return self.kit.sqs_event(json.dumps(self.kit.bus_event(event)))

    def after(self, step: str, i: int) -> Event:
        state = self.kit.saga_state(self.order(i))
        importlib.import_module(step).handler(state, self.context)
        return state

    def build(self, module: str, i: int) -> Event:
        kit = self.kit
        from shared.envelope import Event as Envelope

        match module:
            case "orders_api.api":
                return kit.api_request("POST", "/orders", json.dumps(ORDER), {"Idempotency-Key": f"key-{i}"})
            case "order_projector.projector":
                self.placed(i)
                return {"Records": kit.stream_event(kit.TABLES["event_store"])["Records"][-1:]}
            case "fulfilment.reserve_inventory" | "fulfilment.process_payment" | "fulfilment.arrange_shipping":
                return kit.saga_state(self.order(i))
            case "fulfilment.release_inventory":
                return self.after("fulfilment.reserve_inventory", i)
            case "fulfilment.refund_payment":
                return self.after("fulfilment.process_payment", i)
            case "fulfilment.start_saga":
                return kit.bus_event(self.order(i))
            case "fulfilment.conclude_order":
                return kit.saga_state(self.placed(i), outcome="confirmed")
            case "order_workers.inventory" | "order_workers.analytics":
                return self.bus_message(self.order(i))
            case "order_workers.shipping":
                return self.bus_message(Envelope.new("OrderConfirmed", f"order-{i}", 2, {}))
            case "payment_webhooks.verifier":
                from payment_webhooks.signature import sign

                body = json.dumps({"eventId": f"evt-{i}", "type": "payment.succeeded", "orderId": f"order-{i}"})
                stamp = str(int(time.time()))
                headers = {"X-Signature": sign(self.secret, stamp, body.encode()), "X-Timestamp": stamp}
                return kit.api_request("POST", "/webhooks/payments", body, headers)
            case "payment_webhooks.worker":
                self.placed(i)
                return kit.sqs_event(
                    json.dumps({"eventId": f"evt-{i}", "type": "payment.succeeded", "orderId": f"order-{i}"})
                )
            case "invoices.worker":
                kit.put(kit.TABLES["orders"], {**self.read_model(i, minutes_ago=1), "status": "Confirmed"})
                return kit.sqs_event(json.dumps({"orderId": f"order-{i}"}))
            case "clickstream.processor":
                click = {"type": "page_view", "page": f"/products/{i}", "occurredAt": "2024-05-01T12:34:56Z"}
                return kit.kinesis_event(json.dumps(click).encode(), shard=f"shardId-{i:012d}")
            case "bulk_import.importer":
                key = f"uploads/orders-{i}.csv"
                csv = f"orderRef,customerId,currency,items\nA-{i},cust-1,EUR,SKU-1:2:9.99;SKU-2:1:5.00\n"
                kit.client("s3").put_object(Bucket="order-uploads", Key=key, Body=csv.encode())
                return kit.s3_event("order-uploads", key)
            case "order_projector.sweeper":  # one event per tick left unpublished past the outbox bound
                self.placed(i)
                kit.client("dynamodb").update_item(
                    TableName=kit.TABLES["event_store"],
                    Key={"aggregateId": {"S": f"order-{i}"}, "version": {"N": "1"}},
                    UpdateExpression="SET occurredAt = :old",
                    ExpressionAttributeValues={":old": {"S": self.read_model(i, minutes_ago=10)["createdAt"]}},
                )
                return kit.scheduled_event()
            case "maintenance.cleanup":
                kit.put(kit.TABLES["operations"], {"pk": f"PROCESSED#{i}", "sk": "PROCESSED", "expiresAt": 1})
                return kit.scheduled_event()
            case "maintenance.reconcile":
                if i:  # what the projector makes of the previous call's cancellation: one stuck order per call
                    kit.put(kit.TABLES["orders"], {**self.read_model(i - 1, minutes_ago=45), "status": "Cancelled"})
                self.placed(i)
                kit.put(kit.TABLES["orders"], {**self.read_model(i, minutes_ago=45), "openShard": i % 4})
                return kit.scheduled_event()
        raise KeyError(f"no representative event for {module}: add one to bench/invoke.py")

    def read_model(self, i: int, minutes_ago: int) -> dict[str, Any]:
        from shared.envelope import utc_iso

        created = utc_iso(datetime.now(UTC) - timedelta(minutes=minutes_ago))
        return {"orderId": f"order-{i}", "status": "Pending", "customerId": "cust-1", "items": ORDER["items"], "total": 19.98,
                "currency": "EUR", "createdAt": created, "updatedAt": created, "version": 1}  # fmt: skip


def _key_schema(keys: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"AttributeName": k, "KeyType": kind} for (k, _), kind in zip(keys, ("HASH", "RANGE"), strict=False)]


def _create_resources(kit: ModuleType) -> str:
    """What the handler tests' fixtures create, all at once; returns the webhook signing secret."""
    dynamodb = kit.client("dynamodb")
    keys = {
        "event_store": [("aggregateId", "S"), ("version", "N")],
        "orders": [("orderId", "S")],
        "idempotency": [("id", "S")],
    }
    #: The sparse indexes as __main__.py declares them: the outbox's and the read model's open orders.
    indexes = {"event_store": ("unpublished", [("outboxShard", "N"), ("occurredAt", "S")]),
               "orders": ("open", [("openShard", "N"), ("createdAt", "S")])}  # fmt: skip
    for role, table in kit.TABLES.items():
        schema = keys.get(role, [("pk", "S"), ("sk", "S")])
        options: dict[str, Any] = {}
        if role == "event_store":  # its stream
            options["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
        if role in indexes:
            name, index_keys = indexes[role]
            projection = {"ProjectionType": "ALL"}
            options["GlobalSecondaryIndexes"] = [
                {"IndexName": name, "KeySchema": _key_schema(index_keys), "Projection": projection}
            ]
            schema = schema + index_keys
        dynamodb.create_table(
            TableName=table,
            KeySchema=_key_schema(keys.get(role, [("pk", "S"), ("sk", "S")])),
            AttributeDefinitions=[{"AttributeName": k, "AttributeType": t} for k, t in schema],
            BillingMode="PAY_PER_REQUEST",
            **options,
        )
    for url in (kit.ENVIRONMENT["INVOICE_QUEUE_URL"], kit.ENVIRONMENT["WEBHOOK_QUEUE_URL"]):
        kit.client("sqs").create_queue(QueueName=url.rsplit("/", 1)[1])
    for bucket in (kit.ENVIRONMENT["INVOICE_BUCKET"], "order-uploads"):
        kit.client("s3").create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": kit.REGION})
    secret = base64.b16encode(os.urandom(8)).decode()
    kit.client("secretsmanager").create_secret(Name=kit.SECRET_NAME, SecretString=secret)
    kit.client("events").create_event_bus(Name=kit.BUS)
    kit.create_saga_machine()
    return secret


def _modules_run(call: Callable[[], object]) -> set[str]:
    """The modules whose functions ``call`` ran (a profiler hook on every Python call)."""
    files: set[str] = set()

    def profile(frame: Any, event: str, arg: Any) -> None:
        if event == "call":
            files.add(frame.f_code.co_filename)

    sys.setprofile(profile)
    try:
        call()
    finally:
        sys.setprofile(None)
    # Only plain modules: reading an attribute of a lazily loaded one would load it.
    by_file = {vars(m).get("__file__"): name for name, m in list(sys.modules.items()) if type(m) is ModuleType}
    return {by_file[f] for f in files if f in by_file}


def _check(module: str, response: Any) -> None:
    """A representative call succeeds: timing a failure path would measure the wrong thing."""
    if isinstance(response, dict) and (response.get("batchItemFailures") or response.get("statusCode", 200) >= 400):
        raise RuntimeError(f"{module}: the representative event failed: {json.dumps(response)[:300]}")


def measure(module: str, runs: int) -> dict[str, Any]:
    sys.path[:0] = [str(LAMBDAS), str(TEST_KIT)]
    import botocore.client
    import lambda_testkit as kit
    from moto import mock_aws

    os.environ.update(kit.ENVIRONMENT)
    for name in kit.UNSET:
        os.environ.pop(name, None)
    calls = [0]
    make_api_call = botocore.client.BaseClient._make_api_call

    def counted(self: Any, operation: str, params: Any) -> Any:
        calls[0] += 1
        return make_api_call(self, operation, params)

    botocore.client.BaseClient._make_api_call = counted  # type: ignore[method-assign]
    context = Context()
    with mock_aws():
        secret = _create_resources(kit)
        handler = importlib.import_module(module).handler
        scenarios = Scenarios(kit, context, secret)
        event = scenarios.build(module, 0)
        started = time.perf_counter()
        _check(module, handler(event, context))
        first = time.perf_counter() - started
        event = scenarios.build(module, 1)
        run = _modules_run(lambda: _check(module, handler(event, context)))
        key = {"Key": {"orderId": {"S": "order-0"}}, "TableName": kit.TABLES["orders"]}
        dynamodb = kit.client("dynamodb")
        samples: dict[str, list[float]] = {"invoke": [], "get_item": [], "aws_calls": []}
        for i in range(2, runs + 2):
            started = time.perf_counter()
            dynamodb.get_item(**key)
            samples["get_item"].append(time.perf_counter() - started)
            event = scenarios.build(module, i)
            calls[0] = 0
            started = time.perf_counter()
            response = handler(event, context)
            samples["invoke"].append(time.perf_counter() - started)
            samples["aws_calls"].append(calls[0])
            _check(module, response)
    return {**samples, "first_invoke": first, "modules_run": sorted(run)}


def main(argv: list[str]) -> None:
    real_stdout = sys.stdout
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):  # handler logs and EMF metrics
        result = measure(argv[0], int(argv[1]))
    print(json.dumps(result), file=real_stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
