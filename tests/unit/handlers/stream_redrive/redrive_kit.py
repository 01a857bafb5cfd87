"""Helpers of the re-drive handler tests: the consumer it invokes (a Python function behind a Lambda-shaped
``invoke``: moto would need Docker to run one), on-failure records as Lambda writes them, the run's settings."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3

from pulumi_wasp.handlers.stream_redrive.handler import Run
from pulumi_wasp.handlers.stream_redrive.settings import Settings

REGION = "eu-west-1"
ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/consumer"
CONSUMER = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:consumer"


@dataclass
class Consumer:
    """The projection: ``handle(event)`` answers like the handler would; raising is a function error."""

    handle: Callable[[dict[str, Any]], Any] = lambda event: {"batchItemFailures": []}
    batches: list[list[dict[str, Any]]] = field(default_factory=list)
    timeout_seconds: int = 10

    def get_function_configuration(self, FunctionName: str) -> dict[str, Any]:  # noqa: N803 - boto3's
        assert FunctionName == CONSUMER
        return {"FunctionName": "consumer", "Timeout": self.timeout_seconds}

    def invoke(self, FunctionName: str, InvocationType: str, Payload: bytes) -> dict[str, Any]:  # noqa: N803 - boto3's
        assert (FunctionName, InvocationType) == (CONSUMER, "RequestResponse")
        event = json.loads(Payload)
        self.batches.append(event["Records"])
        try:
            answer = self.handle(event)
        except Exception as error:  # what Lambda reports for an unhandled error
            body = {"errorMessage": str(error), "errorType": type(error).__name__}
            return {"StatusCode": 200, "FunctionError": "Unhandled", "Payload": io.BytesIO(json.dumps(body).encode())}
        return {"StatusCode": 200, "Payload": io.BytesIO(json.dumps(answer).encode())}


def client(name: str) -> Any:
    return boto3.client(name, region_name=REGION)


def queue() -> str:
    return client("sqs").create_queue(QueueName="consumer-on-failure")["QueueUrl"]


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def on_failure(kind: str, stream_arn: str, shard: str, first: dict[str, Any], last: dict[str, Any], size: int) -> str:
    """The on-failure record Lambda sends for a batch from ``first`` to ``last`` (raw GetRecords records)."""

    def sequence(record: dict[str, Any]) -> str:
        return record["SequenceNumber"] if kind == "kinesis" else record["dynamodb"]["SequenceNumber"]

    def arrival(record: dict[str, Any]) -> str:
        moment = (
            record["ApproximateArrivalTimestamp"]
            if kind == "kinesis"
            else record["dynamodb"]["ApproximateCreationDateTime"]
        )
        return iso(moment)

    info = {
        "shardId": shard,
        "startSequenceNumber": sequence(first),
        "endSequenceNumber": sequence(last),
        "approximateArrivalOfFirstRecord": arrival(first),
        "approximateArrivalOfLastRecord": arrival(last),
        "batchSize": size,
        "streamArn": stream_arn,
    }
    return json.dumps(
        {
            "requestContext": {
                "requestId": "c9b8fa9f",
                "functionArn": CONSUMER,
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": 4,
            },
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
            "version": "1.0",
            "timestamp": iso(datetime.now(UTC)),
            "KinesisBatchInfo" if kind == "kinesis" else "DDBStreamBatchInfo": info,
        }
    )


def settings(kind: str, queue_url: str, stream_arn: str, **extra: str) -> Settings:
    environment = {
        "ON_FAILURE_QUEUE_URL": queue_url,
        "TARGET_FUNCTION": CONSUMER,
        "TARGET_ROLE_ARN": ROLE,
        "TARGET_TIMEOUT_SECONDS": "10",
        "SOURCE_KIND": kind,
        "STREAM_ARN": stream_arn,
        "BATCH_SIZE": "100",
        "FILTER_PATTERNS": "[]",
        "AWS_REGION": REGION,
        **extra,
    }
    return Settings.of(environment)


def run(config: Settings, consumer: Consumer, limit: int = 10, seconds: float = 300) -> dict[str, Any]:
    return run_with_time(config, consumer, lambda: seconds, limit)


def run_with_time(
    config: Settings, consumer: Consumer, remaining: Callable[[], float], limit: int = 10
) -> dict[str, Any]:
    """A run whose invocation has ``remaining()`` seconds left at each look."""
    return Run(config, lambda name: consumer if name == "lambda" else client(name), remaining)(limit)


def depth(queue_url: str) -> int:
    attributes = client("sqs").get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def visible(queue_url: str) -> int:
    attributes = client("sqs").get_queue_attributes(QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])
