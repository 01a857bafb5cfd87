"""Builders for the events Lambda hands each function, and readers for what the functions leave behind."""

from __future__ import annotations

import base64
import importlib
import json
import uuid
from datetime import datetime
from types import ModuleType
from typing import Any
from urllib.parse import quote_plus

from shared.aws import client
from shared.dynamo import from_item, to_item
from shared.envelope import Event
from shared.event_store import EventStore
from shared.orders import order_placed_data

REGION = "eu-west-1"
ACCOUNT = "123456789012"
BUS = "orders"
SECRET_NAME = "payment-webhook-secret"
TABLES = {
    "event_store": "event-store",
    "orders": "orders",
    "idempotency": "idempotency",
    "operations": "operations",
    "metrics": "metrics",
}


def create_saga_machine() -> str:
    """The state machine SAGA_STATE_MACHINE_ARN names (one Pass state: what runs is not the starter's concern)."""
    definition = {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}
    return client("stepfunctions").create_state_machine(
        name="order-fulfilment",
        definition=json.dumps(definition),
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/order-fulfilment",
    )["stateMachineArn"]


def queue_url(name: str) -> str:
    return f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{name}"


ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",  # moto's DynamoDB Streams with botocore 1.44
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_SERVICE_NAME": "order-platform",
    "POWERTOOLS_METRICS_NAMESPACE": "OrderPlatform",
    "POWERTOOLS_LOG_LEVEL": "INFO",
    "EVENT_STORE_TABLE": TABLES["event_store"],
    "ORDERS_TABLE": TABLES["orders"],
    "IDEMPOTENCY_TABLE": TABLES["idempotency"],
    "OPERATIONS_TABLE": TABLES["operations"],
    "METRICS_TABLE": TABLES["metrics"],
    "INVOICE_QUEUE_URL": queue_url("invoice-tasks"),
    "WEBHOOK_QUEUE_URL": queue_url("payment-webhooks"),
    "WEBHOOK_SECRET_NAME": SECRET_NAME,
    "EVENT_BUS_NAME": BUS,
    "SAGA_STATE_MACHINE_ARN": f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:order-fulfilment",
    "INVOICE_BUCKET": "order-invoices",
}
UNSET = (
    "AWS_PROFILE",
    "AWS_ENDPOINT_URL",
    "WEBHOOK_TOLERANCE_SECONDS",
    "STUCK_ORDER_MINUTES",
    "AWS_LAMBDA_FUNCTION_NAME",
)


def load(module: str) -> ModuleType:
    """A function module, imported once per test session like a warm Lambda environment."""
    return importlib.import_module(module)


# --- events Lambda delivers -------------------------------------------------------------------------------------


def api_request(
    method: str, path: str, body: str | None = None, headers: dict[str, str] | None = None, base64_encoded: bool = False
) -> dict[str, Any]:
    """An API Gateway REST (v1) proxy event."""
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": headers or {},
        "multiValueHeaders": {name: [value] for name, value in (headers or {}).items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "stage": "prod",
            "path": f"/prod{path}",
            "httpMethod": method,
            "resourcePath": path,
            "accountId": ACCOUNT,
            "identity": {"sourceIp": "203.0.113.7"},
        },
        "body": base64.b64encode(body.encode()).decode() if base64_encoded and body else body,
        "isBase64Encoded": base64_encoded,
    }


def sqs_event(*bodies: str) -> dict[str, Any]:
    """An SQS batch; message ids are ``m0``, ``m1``, ... in order."""
    return {
        "Records": [
            {
                "messageId": f"m{index}",
                "receiptHandle": f"handle-{index}",
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:{REGION}:{ACCOUNT}:queue",
                "awsRegion": REGION,
            }
            for index, body in enumerate(bodies)
        ]
    }


def kinesis_event(*payloads: bytes, shard: str = "shardId-000000000000") -> dict[str, Any]:
    """A Kinesis batch; sequence numbers are ``1``, ``2``, ... in order, event ids ``<shard>:<sequence>``."""
    return {
        "Records": [
            {
                "kinesis": {
                    "kinesisSchemaVersion": "1.0",
                    "partitionKey": "session-1",
                    "sequenceNumber": str(index),
                    "data": base64.b64encode(payload).decode(),
                    "approximateArrivalTimestamp": 1714566896.0,
                },
                "eventSource": "aws:kinesis",
                "eventVersion": "1.0",
                "eventID": f"{shard}:{index}",
                "eventName": "aws:kinesis:record",
                "invokeIdentityArn": f"arn:aws:iam::{ACCOUNT}:role/clickstream",
                "awsRegion": REGION,
                "eventSourceARN": f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/clickstream",
            }
            for index, payload in enumerate(payloads, start=1)
        ]
    }


