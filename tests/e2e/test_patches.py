"""One test per moto patch of localcloud/patches.py: each drives moto (in-process, mock_aws) down
the patched path and checks that the local runtime's hook received the call, so a moto upgrade
that moves these private APIs fails here first."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from moto import mock_aws

from pulumi_wasp.localcloud import patches

REGION = "us-east-1"


class RecordingHooks:
    """Stands in for the runtime: records what moto hands over, answers like Lambda would."""

    def __init__(self, status: int = 200, payload: str = '{"ok": true}', function_error: str | None = None) -> None:
        self.answer = (status, payload, function_error)
        self.invoked: list[tuple[str, str]] = []
        self.queued: list[tuple[str, str]] = []
        self.delivered: list[tuple[str, dict[str, Any], dict[str, Any]]] = []

    def invoke(self, function_arn: str, payload: str) -> tuple[int, str, str | None]:
        self.invoked.append((function_arn, payload))
        return self.answer

    def invoke_async(self, function_arn: str, payload: str) -> str:
        self.queued.append((function_arn, payload))
        return "queued-request-id"

    def deliver(self, rule_arn: str, target: dict[str, Any], event: dict[str, Any]) -> None:
        self.delivered.append((rule_arn, target, event))


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        yield


@pytest.fixture
def function_arn(aws: None) -> str:
    role = boto3.client("iam").create_role(RoleName="probe", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    return boto3.client("lambda").create_function(
        FunctionName="probe",
        Role=role,
        Runtime="python3.12",
        Handler="probe.handler",
        Code={"ZipFile": b"PK\x05\x06" + b"\0" * 18},
    )["FunctionArn"]


@contextlib.contextmanager
def installed(hooks: RecordingHooks) -> Iterator[RecordingHooks]:
    patches.install(hooks)
    try:
        yield hooks
    finally:
        patches.uninstall()


@pytest.fixture
def hooks() -> Iterator[RecordingHooks]:
    with installed(RecordingHooks()) as recording:
        yield recording


def test_lambda_invoke_runs_synchronous_invocations_on_the_runtime(function_arn: str, hooks: RecordingHooks) -> None:
    response = boto3.client("lambda").invoke(FunctionName="probe", Payload=b'{"x": 1}')
    assert hooks.invoked == [(function_arn, '{"x": 1}')]
    assert json.loads(response["Payload"].read()) == {"ok": True}
    assert "FunctionError" not in response


def test_lambda_invoke_reports_function_errors_throttles_and_service_errors(function_arn: str) -> None:
    client = boto3.client("lambda", config=Config(retries={"total_max_attempts": 1}))
    with installed(RecordingHooks(payload='{"errorType": "ValueError"}', function_error="Unhandled")):
        assert client.invoke(FunctionName="probe")["FunctionError"] == "Unhandled"
    with installed(RecordingHooks(status=429, payload='{"errorMessage": "Rate Exceeded."}')) as hooks:
        with pytest.raises(ClientError) as raised:
            client.invoke(FunctionName="probe")
        assert raised.value.response["Error"]["Code"] == "TooManyRequestsException"
        assert hooks.invoked
    # An invocation the stopping runtime aborted: Lambda's own failure, not the function's.
    with installed(RecordingHooks(status=500, payload='{"errorMessage": "The local cloud is stopping."}')):
        with pytest.raises(ClientError) as raised:
            client.invoke(FunctionName="probe")
        assert raised.value.response["Error"]["Code"] == "ServiceException"
        assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500


def test_lambda_invoke_queues_event_invocations_and_service_deliveries(
    function_arn: str, hooks: RecordingHooks
) -> None:
    response = boto3.client("lambda").invoke(FunctionName="probe", InvocationType="Event", Payload=b"{}")
    assert response["StatusCode"] == 202
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="uploads")
    notification = {
        "LambdaFunctionConfigurations": [{"LambdaFunctionArn": function_arn, "Events": ["s3:ObjectCreated:*"]}]
    }
    s3.put_bucket_notification_configuration(Bucket="uploads", NotificationConfiguration=notification)
    s3.put_object(Bucket="uploads", Key="a.csv", Body=b"x")
    assert hooks.invoked == []
    assert [arn for arn, _ in hooks.queued] == [function_arn, function_arn]
    record = json.loads(hooks.queued[1][1])["Records"][0]
    assert (record["eventSource"], record["s3"]["object"]["key"]) == ("aws:s3", "a.csv")


def test_event_rules_hand_lambda_states_and_sns_targets_to_the_runtime(aws: None, hooks: RecordingHooks) -> None:
    events, sqs, sns = boto3.client("events"), boto3.client("sqs"), boto3.client("sns")
    events.create_event_bus(Name="orders")
    rule_arn = events.put_rule(
        Name="placed", EventBusName="orders", EventPattern=json.dumps({"detail-type": ["OrderPlaced"]})
    )["RuleArn"]
    queue_url = sqs.create_queue(QueueName="copies")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    topic_arn = sns.create_topic(Name="order-events")["TopicArn"]
    targets = [
        {"Id": "topic", "Arn": topic_arn, "RetryPolicy": {"MaximumRetryAttempts": 3}},
        {"Id": "queue", "Arn": queue_arn},
    ]
    events.put_targets(Rule="placed", EventBusName="orders", Targets=targets)
    entry = {
        "EventBusName": "orders",
        "Source": "orders.platform",
        "DetailType": "OrderPlaced",
        "Detail": '{"id": "o-1"}',
    }
    assert events.put_events(Entries=[entry])["FailedEntryCount"] == 0
    [(rule, target, event)] = hooks.delivered
    assert (rule, target["Arn"], target["RetryPolicy"]) == (rule_arn, topic_arn, {"MaximumRetryAttempts": 3})
    assert event["detail"] == {"id": "o-1"} and event["time"].endswith("Z") and "ingestion-time" not in event
    # The SQS target stays with moto, which still delivers it.
    assert len(sqs.receive_message(QueueUrl=queue_url).get("Messages", [])) == 1