def bus_event(event: Event) -> dict[str, Any]:
    """The EventBridge event the projector's PutEvents produces for ``event``."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": event.type,
        "source": "orders.platform",
        "account": ACCOUNT,
        "time": event.occurred_at,
        "region": REGION,
        "resources": [],
        "detail": event.to_dict(),
    }


def s3_event(bucket: str, key: str) -> dict[str, Any]:
    """An S3 ObjectCreated notification (the key URL-encoded, as S3 sends it)."""
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": REGION,
                "eventTime": "2024-05-01T12:00:00.000Z",
                "eventName": "ObjectCreated:Put",
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "uploads",
                    "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
                    "object": {"key": quote_plus(key), "size": 1, "eTag": "etag"},
                },
            }
        ]
    }


def scheduled_event() -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": "2024-05-01T02:00:00Z",
        "region": REGION,
        "resources": [],
        "detail": {},
    }


def stream_event(table: str) -> dict[str, Any]:
    """Every record on ``table``'s stream so far, shaped as Lambda's DynamoDB Streams event."""
    stream_arn = client("dynamodb").describe_table(TableName=table)["Table"]["LatestStreamArn"]
    streams = client("dynamodbstreams")
    records = []
    for shard in streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )
        for record in streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]:
            created = record["dynamodb"].get("ApproximateCreationDateTime")
            if isinstance(created, datetime):  # boto3 parses it; Lambda sends epoch seconds
                record["dynamodb"]["ApproximateCreationDateTime"] = created.timestamp()
            records.append({**record, "eventSourceARN": stream_arn})
    return {"Records": records}


# --- reading what the functions wrote ---------------------------------------------------------------------------


def put(table: str, values: dict[str, Any]) -> None:
    """Write an item directly (state another function would have left)."""
    client("dynamodb").put_item(TableName=table, Item=to_item(values))


def item(table: str, **key: Any) -> dict[str, Any] | None:
    found = client("dynamodb").get_item(TableName=table, Key=to_item(key), ConsistentRead=True).get("Item")
    return from_item(found) if found else None


def scan(table: str) -> list[dict[str, Any]]:
    return [from_item(row) for row in client("dynamodb").scan(TableName=table)["Items"]]


def received(queue: str) -> list[dict[str, Any]]:
    """The JSON bodies waiting in ``queue`` (read without deleting them)."""
    messages = client("sqs").receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=0)
    return [json.loads(message["Body"]) for message in messages.get("Messages", [])]


def failed_ids(response: dict[str, Any]) -> list[str]:
    return [failure["itemIdentifier"] for failure in response["batchItemFailures"]]


def metrics_emitted(output: str) -> dict[str, float]:
    """Metric name -> value from the EMF blobs printed on stdout."""
    values: dict[str, float] = {}
    for line in output.splitlines():
        if '"_aws"' not in line:
            continue
        blob = json.loads(line)
        for definition in blob["_aws"]["CloudWatchMetrics"]:
            for metric in definition["Metrics"]:
                value = blob[metric["Name"]]
                values[metric["Name"]] = sum(value) if isinstance(value, list) else value
    return values


def order_placed(
    order_id: str = "order-1", customer_id: str = "cust-1", unit_price: float = 9.99, qty: int = 2
) -> Event:
    data = order_placed_data(customer_id, [{"sku": "SKU-1", "qty": qty, "unitPrice": unit_price}], "EUR")
    return Event.new("OrderPlaced", order_id, 1, data)


def saga_state(order: Event | None = None, **extra: Any) -> dict[str, Any]:
    """The Step Functions state a saga task receives: the triggering bus event plus ``results``/``error``/``outcome``."""
    return {**bus_event(order or order_placed()), "results": {}, **extra}


def lose_the_race(monkeypatch: Any, competitor: str) -> None:
    """Another writer appends a ``competitor`` event right after a writer reads a one-event history, so that
    writer's append conflicts and must be retried on the new history (the backoff sleep is skipped)."""
    original_load = EventStore.load

    def load_then_be_beaten(self: EventStore, aggregate_id: str) -> list[Event]:
        history = original_load(self, aggregate_id)
        if len(history) == 1:
            self.append(Event.new(competitor, aggregate_id, 2, {}))
        return history

    monkeypatch.setattr(EventStore, "load", load_then_be_beaten)
    monkeypatch.setattr("shared.event_store.time.sleep", lambda seconds: None)
